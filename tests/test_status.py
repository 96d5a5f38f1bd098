"""Where a job stands, in words (core.views.status): training and prediction jobs, queued, running, ended."""
import time
from types import SimpleNamespace

from core.config import PredictConfig, TrainConfig
from core.views import status


def job(config, **state):
    fields = {"status": "queued", "position": 2, "events": [], "eta": None, "message": "", "starts_at": None,
              "progress": 0.0, "config": config}
    return SimpleNamespace(**{**fields, **state})


def test_a_training_job_waits_then_runs_then_ends():
    run = job(TrainConfig(epochs=300, train_size=1000))
    assert status.named("run", run) == "run: waiting for a free worker: place 2 in the queue"
    run.starts_at = time.monotonic() + 100
    assert status.line(run).endswith("place 2 in the queue, starts in about 1 min 40 s")
    run.status, run.eta, run.progress = "running", 12.3, 0.13
    assert status.named("run", run) == "run: epoch 40 of 300, about 12 s left"
    run.status, run.message = "stopped", "Stopped on request."
    assert status.named("run", run) == "run: stopped — Stopped on request."
    run.status = "finished"
    assert status.line(run) == "finished"


def test_a_prediction_job_trains_then_samples():
    request = job(PredictConfig(), status="running", events=[{"kind": "start"}])
    assert status.named("The net with dropout 0.5", request) == "The net with dropout 0.5: starting"
    request.eta = 12.0
    request.events.append({"kind": "batch", "step": 700, "epoch": 2.3, "phase": "train"})
    assert status.line(request) == "training, epoch 3 of 5, about 12 s left"
    request.events.append({"kind": "batch", "step": 1600, "phase": "predict"})
    assert status.line(request) == "sampling thinned nets, about 12 s left"


def test_durations_are_said_as_a_person_would():
    assert [status.duration(s) for s in (0, 3, 42, 60, 100, 128, 599, 725)] == \
        ["5 s", "5 s", "40 s", "1 min", "1 min 40 s", "2 min 10 s", "10 min", "12 min"]
