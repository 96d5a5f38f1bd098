"""The runner: shared jobs, one owner's queue in order, stop, crashes, divergence, determinism, no leftovers, the
two-run cap on real workers (the turns between owners: test_fair_share.py).

Every test runs on the local worker processes, and again on Ray when RUNNER_ADDRESS names it
(`RUNNER_ADDRESS=ray` starts a local Ray instance; CI's Ray step runs that after installing requirements-ray.txt).
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from core.config import TrainConfig
from core.runner import Runner
from core.runner.worker import NICENESS
from core.nn.train import train
from tests.jobs import wait

TINY = dict(train_size=500, eval_size=500, lr=0.005)
RAY = os.environ.get("RUNNER_ADDRESS", "").strip()
RAY = RAY if RAY == "ray" or RAY.startswith("ray://") else ""
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module", params=["local"] + ([RAY] if RAY else []), autouse=True)
def backend(request):
    """The backend every Runner in a test gets, through RUNNER_ADDRESS as in the app."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RUNNER_ADDRESS", request.param)
        if request.param == "local":
            yield request.param
            return
        from core.runner import ray_backend
        ray_backend.connect(request.param, num_cpus=6)  # room for the module's runner and a test's own
        try:
            yield request.param
        finally:
            ray_backend.disconnect()


@pytest.fixture(scope="module")
def runner(backend):
    r = Runner(max_workers=2, max_open=None)  # tests here press many times as one viewer; the cap has its own test
    assert r.wait_ready(60), r.worker_error
    yield r
    r.shutdown()


def numbers(events):
    return [{k: v for k, v in e.items() if k != "seconds"} for e in events]


def test_identical_configs_share_one_job(runner):
    cfg = TrainConfig(epochs=1, seed=11, **TINY)
    a, b = runner.submit(cfg, viewer="a"), runner.submit(cfg, viewer="b")
    assert a is b and set(a.viewers) == {"a", "b"}
    wait(a)
    assert runner.submit(cfg, viewer="c") is a  # finished runs are kept


def test_parallel_runs_match_runs_alone(runner, mnist):
    cfgs = [TrainConfig(epochs=2, seed=20 + i, **TINY) for i in range(4)]
    jobs = [runner.submit(c, viewer=f"t{i}") for i, c in enumerate(cfgs)]  # four students, one run each
    for job, cfg in zip(jobs, cfgs):
        wait(job)
        assert job.status == "finished"
        assert numbers(job.events) == numbers(train(cfg, mnist))


