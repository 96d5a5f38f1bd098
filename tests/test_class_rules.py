"""A class's rules in its core: the teacher link kept as a hash, wrong teacher tries slowed down, codes that cannot
be enumerated, database errors without secrets, one counted run per member and value, a run its student stops
recorded as stopped, and a closed class's queued runs cancelled. Storage on SQLite and PostgreSQL."""
import hashlib
import logging
import os

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.classboard import (SERVER, BadCode, Board, BoardUnavailable, NotCounted, Recorder, Setup, clean_code,
                             new_teacher_token)
from core.classboard.known import KnownCodes
from core.classboard.names import CODE_ALPHABET
from core.classboard.recorder import CLOSED
from core.classboard.store import classes, make_engine, parse_url, safe_url
from core.classboard.throttle import Throttle
from core.runner import Runner
from core.status import Status
from tests.jobs import wait
from tests.test_classboard import row
from tests.test_durable import until

SMALL = Setup(values=(0.0, 0.5, 0.9), epochs=2, lr=0.01, train_size=500)
SLOW = Setup(values=(0.0, 0.5), epochs=100, lr=0.01, train_size=2000, predict_first=False)  # still training when stopped


@pytest.fixture(scope="module")
def runner():
    r = Runner(max_workers=1)
    assert r.wait_ready(60), r.worker_error
    yield r
    r.shutdown()


# ---- 1. the teacher link ---------------------------------------------------------------------------
def test_a_class_keeps_only_the_hash_of_its_teacher_token(board_url):
    board = Board(board_url)
    token = new_teacher_token()
    code = board.create_class(SMALL, teacher_token=token)
    other = board.create_class(SMALL)  # made without a link (the command line before this version, tests)
    assert len(token) >= 32 and board.is_teacher(code, token)
    assert not board.is_teacher(code, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not board.is_teacher(code, "") and not board.is_teacher(code, None) and not board.is_teacher(other, token)
    engine = make_engine(board_url)
    with engine.connect() as conn:
        stored = conn.execute(select(classes)).all()
    engine.dispose()
    assert token not in repr(stored)
    assert [r.teacher_hash for r in stored if r.code == code] == [hashlib.sha256(token.encode()).hexdigest()]


def test_wrong_teacher_tries_lock_a_session_out_for_longer_each_time_and_the_server_after_many(caplog):
    clock = [0.0]
    throttle = Throttle(session_max=60.0, server_tries=5, server_window=60.0, clock=lambda: clock[0])
    assert throttle.wait("a") == 0.0
    with caplog.at_level(logging.WARNING, logger="core.classboard.throttle"):
        throttle.failed("a", "teacher key")
    assert throttle.wait("a") == 1.0 and throttle.wait("b") == 0.0  # this session only
    assert "A wrong teacher key from session a" in caplog.text
    waits = []
    for _ in range(8):
        clock[0] += 1000.0  # long after the server's window: only the session's own count grows
        throttle.failed("a", "teacher key")
        waits.append(throttle.wait("a"))
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    throttle.succeeded("a")
    assert throttle.wait("a") == 0.0
    clock[0] += 1000.0
    for session in "vwxyz":  # five sessions, one wrong key each: the server's limit
        throttle.failed(session, "teacher key")
    clock[0] += 10.0
    assert throttle.wait("fresh") == 50.0  # every session waits out the window before it tries a key
    assert throttle.wait("fresh", shared=False) == 0.0  # ...but the real teacher's link is never locked out
    clock[0] += 50.0
    assert throttle.wait("fresh") == 0.0
    for session in "pqrst":  # wrong teacher links slow their own session only
        throttle.failed(session, "teacher link", shared=False)
    assert throttle.wait("p", shared=False) == 1.0 and throttle.wait("fresh") == 0.0


# ---- 5. codes that cannot be enumerated --------------------------------------------------------------
def test_new_class_codes_have_six_characters_without_look_alikes_custom_ones_too(board_url):
    board = Board(board_url)
    made = {board.create_class(SMALL) for _ in range(12)}
    assert len(made) == 12 and all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in made)
    assert not set(CODE_ALPHABET) & set("0O1IL")
    for bad in ("BARS7", "abc", "BOARD9", "CLASS7", "QUIZ12", "HI0THERE"):
        with pytest.raises(BadCode, match="6 to 12 letters or digits other than 0, O, 1, I and L"):
            board.create_class(SMALL, code=bad)
    assert board.create_class(SMALL, code=" k7pqmw ") == "K7PQMW"
    assert clean_code("BARS7") == "BARS7"  # an older class's shorter code still opens it


