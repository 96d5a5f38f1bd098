"""The fair share: the queue serves people in turn, a session keeps at most two runs going, a run's cost is bounded.

The turn tests drive the real job table over slots that train nothing: each test says when a run ends, so the
order in which the table starts runs is exact, whatever the machine's speed. The cap is also checked on real
workers in test_runner.py.
"""
import re
import threading
import time
from dataclasses import replace

import pytest

from core import cost
from core.config import PARAMS, TrainConfig, fit_budget, from_values, shape
from core.runner import Runner
from core.runner.jobs import RELEASED, SERVER


class Slot:
    """A worker slot that runs nothing: it remembers what it was given; the test ends the run."""

    def __init__(self, outbox, log):
        self.outbox, self.log = outbox, log
        self.job = self.stop_requested = None
        self.ready, self.pid, self.exit_reason = True, 0, "none"

    def run(self, job_id, message):
        self.log.append(job_id)
        self.outbox.put((self, job_id, {"kind": "start", "total_batches": 1}))

    def stop(self, job_id):
        self.outbox.put((self, job_id, {"kind": "done", "status": "stopped", "message": ""}))

    def alive(self):
        return True

    def kill(self):
        pass

    def close(self):
        pass


class Backend:
    name = "slots that train nothing"

    def __init__(self, size):
        self.size, self.started, self.slots = size, [], []

    def start_slot(self, outbox):
        self.slots.append(Slot(outbox, self.started))
        return self.slots[-1]

    def shutdown(self, slots):
        pass


def until(check, timeout=10):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.fixture
def table():
    backend = Backend(1)
    runner = Runner(backend=backend, max_open=None)
    yield runner, backend
    runner.shutdown()


def run(seed):
    return TrainConfig(epochs=1, train_size=500, seed=seed)


def finish_all(runner, backend, jobs):
    """End the running run, one at a time, until every job in `jobs` has run; returns the start order (job ids)."""
    while not all(j.finished for j in jobs):
        until(lambda: backend.slots[0].job is not None or all(j.finished for j in jobs))
        slot = backend.slots[0]
        if slot.job is not None:
            job = slot.job
            slot.outbox.put((slot, job.id, {"kind": "done", "status": "finished", "message": ""}))
            until(lambda: job.finished)
    return list(backend.started)


def test_people_take_turns_a_session_with_ten_runs_waits_behind_five_students_first_runs(table):
    runner, backend = table
    blocker = runner.submit(run(1), viewer="teacher")
    until(lambda: blocker.status == "running")
    mischief = [runner.submit(run(100 + i), viewer="tab") for i in range(10)]
    students = [runner.submit(run(200 + i), viewer=f"student{i}") for i in range(5)]
    planned = sorted(mischief + students, key=lambda j: j.position)
    order = finish_all(runner, backend, [blocker] + mischief + students)
    started = [runner.get(i) for i in order[1:]]
    # The tab pressed first, so its first run goes first; then every student's run, in the order they pressed,
    # before the tab's second run; then the tab's other runs.
    assert started == [mischief[0]] + students + mischief[1:]
    assert started == planned  # the places shown while they waited were the order they started in


def test_the_servers_runs_take_turns_behind_the_students(table):
    runner, backend = table
    blocker = runner.submit(run(1), viewer="teacher")
    until(lambda: blocker.status == "running")
    gaps = [runner.submit(run(300 + i), pin=True) for i in range(3)]  # a class's gap runs: nobody's session
    assert all(set(j.owners) == {SERVER} for j in gaps)
    students = [runner.submit(run(400 + i), viewer=f"s{i}") for i in range(2)]
    started = [runner.get(i) for i in finish_all(runner, backend, [blocker] + gaps + students)[1:]]
    assert started == students + gaps


def test_a_shared_run_waits_in_the_best_placed_line_of_those_who_asked(table):
    runner, backend = table
    blocker = runner.submit(run(1), viewer="teacher")
    until(lambda: blocker.status == "running")
    queued = [runner.submit(run(500 + i), viewer="busy") for i in range(4)]
    late = runner.submit(run(600), viewer="quiet")
    shared = runner.submit(queued[3].config, viewer="quiet2")  # a classmate asks for the busy tab's fourth run
    assert shared is queued[3] and set(shared.owners) == {"busy", "quiet2"}
    started = [runner.get(i) for i in finish_all(runner, backend, [blocker] + queued + [late])[1:]]
    assert started.index(shared) < started.index(queued[1])  # it no longer waits for busy's second turn


