"""The app's own web routes (app_pages/routes.py) under Starlette's TestClient, on a real runner and board."""
import time

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app_pages import routes
from core.config import TrainConfig
from core.runner import Runner
from core.views import live
from tests.jobs import wait

TINY = TrainConfig(epochs=2, train_size=500, eval_size=500, lr=0.005, seed=301)


@pytest.fixture(scope="module")
def runner():
    r = Runner(max_workers=1, keep=1)  # keep=1: a second finished job makes it forget the first
    assert r.wait_ready(60), r.worker_error
    yield r
    r.shutdown()


@pytest.fixture(scope="module")
def client():
    with TestClient(Starlette(routes=routes.ROUTES)) as c:
        yield c


def test_events_since_n_are_the_rest_of_the_run(runner, client):
    job = wait(runner.submit(TINY, viewer="v"))
    whole = client.get(f"/api/runs/{job.token}", params={"since": 0})
    assert whole.status_code == 200 and whole.headers["cache-control"] == "no-store"
    body = whole.json()
    batches = [e for e in job.events if e["kind"] == "batch"]
    epochs = [e for e in job.events if e["kind"] == "epoch"]
    assert body["status"] == "finished" and body["ended"] and not body["more"] and body["next"] == len(job.events)
    assert len(body["loss"]) == len(batches) and len(body["accuracy"]) == len(epochs) == 2
    assert body["accuracy"][-1] == [2, pytest.approx(epochs[-1]["train_acc"], abs=1e-4),
                                    pytest.approx(epochs[-1]["test_acc"], abs=1e-4)]
    assert body["loss"][0][1] == pytest.approx(batches[0]["moving_loss"], rel=1e-4)
    half = len(job.events) // 2
    rest = client.get(f"/api/runs/{job.token}?since={half}").json()
    first = client.get(f"/api/runs/{job.token}?since=0").json()
    assert rest["next"] == body["next"]
    assert len(rest["loss"]) == sum(e["kind"] == "batch" for e in job.events[half:])
    assert first["loss"] == body["loss"]  # the same answer again: nothing is consumed by reading


def test_a_since_past_the_end_is_an_empty_answer_and_a_huge_or_bad_one_is_refused(runner, client):
    job = wait(runner.submit(TINY, viewer="v"))
    past = client.get(f"/api/runs/{job.token}?since=99999").json()
    assert past["loss"] == past["accuracy"] == [] and past["next"] == len(job.events) and past["ended"]
    for bad in ("-1", "abc", "1e3", "1.5", "", "123456789012", "99999999", "\u00b2", "\u2460", "\u0663"):
        answer = client.get(f"/api/runs/{job.token}", params={"since": bad})
        assert answer.status_code == 400 and "since" in answer.json()["error"], bad


def test_unknown_malformed_and_forgotten_tokens_are_404(runner, client):
    for token in ("nope", "A" * 22, "%3Cscript%3E", "x" * 300):
        answer = client.get(f"/api/runs/{token}")
        assert answer.status_code == 404 and "press Train" in answer.json()["error"]
    first = wait(runner.submit(TINY, viewer="v"))
    assert client.get(f"/api/runs/{first.token}").status_code == 200
    wait(runner.submit(TrainConfig(epochs=1, train_size=500, eval_size=500, seed=302), viewer="v"))
    assert runner.get(first.id) is None  # keep=1: the table has forgotten it
    assert client.get(f"/api/runs/{first.token}").status_code == 404


def test_a_poll_keeps_its_own_viewer_watching_and_adds_no_one(runner, client):
    job = runner.submit(TrainConfig(epochs=30, train_size=5000, eval_size=500, seed=303), viewer="mine")
    try:
        seen = job.viewers["mine"]
        client.get(f"/api/runs/{job.token}?since=0&viewer=mine")
        client.get(f"/api/runs/{job.token}?since=0&viewer=someone-else")
        assert set(job.viewers) == {"mine"} and job.viewers["mine"] > seen
    finally:
        runner.stop(job.id, "mine")
        wait(job)