def test_a_flood_of_unknown_codes_costs_a_bounded_number_of_database_reads():
    clock, reads = [0.0], []

    def lookup(code):
        reads.append(code)
        return object() if code == "REALQ7" else None

    known = KnownCodes(lookup, reads_per_s=5.0, clock=lambda: clock[0])
    assert known.exists("REALQ7") is True
    answers = [known.exists(f"FAKE{i:04d}") for i in range(1000)]
    assert len(reads) == 5 and answers[:4] == [False] * 4 and set(answers[4:]) == {None}  # None: "busy"
    assert known.exists("REALQ7") is True and known.exists("FAKE0001") is False and len(reads) == 5  # remembered
    clock[0] += 1.0  # the budget refills: five more reads a second, whatever the flood
    assert [known.exists(f"MORE{i}") for i in range(50)].count(False) == 5 and len(reads) == 10
    known.add("NEWCL7")
    assert known.exists("NEWCL7") is True and len(reads) == 10


def test_the_class_route_answers_the_same_for_unknown_malformed_and_unkeyed_codes(monkeypatch, tmp_path):
    from app_pages import class_ui, routes

    monkeypatch.setenv("CLASSBOARD_URL", f"sqlite:///{tmp_path}/route.sqlite3")
    code = Board(os.environ["CLASSBOARD_URL"]).create_class(SMALL)
    with TestClient(Starlette(routes=routes.ROUTES)) as client:
        answers = [client.get(path) for path in (f"/api/classes/{code}", f"/api/classes/{code}?key=00",
                                                 f"/api/classes/ZZZZZZ?key={class_ui.watch_key('ZZZZZZ')}",
                                                 "/api/classes/ZZZZZZ", "/api/classes/<b>x")]
        assert {(a.status_code, a.text) for a in answers} == {(404, '{"error":"' + routes.NO_WATCH + '"}')}
        right = client.get("/" + class_ui.watch_url(code))
    assert right.status_code == 200 and right.json()["version"]


# ---- 4. errors without secrets ----------------------------------------------------------------------
def test_a_password_with_an_unencoded_at_sign_stays_whole_and_never_reaches_a_page_or_the_log(caplog):
    url = "postgresql://teacher:pa@ss@127.0.0.1:1/classes"
    parsed = parse_url(url)
    assert (parsed.username, parsed.password, parsed.host, parsed.port, parsed.database) == \
        ("teacher", "pa@ss", "127.0.0.1", 1, "classes")
    assert parse_url("postgresql://teacher:pa%40ss@db.example:5432/classes").password == "pa@ss"
    assert safe_url(url) == "postgresql+psycopg://teacher:***@127.0.0.1:1/classes"
    board = Board(url)
    assert "pa@ss" not in board.describe() and "ss@" not in board.describe()
    with caplog.at_level(logging.WARNING, logger="core.classboard.store"), pytest.raises(BoardUnavailable) as err:
        board.get_class("ABCDEF")
    assert str(err.value) == "The class database cannot be reached right now."  # no host, user or URL part
    assert "pa@ss" not in err.value.detail and "ss@" not in err.value.detail
    assert "127.0.0.1" in caplog.text and "pa@ss" not in caplog.text and "ss@" not in caplog.text
    broken = Board("nonsense://teacher:pa@ss@host/x")
    with pytest.raises(BoardUnavailable) as err:
        broken.get_class("ABCDEF")
    assert str(err.value) == "The class database URL cannot be used (the server's log says why)."
    assert "pa@ss" not in broken.describe() and "pa@ss" not in (err.value.detail or "")


# ---- 2. one counted run per member and value; a stopped run is recorded as stopped --------------------
def test_a_stopped_run_is_recorded_as_stopped_once_and_counts_as_the_members_run(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL)
    cell = board.join(code, "t", "Ada")
    cfg = SMALL.config(cell, seed=7)
    board.register("k1", code, "Ada", "t", cfg.__dict__, server="s")
    stopped = {**row(code, "Ada", cell["drop_prob1"], seed=7), "registration": "k1", "member": "t",
               "train_acc": None, "test_acc": None, "curve": "[]", "stopped_at": 5.0}
    assert board.record([stopped]) == ["recorded"]
    (kept,) = board.runs(code)
    assert kept["stopped_at"] == 5.0 and kept["test_acc"] is None and kept["member"] == "t"
    exported = board.export_csv(code).splitlines()
    assert exported[0].endswith(",stopped") and exported[1].endswith(",yes") and ",,,1.5," in exported[1]
    with pytest.raises(NotCounted, match="already counts"):
        board.register("k2", code, "Ada renamed", "t", SMALL.config(cell, seed=8).__dict__, server="s")
    assert board.register("k1", code, "Ada", "t", cfg.__dict__, server="s") is None  # the same key: idempotent


