"""Lesson 4 through the runner: a class asking at once costs one computation per distinct request."""
from dataclasses import replace

import pytest

from core.config import TrainConfig
from core.config import PredictConfig
from core.runner import Runner
from tests.jobs import wait

TASK = PredictConfig(train=TrainConfig(epochs=10, train_size=1000, eval_size=200, eval_every=5, lr=0.01, seed=21),
                     samples=(1, 5, 20), repeats=2, test_size=300, angles=(0, 90))


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DROPOUT_NET_CACHE", str(tmp_path_factory.mktemp("nets")))  # the workers inherit it
        r = Runner(max_workers=1)
        assert r.wait_ready(90), r.worker_error
        yield r
        r.shutdown()


def test_a_class_asking_at_once_costs_one_computation(runner):
    jobs = [runner.submit(TASK, viewer=f"student-{i}") for i in range(30)]
    assert all(job is jobs[0] for job in jobs) and len(jobs[0].viewers) == 30
    job = wait(jobs[0], 120)
    assert job.status == "finished", job.message
    assert len(job.of_kind("start")) == 1 and len(job.of_kind("done")) == 1  # one computation, streamed to all
    assert len(job.of_kind("averaging")) == 3 and job.progress == 1.0
    assert runner.submit(replace(TASK), viewer="late") is job  # an equal request later: still the same job


def test_another_request_on_the_same_net_reuses_it(runner):
    first = wait(runner.submit(TASK, viewer="a"), 120)
    other = wait(runner.submit(replace(TASK, digit=7), viewer="a"), 120)
    assert other is not first and other.status == "finished"
    assert other.of_kind("start")[0]["cached"] and not other.of_kind("epoch")  # the net was not trained again
    assert other.of_kind("averaging") == first.of_kind("averaging")
    assert other.of_kind("image")[0]["index"] == 7