def test_the_chart_libraries_are_served_from_the_app_with_a_long_cache(client):
    answer = client.get("/api/vendor/vega-embed.min.js?v=1")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/javascript")
    assert "immutable" in answer.headers["cache-control"] and "vegaEmbed" in answer.text
    licences = client.get("/api/vendor/LICENSES.txt")
    assert licences.status_code == 200 and "BSD-3-Clause" in licences.text
    for name in ("package.json", "..%2Froutes.py", "nothing.js"):
        assert client.get(f"/api/vendor/{name}").status_code == 404


def read_all(client, token, viewer=None, timeout=60):
    """Poll the route as the live chart does (since=next each time) until `ended`; every answer, in order."""
    answers, since = [], 0
    deadline = time.monotonic() + timeout
    while True:
        params = {"since": since, **({"viewer": viewer} if viewer else {})}
        answer = client.get(f"/api/runs/{token}", params=params)
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
        since = answers[-1]["next"]
        if answers[-1]["ended"]:
            return answers
        assert time.monotonic() < deadline, f"the route never said ended; the last answer was {answers[-1]}"
        if not answers[-1]["more"]:
            time.sleep(0.05)  # the page's interval, shortened: the run is still training


def rows_of(job):
    """Every loss and accuracy row the job's events make, as the route words them (one answer from 0)."""
    body = live.progress(job, 0)
    assert body["ended"] and not body["more"]  # small enough for one answer
    return body["loss"], body["accuracy"]


def test_a_long_answer_comes_in_pages_and_ended_waits_for_the_last(runner, client, monkeypatch):
    job = wait(runner.submit(TINY, viewer="v"))
    loss, accuracy = rows_of(job)
    total = len(job.events)
    monkeypatch.setattr(live, "MAX_EVENTS", 7)
    answers = read_all(client, job.token)
    assert len(answers) == -(-total // 7) > 2  # a finished run, read from the start in pages of 7 events
    for answer in answers[:-1]:
        assert answer["more"] and answer["next"] < total and not answer["ended"] and answer["status"] == "finished"
    assert answers[-1]["next"] == total and not answers[-1]["more"] and answers[-1]["ended"]
    assert [row for a in answers for row in a["loss"]] == loss
    assert [row for a in answers for row in a["accuracy"]] == accuracy


def test_polls_while_the_run_trains_rebuild_every_row(runner, client):
    job = runner.submit(TrainConfig(epochs=4, train_size=5000, eval_size=500, lr=0.005, seed=304), viewer="v")
    assert job.first_point.wait(60)
    answers = read_all(client, job.token, viewer="v", timeout=240)  # a deadline for a busy shared machine
    assert job.finished and job.status == "finished"
    training = [a for a in answers if a["status"] == "running"]
    assert training and not any(a["ended"] for a in training)  # some answers came while it still trained
    assert len([a for a in training if a["loss"]]) >= 2  # rows came in more than one answer
    loss, accuracy = rows_of(job)
    assert [row for a in answers for row in a["loss"]] == loss and len(loss) > 0
    assert [row for a in answers for row in a["accuracy"]] == accuracy and len(accuracy) == 4


def test_a_chart_that_polls_keeps_its_run_past_the_abandon_limit(client):
    r = Runner(max_workers=1, abandon_after=0.5)
    try:
        assert r.wait_ready(60), r.worker_error
        kept = r.submit(TrainConfig(epochs=50, train_size=20000, eval_size=500, seed=305), viewer="chart")
        deadline, trained_since = time.monotonic() + 60, None
        # The chart polls from the submit on; once the run trains, three abandon limits and two of the runner's
        # once-a-second looks pass while it polls:
        while trained_since is None or time.monotonic() - trained_since < 3.0:
            assert client.get(f"/api/runs/{kept.token}", params={"since": 0, "viewer": "chart"}).status_code == 200
            assert not kept.finished, f"abandoned while its chart polled: {kept.message}"
            if trained_since is None and kept.first_point.is_set():
                trained_since = time.monotonic()
            assert time.monotonic() < deadline, "no first point within 60 s"
            time.sleep(0.1)
        wait(kept, 10)  # the chart closed: nobody polls, and the run is stopped as abandoned
        assert kept.status == "stopped" and "nobody" in kept.message
    finally:
        r.shutdown()