def until(check, timeout=30):
    """Poll check() until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_one_owners_queue_is_first_in_first_out_with_positions_and_start_estimates(runner):
    wait(runner.submit(TrainConfig(epochs=1, seed=29, **TINY), viewer="q"))  # a finished run gives the pace
    long = [runner.submit(TrainConfig(epochs=50, seed=30 + i, train_size=5000, eval_size=500), viewer="q")
            for i in range(2)]
    until(lambda: all(j.status == "running" for j in long))
    queued = [runner.submit(TrainConfig(epochs=1, seed=40 + i, **TINY), viewer="q") for i in range(3)]
    assert [j.position for j in queued] == [1, 2, 3]
    until(lambda: all(j.starts_at is not None for j in queued), 30)
    starts = [j.starts_at for j in queued]
    assert starts == sorted(starts) and starts[0] > time.monotonic() - 1  # "starts in about ...", in queue order
    assert not any(j.first_point.is_set() for j in queued)  # what a page waiting for a first chart waits on
    runner.stop(long[0].id, "q")  # one worker frees up; the other keeps training long[1]
    for job in queued:
        wait(job, 60)
    assert [j.status for j in queued] == ["finished"] * 3
    assert queued[0].started < queued[1].started < queued[2].started  # first in, first out
    runner.stop(long[1].id, "q")
    wait(long[1])
    assert all(j.first_point.is_set() for j in long + queued)  # an end wakes whoever waits, points or not


def test_stop_halts_a_run_in_the_epoch_it_is_in(runner):
    job = runner.submit(TrainConfig(epochs=10, seed=50), viewer="s")  # the lesson's run
    assert job.first_point.wait(30) and job.of_kind("batch")  # set at the first loss point
    runner.stop(job.id, "s")
    wait(job, 60)  # a deadline, not a speed: what counts is the epoch it halted in
    assert job.status == "stopped" and len(job.of_kind("epoch")) <= 1  # halted within the epoch it was in


def test_a_shared_run_keeps_going_while_someone_watches(runner):
    job = runner.submit(TrainConfig(epochs=2, seed=55, **TINY), viewer="x")
    runner.submit(job.config, viewer="y")
    runner.stop(job.id, "x")
    wait(job)
    assert job.status == "finished"


def test_killed_worker_fails_its_run_and_the_next_run_works(runner):
    job = runner.submit(TrainConfig(epochs=30, seed=60, train_size=20000), viewer="k")
    assert job.first_point.wait(30)
    for pid in runner.worker_pids():  # the one training it among them, as a host's OOM killer might
        os.kill(pid, signal.SIGKILL)
    wait(job, 10)
    assert job.status == "failed" and "stopped unexpectedly" in job.message
    assert runner.wait_ready(60)
    nxt = wait(runner.submit(TrainConfig(epochs=1, seed=61, **TINY), viewer="k"))
    assert nxt.status == "finished"


def test_diverging_run_stops_with_a_message(runner):
    job = wait(runner.submit(TrainConfig(epochs=5, seed=70, train_size=1000, lr=1.0), viewer="d"))
    assert job.status == "diverged" and "learning rate" in job.message


def test_unwatched_runs_are_stopped_and_nothing_is_left_after_shutdown():
    r = Runner(max_workers=1, abandon_after=0.5)
    assert r.wait_ready(60)
    job = r.submit(TrainConfig(epochs=50, seed=80, train_size=20000), viewer="gone")
    wait(job, 60)
    assert job.status == "stopped" and "nobody" in job.message
    pids = r.worker_pids()
    r.shutdown()
    assert pids
    until(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in pids), 10)


def test_ops_thread_runs_mxnet_calls_on_one_thread(runner):
    import threading
    names = {runner.call(lambda: threading.current_thread().name) for _ in range(5)}
    assert len(names) == 1 and threading.current_thread().name not in names


def test_a_run_stopped_just_as_it_starts_halts_without_killing_the_worker():
    r = Runner(max_workers=1)
    try:
        assert r.wait_ready(60)
        pids = r.worker_pids()
        first = r.submit(TrainConfig(epochs=1, seed=90, **TINY), viewer="v")
        second = r.submit(TrainConfig(epochs=20, seed=91, train_size=20000), viewer="v")
        until(lambda: second.status == "running")
        r.stop(second.id, "v")
        wait(second, 30)
        assert first.status == "finished" and second.status == "stopped"
        assert r.worker_pids() == pids  # the same worker: no hard kill was needed
        assert not r.loop_errors
    finally:
        r.shutdown()


def test_a_pinned_run_finishes_after_its_viewer_leaves_and_listeners_hear_once():
    ended = []
    r = Runner(max_workers=1, abandon_after=0.3)
    try:
        r.add_listener(lambda job: ended.append((job.id, job.status)))
        assert r.wait_ready(60)
        pinned = r.submit(TrainConfig(epochs=3, seed=95, **TINY), viewer="left", pin=True)
        plain = r.submit(TrainConfig(epochs=50, seed=96, train_size=20000), viewer="left")
        wait(pinned, 30)
        wait(plain, 30)
        assert pinned.status == "finished" and plain.status == "stopped"
        assert sorted(ended) == sorted([(pinned.id, "finished"), (plain.id, "stopped")])
    finally:
        r.shutdown()


def test_a_third_train_stops_the_sessions_oldest_run_on_real_workers():
    r = Runner(max_workers=1)  # the app's cap
    try:
        assert r.wait_ready(60), r.worker_error
        first = r.submit(TrainConfig(epochs=50, seed=120, train_size=5000), viewer="tab")
        assert first.first_point.wait(30)
        second = r.submit(TrainConfig(epochs=1, seed=121, **TINY), viewer="tab")
        third = r.submit(TrainConfig(epochs=1, seed=122, **TINY), viewer="tab")
        assert r.released("tab") == [first]
        wait(first, 30)
        assert first.status == "stopped" and "newer run" in first.message
        wait(second, 60)
        wait(third, 60)
        assert second.status == third.status == "finished"
    finally:
        r.shutdown()


def test_unknown_task_kinds_are_refused(runner):
    with pytest.raises(TypeError):
        runner.submit(("not", "a task"), viewer="z")


if RAY:  # the Ray backend's own tests: defined only where Ray is selected, so no run shows them as skipped
    on_ray = pytest.mark.parametrize("backend", [RAY], indirect=True, scope="module")

    @on_ray
    def test_a_killed_ray_actor_fails_its_run_and_the_next_run_works(runner):
        job = runner.submit(TrainConfig(epochs=30, seed=100, train_size=20000), viewer="k")
        assert job.first_point.wait(30)
        old = runner.worker_pids()
        for pid in old:  # the actors' processes on this node, the one training it among them
            os.kill(pid, signal.SIGKILL)
        wait(job, 10)
        assert job.status == "failed" and "stopped unexpectedly" in job.message
        assert runner.wait_ready(60) and runner.worker_pids()  # new actors took their places
        assert set(runner.worker_pids()).isdisjoint(old)
        nxt = wait(runner.submit(TrainConfig(epochs=1, seed=101, **TINY), viewer="k"))
        assert nxt.status == "finished"

    @on_ray
    def test_four_runs_at_once_on_four_actors_give_the_numbers_of_runs_alone(mnist):
        r = Runner(max_workers=4)
        try:
            assert r.wait_ready(90), r.worker_error
            cfgs = [TrainConfig(epochs=2, seed=110 + i, **TINY) for i in range(4)]
            jobs = [r.submit(c, viewer=f"f{i}") for i, c in enumerate(cfgs)]
            for job in jobs:
                wait(job)
            assert max(job.started for job in jobs) < min(job.ended for job in jobs)  # all four ran together
            for job, cfg in zip(jobs, cfgs):
                assert job.status == "finished" and numbers(job.events) == numbers(train(cfg, mnist))
        finally:
            r.shutdown()

if RAY == "ray":
    LEFTOVERS = """
