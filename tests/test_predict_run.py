"""Lesson 4's job, as a worker runs it: its events, its kept net, its figures on a tiny run, and its command line."""
import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from core.config import TrainConfig
from core.config import PredictConfig
from core.lessons import prediction
from core import predict as predict_cli
from core import netcache
from core import config
from tests.conftest import ROOT

TINY = TrainConfig(epochs=10, train_size=1000, eval_size=200, eval_every=5, lr=0.01)  # ~85% in ~2 s
TASK = PredictConfig(train=TINY, samples=(1, 5, 20), repeats=2, test_size=300, angles=(0, 90))


@pytest.fixture(scope="module")
def cache_folder(tmp_path_factory):
    """One cache folder for this module's tests, so the tiny net is trained once."""
    with pytest.MonkeyPatch.context() as mp:
        folder = tmp_path_factory.mktemp("nets")
        mp.setenv("DROPOUT_NET_CACHE", str(folder))
        netcache.forget_in_memory()
        yield folder


@pytest.fixture(scope="module")
def first(cache_folder, mnist):
    """The events of the first request on the tiny net: it trains the net."""
    return list(prediction.run(TASK, mnist))


def of_kind(events, kind):
    return [e for e in events if e["kind"] == kind]


def numbers(events):
    """The events' figures, without progress and timing."""
    return [e for e in events if e["kind"] not in ("batch", "epoch", "start")]


def test_a_request_trains_then_reports_every_figure(first):
    events = first
    json.dumps(events)  # all of it crosses a process boundary as JSON
    start, done = events[0], events[-1]
    assert start["kind"] == "start" and not start["cached"] and done["status"] == "finished"
    steps = [e["step"] for e in of_kind(events, "batch")]
    assert steps == sorted(steps) and steps[-1] == start["total_batches"]
    assert len(of_kind(events, "epoch")) == 2  # training's own checks (every 5th epoch), passed on
    averaging = of_kind(events, "averaging")
    assert [e["samples"] for e in averaging] == [1, 5, 20]
    assert all(len(e["mc_test_accs"]) == 2 and e["test_size"] == 300 for e in averaging)
    full = averaging[0]["full_test_acc"]
    assert 0.5 < full < 1 and averaging[0]["mc_test_acc"] < full  # one thinned net is worse than the full net
    assert abs(averaging[-1]["mc_test_acc"] - full) < abs(averaging[0]["mc_test_acc"] - full)
    layers = of_kind(events, "activations")
    assert [e["layer"] for e in layers] == [1, 2]
    assert all(0 < e["zero_fraction"] < 1 and e["mean_activation"] > 0 for e in layers)
    weights = of_kind(events, "weights")[0]
    assert len(weights["images"]) == len(weights["change_images"]) == config.UNITS_SHOWN
    assert all(len(img) == 784 and 0 <= min(img) and max(img) <= 255 for img in weights["images"])
    table = of_kind(events, "test_images")[0]
    assert len(table["index"]) == len(table["mc_entropy"]) == 300


def test_single_images_carry_their_sampled_predictions(first, mnist):
    images = of_kind(first, "image")
    assert [e["role"] for e in images] == ["digit", "rotated", "rotated"] + ["ambiguous"] * prediction.AMBIGUOUS
    digit, upright, turned = images[:3]
    assert digit["index"] == 2 and digit["label"] == 1 and [upright["angle"], turned["angle"]] == [0, 90]
    assert upright["pixels"] == digit["pixels"] == mnist.test_X[2].tolist()
    for e in images:
        assert len(e["samples"]) == 20 and all(len(row) == 10 for row in e["samples"])
        assert e["mc"] == pytest.approx([sum(col) / 20 for col in zip(*e["samples"])], abs=1e-3)
        assert 0 <= e["mc_entropy"] <= 2.31 and 0 <= e["full_entropy"] <= 2.31
    table = of_kind(first, "test_images")[0]
    ranked = sorted(zip(table["mc_entropy"], table["index"]), reverse=True)
    assert {e["index"] for e in images[3:]} == {i for _, i in ranked[:prediction.AMBIGUOUS]}  # the least sure ones


