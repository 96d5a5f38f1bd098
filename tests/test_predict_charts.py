"""Lesson 4's presentation: sentences, frames and chart specs from prediction events (no MXNet, no Streamlit)."""
import json
import math
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from core.views import predict_charts as pc
from core.config import TrainConfig
from core.config import PredictConfig
from tests.conftest import ROOT


def averaging(t, accs, full=0.9, test_size=2000):
    return {"kind": "averaging", "samples": t, "mc_test_acc": float(np.mean(accs)), "mc_test_accs": accs,
            "full_test_acc": full, "test_size": test_size}


def image(role, index, samples, full, label=1, angle=None):
    samples = np.asarray(samples, dtype=float)
    mc = samples.mean(axis=0)
    return {"kind": "image", "role": role, "index": index, "label": label, "angle": angle, "pixels": [0] * 784,
            "samples": samples.tolist(), "mc": mc.tolist(), "full": list(full),
            "mc_entropy": float(pc.entropy(mc)), "full_entropy": float(pc.entropy(full))}


ONE_HOT = [[1.0 if c == k else 0.0 for c in range(10)] for k in range(10)]
SPLIT = [[0.5 if c in (1, 7) else 0.0 for c in range(10)]]  # a sure 1 and a sure 7, averaged
NET = [averaging(1, [0.86, 0.87, 0.88]), averaging(10, [0.895, 0.9, 0.897]), averaging(50, [0.899, 0.9, 0.901]),
       {"kind": "activations", "layer": 1, "mean_activation": 0.2, "zero_fraction": 0.46, "size": 100,
        "edges": [0.0, 0.5, 1.0], "counts": [30, 24]},
       {"kind": "activations", "layer": 2, "mean_activation": 0.5, "zero_fraction": 0.35, "size": 100,
        "edges": [0.0, 0.5, 1.0], "counts": [40, 25]},
       {"kind": "test_images", "index": [3, 8, 9, 12], "label": [0, 1, 2, 3], "full_pred": [0, 1, 5, 3],
        "mc_pred": [0, 1, 5, 4], "full_entropy": [0.1, 0.2, 1.0, 0.8], "mc_entropy": [0.2, 0.2, 1.6, 1.2]},
       image("digit", 2, [ONE_HOT[1], ONE_HOT[7]], ONE_HOT[1]),
       image("ambiguous", 9, [ONE_HOT[5], ONE_HOT[2]], ONE_HOT[5], label=2)]
TWIN = [averaging(1, [0.89] * 3, full=0.89), averaging(50, [0.89] * 3, full=0.89),
        {"kind": "test_images", "index": [3, 8, 9, 12], "label": [0, 1, 2, 3], "full_pred": [0, 1, 2, 3],
         "mc_pred": [0, 1, 2, 3], "full_entropy": [0.05, 0.1, 0.7, 0.3], "mc_entropy": [0.05, 0.1, 0.7, 0.3]},
        image("digit", 2, [ONE_HOT[1], ONE_HOT[1]], ONE_HOT[1])]


def test_net_names():
    assert pc.net_name(TrainConfig()) == "dropout 0.5"
    assert pc.net_name(TrainConfig(drop_prob1=0.2, drop_prob2=0.5)) == "dropout 0.2/0.5"
    assert pc.net_name(TrainConfig().with_dropout(0.0)) == "no dropout"


def test_the_averaging_sentence_gives_the_numbers():
    text = pc.averaging_sentence(NET, "no dropout", TWIN)
    assert text == ("One thinned net per image scores 87.0% (86.0%..88.0% over 3 draws). The average of 50 scores "
                    "90.0%; the full net 90.0%, from one pass instead of 50. Its twin with no dropout scores 89.0%. "
                    "Scored on 2,000 test images.")


def test_disagreement_is_zero_for_agreeing_nets_and_ln2_for_two_sure_rivals():
    assert pc.disagreement([ONE_HOT[3]] * 5) == pytest.approx(0.0)
    assert pc.disagreement([ONE_HOT[1], ONE_HOT[7]]) == pytest.approx(math.log(2))


def test_image_sentences_separate_sampled_and_unsampled_nets():
    net, twin = pc.image_sentence("dropout 0.5", NET[6]), pc.image_sentence("no dropout", TWIN[3])
    assert net.startswith("With dropout 0.5: the average of 2 thinned nets says 1 (0.50), entropy 0.69 nats, "
                          "of which 0.69 comes from the thinned nets disagreeing")
    assert twin == "With no dropout: all 2 passes are the full net, which says 1 (1.00), entropy 0.00 nats; " \
                   "no spread at all."


