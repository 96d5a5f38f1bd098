"""Lesson 3's bookkeeping, and the lesson's claim itself: the net memorises random labels, dropout slows it."""
import math
import subprocess
import sys
from types import SimpleNamespace

import pytest

from core.lessons import memorize
from core import cost
from core.config import TrainConfig
from core.nn.train import train
from tests.conftest import ROOT

PAGE = {"label_noise": 1.0, "drop_prob": 0.5, "train_size": 1000, "epochs": 300, "seed": 1, "inputs": "pixels"}


def epoch_events(train_accs, test_acc=0.1):
    return [{"kind": "start"}] + [{"kind": "epoch", "epoch": i, "train_acc": a, "test_acc": test_acc}
                                  for i, a in enumerate(train_accs)] + [{"kind": "done", "status": "finished"}]


def test_memorize_does_not_import_streamlit():
    code = "import sys, core.lessons.memorize; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_the_contrast_is_true_against_chosen_labels_without_and_with_dropout():
    runs = memorize.contrast_configs(PAGE)
    assert list(runs) == ["true labels, no dropout", "true labels, dropout 0.5",
                          "random labels, no dropout", "random labels, dropout 0.5"]
    assert [(c.label_noise, c.drop_probs) for c in runs.values()] == [
        (0.0, (0.0, 0.0)), (0.0, (0.5, 0.5)), (1.0, (0.0, 0.0)), (1.0, (0.5, 0.5))]
    for cfg in runs.values():
        assert (cfg.epochs, cfg.train_size, cfg.seed, cfg.eval_size) == (300, 1000, 1, memorize.EVAL_SIZE)
        assert (cfg.lr, cfg.batch_size) == (TrainConfig().lr, TrainConfig().batch_size)  # the lesson's run


def test_contrast_names_the_corruption_and_drops_duplicates():
    runs = memorize.contrast_configs({**PAGE, "label_noise": 0.4, "inputs": "shuffled"})
    assert "shuffled pixels, 40% random labels, dropout 0.5" in runs
    assert {c.inputs for c in runs.values()} == {"pixels", "shuffled"}
    assert len(memorize.contrast_configs({**PAGE, "drop_prob": 0.0})) == 2
    assert len(memorize.contrast_configs({**PAGE, "label_noise": 0.0})) == 2


def test_sweep_covers_the_noise_levels_with_dropout_when_it_fits():
    configs, note = memorize.sweep_configs(PAGE)
    assert note is None and len(configs) == 12
    assert sorted({c.label_noise for c in configs}) == list(memorize.SWEEP_NOISE)
    assert {c.drop_prob1 for c in configs} == {0.0, 0.5} and {c.inputs for c in configs} == {"pixels"}
    # the sweep's ends are the contrast's random-label runs, so the runner shares those jobs
    assert set(memorize.contrast_configs(PAGE).values()) <= set(configs)


def test_sweep_stays_within_its_budget():
    configs, note = memorize.sweep_configs({**PAGE, "epochs": 500})
    assert len(configs) == 6 and {c.drop_prob1 for c in configs} == {0.0} and "without dropout" in note
    configs, note = memorize.sweep_configs({**PAGE, "train_size": 60_000, "epochs": 60})
    epochs = configs[0].epochs
    assert len(configs) == 6 and 1 <= epochs < 60 and {c.epochs for c in configs} == {epochs}
    assert f"trains {epochs} epochs instead of 60" in note
    assert sum(cost.seconds(c) for c in configs) <= memorize.SWEEP_BUDGET  # within the budget...
    assert 6 * memorize.price({**PAGE, "train_size": 60_000, "epochs": epochs + 1}) > memorize.SWEEP_BUDGET  # ...as cut


def test_epochs_to_fit_counts_from_one_and_may_never_come():
    assert memorize.epochs_to_fit(epoch_events([0.5, 0.98, 0.99, 1.0])) == 3
    assert memorize.epochs_to_fit(epoch_events([0.5, 0.9])) is None


def test_summary_sentence_and_verdicts():
    cfg = memorize.contrast_configs(PAGE)["random labels, no dropout"]
    s = memorize.summary(cfg, epoch_events([0.2] * 286 + [0.995, 0.998], test_acc=0.106))
    assert (s["epochs_done"], s["epochs_to_fit"], s["train_acc"], s["test_acc"]) == (288, 287, 0.998, 0.106)
    assert memorize.sentence(s) == ("Random labels, no dropout: train 99.8%, test 10.6% (gap 89 points) — "
                                    "memorised, nothing learned; 99% train accuracy at epoch 287.")
    assert memorize.verdict(1.0, 0.84) == "fits and generalises"
    assert memorize.verdict(0.93, 0.09) == "not memorised yet, nothing learned"
    assert math.isnan(memorize.summary(cfg, [])["train_acc"])


def test_sweep_frame_sorts_and_marks_never_fitted_as_nan():
    rows = [memorize.summary(TrainConfig(label_noise=n, epochs=3).with_dropout(p), epoch_events(accs))
            for n, p, accs in ((1.0, 0.5, [0.2]), (1.0, 0.0, [0.2]), (0.0, 0.0, [0.995]))]
    df = memorize.sweep_frame(rows)
    assert list(zip(df.dropout, df.label_noise)) == [("no dropout", 0.0), ("no dropout", 1.0), ("dropout 0.5", 1.0)]
    assert df.epochs_to_fit[0] == 1 and math.isnan(df.epochs_to_fit[1])
    html = memorize.sweep_table(df).to_html()
    assert "labels replaced" in html and "100%" in html and "99.5%" in html and "not reached" in html


@pytest.fixture(scope="module")
def random_label_runs(mnist):
    """The contrast's two random-label runs at the page's defaults, trained in this process (~30 s)."""
    runs = memorize.contrast_configs(PAGE)
    return {p: {e["epoch"] + 1: e for e in train(runs[f"random labels, {memorize.dropout_name(p)}"], mnist)
                if e["kind"] == "epoch"} for p in (0.0, 0.5)}


@pytest.mark.slow
def test_the_net_memorises_random_labels_and_learns_nothing(random_label_runs):
    checked = random_label_runs[0.0]  # by epoch, counted from 1: checked every 3rd epoch
    assert sorted(checked) == list(range(3, 301, 3))
    assert checked[300]["train_acc"] >= 0.99
    assert abs(checked[300]["test_acc"] - 0.10) <= 0.04
    assert checked[99]["train_acc"] < 0.3  # memorising starts slowly


@pytest.mark.slow
def test_dropout_slows_the_memorising(random_label_runs):
    without, with_dropout = random_label_runs[0.0], random_label_runs[0.5]
    assert with_dropout[300]["train_acc"] < without[300]["train_acc"] - 0.02
    assert with_dropout[201]["train_acc"] < without[201]["train_acc"]
    assert abs(with_dropout[300]["test_acc"] - 0.10) <= 0.05