def test_a_second_request_on_the_same_net_does_not_retrain(first, mnist):
    second = list(prediction.run(replace(TASK, digit=7), mnist))
    assert second[0] == {"kind": "start", "total_batches": 1, "cached": True}
    assert not of_kind(second, "epoch")
    assert of_kind(second, "averaging") == of_kind(first, "averaging")
    assert of_kind(second, "image")[0]["index"] == 7
    netcache.forget_in_memory()  # a fresh worker: the net and the figures come from the cache folder
    third = list(prediction.run(replace(TASK, digit=7), mnist))
    assert third[0] == {"kind": "start", "total_batches": 1, "cached": True}
    assert numbers(third) == numbers(second)
    netcache.forget_in_memory()
    os.remove(netcache.figures_path(TASK))  # figures lost: sampled again from the kept net, with the same numbers
    fourth = list(prediction.run(TASK, mnist))
    assert fourth[0]["cached"] and fourth[0]["total_batches"] > 1 and not of_kind(fourth, "epoch")
    assert numbers(fourth) == numbers(first)  # seeded: the same numbers, however the net was obtained


def test_the_twin_without_dropout_has_no_spread(cache_folder, mnist):
    twin = TINY.with_dropout(0.0)
    from core.nn.model import init_params
    netcache.keep_net(twin, init_params(twin.seed))  # untrained will do: no dropout means no spread, trained or not
    events = list(prediction.run(replace(TASK, train=twin), mnist))
    for e in of_kind(events, "averaging"):
        assert e["mc_test_accs"] == [e["full_test_acc"]] * 2
    for e in of_kind(events, "image"):
        assert e["mc"] == pytest.approx(e["full"], abs=1e-4)
        assert e["mc_entropy"] == pytest.approx(e["full_entropy"], abs=1e-4)


def test_a_stop_ends_the_job_while_training_or_sampling(cache_folder, mnist):
    other = replace(TASK, train=replace(TINY, seed=2))
    events = list(prediction.run(other, mnist, should_stop=lambda: True))
    assert events[-1] == {"kind": "done", "status": "stopped", "message": "Stopped on request."}
    assert netcache.kept_net(other.train) is None  # a stopped training keeps nothing
    from core.nn.model import init_params
    netcache.keep_net(other.train, init_params(2))  # an untrained net of the right shape: the stop lands in sampling
    calls = []
    events = list(prediction.run(other, mnist, should_stop=lambda: calls.append(1) or len(calls) > 3))
    assert events[0]["cached"] and events[-1]["status"] == "stopped"
    assert not of_kind(events, "averaging") and of_kind(events, "batch")


# ---- the command line ------------------------------------------------------------------------------------------

TINY_FLAGS = ["--epochs", "10", "--train-size", "1000", "--eval-size", "200", "--eval-every", "5", "--lr", "0.01"]


def test_the_command_line_prints_one_line_per_T_and_per_layer(first, cache_folder):
    env = {"DROPOUT_NET_CACHE": str(cache_folder), "PATH": "/usr/bin:/bin"}  # the tiny net is kept there
    done = subprocess.run([sys.executable, "-m", "core.predict", *TINY_FLAGS, "--drop-prob", "0.5",
                           "--samples", "1,10", "--repeats", "2", "--test-size", "300", "--jsonl"],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r.get("samples") for r in rows[:2]] == [1, 10]
    assert all({"samples", "mc_test_acc", "full_test_acc"} <= set(r) for r in rows[:2])
    assert rows[0]["full_test_acc"] == of_kind(first, "averaging")[0]["full_test_acc"]  # the same net
    assert [r["layer"] for r in rows[2:]] == [1, 2]
    assert all({"mean_activation", "zero_fraction"} <= set(r) for r in rows[2:])


def test_the_command_line_prints_text_without_jsonl(first, capsys):
    assert predict_cli.main([*TINY_FLAGS, "--samples", "1", "--repeats", "1", "--test-size", "300"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("T = 1: average of T thinned nets ") and "full net" in out[0]
    assert out[1].startswith("Hidden layer 1: mean activation ") and len(out) == 3


@pytest.mark.parametrize("args", [["--samples", "1,ten"], ["--samples", "0,5"], ["--drop-prob", "2"],
                                  ["--repeats", "0"], ["--test-size", "20000"], ["--bogus"], ["--epochs", "x"],
                                  ["--samples", "1000", "--repeats", "20"]])
def test_bad_flags_exit_2_with_one_line(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        predict_cli.parse_args(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("python -m core.predict: error: ")
