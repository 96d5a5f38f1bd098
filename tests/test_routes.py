"""The app's own web routes (app_pages/routes.py) under Starlette's TestClient, on a real runner and board."""
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app_pages import routes
from core.config import TrainConfig
from core.runner import Runner
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