def test_start_estimates_follow_the_turns(table):
    runner, backend = table
    finish_all(runner, backend, [runner.submit(run(1), viewer="teacher")])  # a finished run gives the pace
    blocker = runner.submit(run(2), viewer="teacher")
    until(lambda: blocker.status == "running")
    mine = [runner.submit(TrainConfig(epochs=20, train_size=5000, seed=700 + i), viewer="tab") for i in range(3)]
    theirs = runner.submit(run(800), viewer="student")
    until(lambda: all(j.starts_at is not None for j in mine + [theirs]))
    assert [j.position for j in mine + [theirs]] == [1, 3, 4, 2]
    assert mine[0].starts_at < theirs.starts_at < mine[1].starts_at < mine[2].starts_at
    # Each waits for the runs planned before it, each as long as core.cost says (times the pace measured here).
    ratio = (mine[2].starts_at - mine[1].starts_at) / (mine[1].starts_at - theirs.starts_at)
    assert ratio == pytest.approx(cost.seconds(mine[1].config) / cost.seconds(theirs.config), rel=0.01)


def test_a_third_request_releases_the_sessions_oldest_unless_someone_else_holds_it():
    backend = Backend(1)
    runner = Runner(backend=backend)  # the app's cap: two unfinished requests a session
    try:
        blocker = runner.submit(run(1), viewer="teacher")
        until(lambda: blocker.status == "running")
        shared = runner.submit(run(2), viewer="a")
        runner.submit(run(2), viewer="b")  # b trains the same settings
        second = runner.submit(run(3), viewer="a")
        third = runner.submit(run(4), viewer="a")
        assert runner.released("a") == [shared] and runner.released("a") == []  # said once
        assert shared.status == "queued" and set(shared.owners) == {"b"}  # it goes on for b
        fourth = runner.submit(run(5), viewer="a")
        assert runner.released("a") == [second]
        assert second.status == "stopped" and second.message == RELEASED
        assert third.status == fourth.status == "queued"
        pinned = runner.submit(run(6), viewer="c")
        runner.submit(pinned.config, pin=True)  # registered for a class: the registration holds it
        runner.submit(run(7), viewer="c")
        runner.submit(run(8), viewer="c")
        assert runner.released("c") == [pinned] and pinned.status == "queued"
        assert runner.submit(run(8), viewer="c") is not None and runner.released("c") == []  # the same run again
    finally:
        runner.shutdown()


def test_a_pages_set_of_runs_is_one_request():
    backend = Backend(1)
    runner = Runner(backend=backend)
    try:
        contrast = runner.submit_all([run(10 + i) for i in range(4)], viewer="a")  # lesson 3's four runs
        sweep = runner.submit_all([run(20 + i) for i in range(6)], viewer="a")
        assert runner.released("a") == [] and not any(j.finished for j in contrast[1:] + sweep)
        runner.submit(run(30), viewer="a")
        assert runner.released("a") == contrast  # the whole of the oldest request, the running one too
        until(lambda: all(j.status == "stopped" for j in contrast))
        assert not any(j.finished for j in sweep)
    finally:
        runner.shutdown()