import json, os, threading, time
from core.config import TrainConfig
from core.runner import Runner

def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # state, parent pid, ...

def descendants(root):
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[int(pid)] = int(stat(pid)[1])
        except (OSError, IndexError):
            pass
    found, todo = set(), [root]
    while todo:
        here = todo.pop()
        kids = [pid for pid, parent in parents.items() if parent == here]
        found.update(kids)
        todo += kids
    return sorted(found)

def running(pid):
    try:
        return stat(pid)[0] != "Z"
    except OSError:
        return False

made = []  # made on a thread that then ends, as on a Streamlit script thread
maker = threading.Thread(target=lambda: made.append(Runner(max_workers=1)))
maker.start()
maker.join()
r = made[0]
ready = r.wait_ready(120)
job = r.submit(TrainConfig(epochs=1, train_size=500, eval_size=500))
deadline = time.monotonic() + 120
while not job.finished and time.monotonic() < deadline:
    time.sleep(0.05)
started = [pid for pid in descendants(os.getpid()) if running(pid)]
r.shutdown()
deadline = time.monotonic() + 10
while any(running(pid) for pid in started) and time.monotonic() < deadline:
    time.sleep(0.05)
print(json.dumps({"ready": ready, "status": job.status, "started": len(started),
                  "left": [pid for pid in started if running(pid)]}))
"""

    @on_ray
    def test_a_runner_that_starts_ray_stops_every_ray_process_it_started():
        env = {**os.environ, "RUNNER_ADDRESS": "ray", "PYTHONPATH": ROOT}
        done = subprocess.run([sys.executable, "-c", LEFTOVERS], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=240)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["ready"] and result["status"] == "finished"
        assert result["started"] >= 3 and result["left"] == []  # Ray's servers and the actor, all gone


def test_training_threads_yield_the_cpu_to_the_web_server(runner, backend):
    """Local workers: every thread (MXNet's included) runs under SCHED_IDLE, so a page's script thread that
    wakes up gets a core at once. Ray actors: the training thread and the MXNet threads it starts are niced
    (the actor's process also holds Ray's own threads, which stay as they are)."""
    wait(runner.submit(TrainConfig(epochs=1, **TINY)))  # MXNet's threads have started
    for pid in runner.worker_pids():
        threads = [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
        assert len(threads) > 1
        if backend == "local":
            assert {os.sched_getscheduler(tid) for tid in threads} == {os.SCHED_IDLE}, pid
        else:
            assert sum(os.getpriority(os.PRIO_PROCESS, tid) >= NICENESS for tid in threads) >= 2, pid