def test_outcome_and_activation_sentences():
    assert pc.entropy_by_outcome(NET) == (pytest.approx(0.2), pytest.approx(1.4), 2)
    assert pc.outcome_sentence("dropout 0.5", NET) == (
        "With dropout 0.5, the average of 50 thinned nets is wrong on 2 of 2,000 test images: mean entropy 1.40 "
        "nats on those, 0.20 on the ones it gets right.")
    assert pc.outcome_sentence("no dropout", TWIN, key="full").startswith("With no dropout, the full net is wrong on 0")
    assert pc.activation_sentence([("dropout 0.5", NET)]) == (
        "Hidden layer 1: 46% of activations are zero with dropout 0.5 (mean 0.20). "
        "Hidden layer 2: 35% of activations are zero with dropout 0.5 (mean 0.50).")


def test_frames_are_tidy():
    draws = pc.averaging_frame(NET)
    assert len(draws) == 9 and list(draws.columns) == ["samples", "draw", "accuracy"]
    assert pc.full_frame([("dropout 0.5", NET), ("no dropout", TWIN)]).accuracy.tolist() == [0.9, 0.89]
    samples, summary = pc.class_frames([("dropout 0.5", NET[6]), ("no dropout", TWIN[3])])
    assert len(samples) == 40 and len(summary) == 20 and summary.mc.sum() == pytest.approx(2.0)
    hist = pc.activation_frame([("dropout 0.5", NET)])
    assert hist.fraction.round(2).tolist() == [0.30, 0.24, 0.40, 0.25]
    table = pc.least_sure_frame(NET, "no dropout", TWIN)
    assert table.to_dict("records") == [{"test image": 9, "true": 2, "average of T says": 2, "entropy": 0.69,
                                         "full net says": 5, "no dropout says": 2, "no dropout, entropy": 0.7}]


def test_rotation_frames_follow_the_leading_classes():
    rotated = [image("rotated", 2, [ONE_HOT[1]] * 3, ONE_HOT[1], angle=0),
               image("rotated", 2, [ONE_HOT[4], ONE_HOT[1], ONE_HOT[4]], ONE_HOT[4], angle=90),
               image("rotated", 2, [ONE_HOT[4]] * 3, ONE_HOT[4], angle=180)]
    assert pc.rotation_classes(rotated) == [1, 4]
    samples, means = pc.rotation_frames(rotated, [1, 4])
    assert len(samples) == 18 and len(means) == 6
    assert means[(means.angle == 90) & (means["class"] == "4")].probability.item() == pytest.approx(2 / 3)
    assert len(pc.entropy_frame([("dropout 0.5", rotated)])) == 6


def spec(chart):
    return json.dumps(chart.to_dict())  # to_dict validates the spec against Vega-Lite's schema


def test_charts_build_valid_specs():
    averaging_spec = spec(pc.averaging_chart(pc.averaging_frame(NET), pc.full_frame([("dropout 0.5", NET)])))
    assert '"type": "log"' in averaging_spec and '"rule"' in averaging_spec and "strokeDash" in averaging_spec
    samples, summary = pc.class_frames([("dropout 0.5", NET[6]), ("no dropout", TWIN[3])])
    assert '"tick"' in spec(pc.distribution_chart(samples, summary, ["dropout 0.5", "no dropout"]))
    rotated = [image("rotated", 2, [ONE_HOT[1]] * 2, ONE_HOT[1], angle=a) for a in (0, 90)]
    spec(pc.rotation_chart(*pc.rotation_frames(rotated, [1])))
    spec(pc.entropy_chart(pc.entropy_frame([("dropout 0.5", rotated)]), ["dropout 0.5", "no dropout"]))
    layer = spec(pc.activation_chart(pc.activation_frame([("dropout 0.5", NET)]), ["dropout 0.5"], "Hidden layer 1"))
    assert '"facet"' not in layer and "strokeDash" in layer and "Hidden layer 1" in layer  # one chart per layer


def test_what_the_pages_import_loads_neither_streamlit_nor_mxnet():
    code = ("import sys, core.config, core.views.predict_charts, core.views.status, core.lessons.measures, "
            "core.lessons.drawing, core.lessons.memorize, core.views.source; "
            "assert 'streamlit' not in sys.modules and 'mxnet' not in sys.modules, 'imported too much'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