def test_submits_from_many_threads_keep_every_session_within_two():
    backend = Backend(2)
    runner = Runner(backend=backend)
    try:
        pressed = {who: [] for who in range(4)}

        def press(who):
            for seed in range(20):
                pressed[who].append(runner.submit(run(1000 * who + seed), viewer=f"tab{who}"))
        threads = [threading.Thread(target=press, args=(who,)) for who in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        for who, jobs in pressed.items():
            assert len(jobs) == 20 and all(f"tab{who}" not in j.owners for j in jobs[:-2])  # released at once...
            until(lambda: all(j.finished for j in jobs[:-2]))  # ...and stopped (a running one at its stop's answer)
            assert not any(j.finished for j in jobs[-2:])  # only the last two go on
    finally:
        runner.shutdown()


# ---- cost, not passes -------------------------------------------------------------------------------------
def test_batch_one_on_full_mnist_is_clamped_with_a_note_naming_the_batch_size():
    # 10 epochs x 60,000 images was well within the old cap of epochs x images; in batches of 1 it is 600,000 steps.
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig(batch_size=1, train_size=60_000, epochs=10)
    values, notes = from_values({"batch_size": "1", "epochs": "10", "train_size": "60000"},
                                {name: getattr(TrainConfig(), name) for name in ("epochs", "batch_size", "train_size")})
    assert (values["epochs"] < 10 or values["batch_size"] > 1) and len(notes) == 1
    assert re.search("batch[ _]size", notes[0])  # the note names the setting that makes it dear
    assert cost.seconds(TrainConfig(**values)) <= cost.MAX_RUN_SECONDS


def test_when_one_epoch_is_too_dear_the_batch_size_is_raised():
    wide = dict(hidden1=1024, hidden2=1024, train_size=60_000, batch_size=1, epochs=3)
    assert cost.seconds(TrainConfig(**{**wide, "batch_size": 1024, "epochs": 1})) <= cost.MAX_RUN_SECONDS
    values, notes = fit_budget(wide)
    assert values["epochs"] == 1 and values["batch_size"] > 1 and notes[0].startswith("batch_size:")
    assert cost.seconds(TrainConfig(**values)) <= cost.MAX_RUN_SECONDS
    assert cost.seconds(shape({**values, "batch_size": values["batch_size"] // 2})) > cost.MAX_RUN_SECONDS


def test_epochs_are_cut_to_the_largest_count_within_the_budget():
    values, notes = fit_budget({"epochs": 500, "train_size": 60_000, "batch_size": 64})
    assert notes and notes[0].startswith("epochs:") and "batch size" in notes[0]
    assert cost.seconds(TrainConfig(**values)) <= cost.MAX_RUN_SECONDS
    with pytest.raises(ValueError):
        TrainConfig(**{**values, "epochs": values["epochs"] + 1})


def test_the_cost_counts_steps_images_checks_and_hidden_sizes():
    base = TrainConfig(epochs=2, train_size=6000, eval_size=1000)
    dearer = [replace(base, batch_size=8), replace(base, epochs=4), replace(base, train_size=12000),
              replace(base, hidden1=512), replace(base, eval_size=0)]
    cheaper = [replace(base, eval_size=500), replace(base, eval_every=2), replace(base, hidden2=64)]
    assert all(cost.seconds(c) > cost.seconds(base) for c in dearer)
    assert all(cost.seconds(c) < cost.seconds(base) for c in cheaper)
    assert cost.seconds(TrainConfig()) < cost.MAX_RUN_SECONDS  # the lesson's run is allowed
    assert PARAMS["batch_size"].lo == 1  # the widget still offers batch 1, for small sets
    assert cost.seconds(TrainConfig(batch_size=1, train_size=1000, epochs=5)) <= cost.MAX_RUN_SECONDS


def test_a_second_run_waits_behind_everyones_first_and_a_new_tab_behind_those_already_waiting(table):
    runner, backend = table
    blocker = runner.submit(run(1), viewer="teacher")
    until(lambda: blocker.status == "running")
    ada = runner.submit(run(900), viewer="ada")
    bob = runner.submit(run(901), viewer="bob")
    finish_all(runner, backend, [blocker])
    until(lambda: ada.status == "running")  # ada pressed first: her run starts
    again = runner.submit(run(902), viewer="ada")  # ada asks again while her first run trains...
    fresh = runner.submit(run(903), viewer="new-tab")  # ...and then a session that has never trained asks
    started = [runner.get(i) for i in finish_all(runner, backend, [ada, bob, again, fresh])[1:]]
    # bob waited before the new tab came; the new tab's first run still goes before ada's second
    assert started == [ada, bob, fresh, again]


def test_a_full_queue_refuses_new_runs_with_one_sentence(table, monkeypatch):
    from core.runner import jobs
    runner, _ = table
    monkeypatch.setattr(jobs, "MAX_QUEUED", 3)
    blocker = runner.submit(run(1), viewer="teacher")
    until(lambda: blocker.status == "running")
    waiting = [runner.submit(run(950 + i), viewer=f"s{i}") for i in range(3)]
    with pytest.raises(jobs.QueueFull, match="runs waiting already"):
        runner.submit(run(960), viewer="late")
    assert runner.submit(waiting[0].config, viewer="late") is waiting[0]  # joining a waiting run still works