def test_a_students_stop_ends_only_their_own_registration_of_a_shared_run(board_url, runner):
    board = Board(board_url)
    code = board.create_class(SLOW)
    recorder = Recorder(board, retry_every=0.1).attach(runner)
    cell = board.join(code, "ada", "Ada")
    gap = runner.submit(SLOW.config(cell, seed=1), pin=True)  # the server's gap run of Ada's value, seed 1
    recorder.register(gap, code, SERVER)
    assert recorder.register(runner.submit(gap.config, viewer="ada"), code, "Ada", token="ada")[0]
    assert not recorder.stop(gap, "someone-else", runner)  # a session that registered nothing stops nothing
    assert recorder.stop(gap, "ada", runner)  # Ada's part: recorded as stopped; the server's run trains on
    assert recorder.wait_idle(10)
    assert [(r["student"], r["stopped_at"] is not None) for r in board.runs(code)] == [("Ada", True)]
    assert not gap.finished and recorder.running(code) == 1
    mine = runner.submit(SLOW.config(board.join(code, "bo", "Bo"), seed=2), viewer="bo", pin=True)
    assert recorder.register(mine, code, "Bo", token="bo")[0]
    assert recorder.stop(mine, "bo", runner)  # Bo's own run, nobody else's: cancelled
    wait(mine)
    assert mine.status == Status.STOPPED and "recorded for the class as stopped" in mine.message
    runner.cancel(gap.id, "test over")
    wait(gap)
    assert recorder.wait_idle(10)
    assert sorted((r["student"], r["stopped_at"] is not None) for r in board.runs(code)) == [("Ada", True),
                                                                                           ("Bo", True)]
    recorder.close()


# ---- issue 30, the class's side: closing or clearing a class cancels its queued runs ------------------
@pytest.mark.parametrize("cleared", [False, True])
def test_closing_or_clearing_a_class_cancels_its_queued_runs_and_records_none(board_url, runner, cleared):
    board = Board(board_url)
    code, other = board.create_class(SLOW), board.create_class(SLOW)
    recorder = Recorder(board, retry_every=0.1).attach(runner)
    blocker = runner.submit(SLOW.config({"drop_prob1": 0.5, "drop_prob2": 0.5}, seed=99), viewer="x")
    until(lambda: blocker.status == Status.RUNNING)  # the one worker is busy: everything below waits in the queue
    queued = runner.submit(SLOW.config(board.join(code, "ada", "Ada"), seed=3), pin=True)
    assert recorder.register(queued, code, "Ada", token="ada")[0]
    gaps = recorder.fill_gaps(runner, code, SLOW, tried=[])
    kept = runner.submit(SLOW.config({"drop_prob1": 0.0, "drop_prob2": 0.0}, seed=5), pin=True)
    recorder.register(kept, other, SERVER)  # another class's queued run
    if cleared:
        board.clear_class(code)
    else:
        board.close_class(code)
    assert recorder.cancel_class(code, runner, CLOSED, cleared=cleared) == 1 + len(gaps)
    assert queued.status == Status.STOPPED and "was " + ("cleared" if cleared else "closed") in queued.message
    assert "before this run started" in queued.message and recorder.running(code) == 0
    assert not kept.finished and recorder.running(other) == 1
    for job in (blocker, kept):
        runner.cancel(job.id, "test over")
        wait(job)
    assert recorder.wait_idle(10)
    assert board.runs(code) == [] and board.runs(other) == []
    open_, outcomes = board.registration_outcomes(code)
    assert open_ == 0 and (outcomes == {} if cleared else outcomes == {CLOSED: 1 + len(gaps)})
    recorder.close()


def test_a_member_has_at_most_two_class_runs_training_or_waiting(board_url):
    """A registered run is pinned (it outlives its tab), so the class keeps the fair share's two runs a student."""
    board = Board(board_url)
    free = Setup(values=(0.0, 0.5, 0.9), epochs=2, lr=0.01, train_size=500, assign=False, predict_first=False)
    code = board.create_class(free)
    board.join(code, "t", "Ada")
    cells = free.cells()
    for i, cell in enumerate(cells[:2]):  # two values, both still training
        board.register(f"k{i}", code, "Ada", "t", free.config(cell, seed=1).__dict__, server="s")
    with pytest.raises(NotCounted, match="2 runs for the class still training"):
        board.register("k2", code, "Ada", "t", free.config(cells[2], seed=1).__dict__, server="s")
    board.close_registrations(["k0"], "stopped")  # one has ended: the third now counts
    board.register("k2", code, "Ada", "t", free.config(cells[2], seed=1).__dict__, server="s")
