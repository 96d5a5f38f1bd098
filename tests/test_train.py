"""The training loop: it learns, it is deterministic, it stops, it detects divergence, and the CLI."""
import json
import os
import subprocess
import sys

import pytest

from core.config import TrainConfig
from core.nn.train import train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL = TrainConfig(epochs=3, train_size=2000, lr=0.01, eval_size=1000)


def epochs_of(events):
    return [e for e in events if e["kind"] == "epoch"]


def numbers(events):
    """Every number of a run except wall times."""
    return [{k: v for k, v in e.items() if k != "seconds"} for e in events]


def test_a_short_run_lowers_the_loss(mnist):
    events = list(train(SMALL, mnist))
    assert events[0]["kind"] == "start" and events[-1]["status"] == "finished"
    losses = [e["moving_loss"] for e in events if e["kind"] == "batch"]
    assert losses[-1] < losses[0] - 0.2
    assert epochs_of(events)[-1]["test_acc"] > 0.6
    assert len(events[-1]["predictions"]["labels"]) == 24


def test_same_seed_same_events_other_seed_differs(mnist):
    first, second = numbers(train(SMALL, mnist)), numbers(train(SMALL, mnist))
    assert first == second
    other = numbers(train(TrainConfig(**{**SMALL.__dict__, "seed": 2}), mnist))
    assert other != first


def test_stop_between_batches(mnist):
    seen = []
    events = list(train(TrainConfig(epochs=5, train_size=5000), mnist, should_stop=lambda: len(seen) > 3 or seen.append(1)))
    assert events[-1]["status"] == "stopped"
    assert not epochs_of(events)


def test_diverging_rate_stops_with_a_message_and_no_nan(mnist):
    events = list(train(TrainConfig(epochs=3, train_size=1000, lr=1.0), mnist))
    assert events[-1]["status"] == "diverged" and "learning rate" in events[-1]["message"]
    assert all(e["moving_loss"] < 100 for e in events if e["kind"] in ("batch", "epoch"))


@pytest.mark.parametrize("bad", [{"lr": float("nan")}, {"drop_prob1": 1.5}, {"epochs": 0},
                                 {"epochs": 500, "train_size": 60000}, {"inputs": "x"}])
def test_config_refuses_out_of_range_values(bad):
    with pytest.raises(ValueError):
        TrainConfig(**bad)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "core.train", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_jsonl_run_on_a_subset():
    result = run_cli("--epochs", "2", "--train-size", "1000", "--lr", "0.005", "--drop-prob", "0.3", "--jsonl")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["epoch"] for r in rows] == [0, 1]
    assert {"epoch", "moving_loss", "train_acc", "test_acc", "seconds"} <= rows[0].keys()


@pytest.mark.parametrize("args", [["--lr", "abc"], ["--drop-prob1", "2"], ["--epochs", "-1"], ["--bogus"]])
def test_cli_bad_values_exit_2_with_one_line(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "error" in result.stderr


# The lesson's printed table (SEED-FACTS.md): train and test accuracy after each of its 10 epochs.
LESSON_TABLE = [(0.8467, 0.8511), (0.9212, 0.9208), (0.9465, 0.9452), (0.9562, 0.9532), (0.9639, 0.9600),
                (0.9691, 0.9651), (0.9727, 0.9672), (0.9754, 0.9699), (0.9786, 0.9729), (0.9802, 0.9726)]


@pytest.mark.slow
def test_the_lessons_run_reproduces_its_table(mnist):
    """Full MNIST, the lesson's defaults, 10 epochs (about 25 s): every epoch within 0.02 (0.05 at epoch 0)."""
    epochs = epochs_of(train(TrainConfig(), mnist))
    assert len(epochs) == 10
    for e, (train_acc, test_acc) in zip(epochs, LESSON_TABLE):
        tolerance = 0.05 if e["epoch"] == 0 else 0.02
        assert abs(e["train_acc"] - train_acc) <= tolerance and abs(e["test_acc"] - test_acc) <= tolerance, e
    assert epochs[-1]["test_acc"] >= 0.97


def test_scaling_once_or_per_batch_gives_the_same_run(mnist, monkeypatch):
    """Small sets are scaled to float32 once per run, large ones per batch in the graph: same numbers."""
    import core.nn.train
    cfg = TrainConfig(epochs=2, train_size=1000, eval_size=500)
    once = numbers(train(cfg, mnist))
    monkeypatch.setattr(core.nn.train, "FLOAT_IMAGES", 0)  # every set stays uint8 pixels
    assert numbers(train(cfg, mnist)) == once


def test_compiled_accuracy_equals_the_plain_count(mnist):
    """The trainer's compiled counts (in batches, any batch size) against Predict and a plain comparison."""
    from core.nn.model import Predict, TrainLoss
    from core.nn.train import Accuracies, evaluate_accuracy, prepare
    trained, cfg = [], TrainConfig(epochs=1, train_size=1000, eval_size=700)
    last = epochs_of(train(cfg, mnist, trained=trained))[-1]
    _, _, sets = prepare(cfg, mnist)
    loss_fn = TrainLoss(trained, cfg.drop_probs)
    expected = [last["train_acc"], last["test_acc"]]
    cut = Accuracies(loss_fn, sets, batch_size=300)
    assert {type(count).__name__ for _, count, _ in cut.batches} == {"CountCorrectOn"}  # both sets cut down
    assert cut() == expected
    assert [evaluate_accuracy(Predict(loss_fn), X, y) for X, y in sets] == expected  # whole images


def test_a_check_reads_only_the_pixels_its_set_uses(mnist):
    """MNIST's test set leaves 116 pixels blank in every image: the checks skip them, the training set stays whole."""
    from core.nn.mx import nd
    from core.nn.train import used_pixels
    test_X = nd.array(mnist.test_X, dtype="uint8")
    used = used_pixels(test_X).asnumpy().astype(int)
    assert len(used) == 784 - 116 and mnist.test_X[:, used].any(axis=0).all()
    assert not mnist.test_X[:, sorted(set(range(784)) - set(used))].any()
    assert used_pixels(nd.ones((3, 784), dtype="uint8")) is None  # nothing to leave out
    assert used_pixels(nd.zeros((3, 784), dtype="uint8")) is None  # blank images keep their shape


@pytest.mark.slow
def test_results_do_not_depend_on_the_number_of_mxnet_threads():
    """Workers train with 1 MXNet thread on MXNet's threaded engine, the CLI with 2 on the NaiveEngine
    (core/nn/threads.py): a run's numbers must be the same."""
    runs = []
    for threads in ("1", "2"):
        env = {k: v for k, v in os.environ.items() if k != "MXNET_ENGINE_TYPE"}
        env.update(OMP_NUM_THREADS=threads, MXNET_CPU_WORKER_NTHREADS=threads)
        result = subprocess.run([sys.executable, "-m", "core.train", "--epochs", "2", "--train-size", "1000",
                                 "--eval-size", "1000", "--jsonl"], cwd=ROOT, capture_output=True, text=True,
                                timeout=120, env=env)
        assert result.returncode == 0, result.stderr
        runs.append([{k: v for k, v in json.loads(line).items() if k != "seconds"}
                     for line in result.stdout.splitlines()])
    assert runs[0] == runs[1] and len(runs[0]) == 2
