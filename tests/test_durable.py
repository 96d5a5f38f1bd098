"""A class's runs survive: registrations in the database, recorded exactly once, taken over after a crash,
spooled while the database is away; the schema migrates from version 1. On SQLite and PostgreSQL."""
import time

import pytest
from sqlalchemy import Column, Float, ForeignKey, Integer, MetaData, String, Table, Text, UniqueConstraint, insert

from core.classboard import Board, Recorder, Setup
from core.classboard.recorder import CLOSED
from core.classboard.spool import Spool
from core.classboard.store import CONFIG_COLUMNS, SCHEMA_VERSION, make_engine
from core.config import TrainConfig
from core.runner import Runner
from tests import pg
from tests.jobs import wait
from tests.test_classboard import finished_job, row

QUICK = Setup(values=(0.0, 0.5), epochs=2, lr=0.01, train_size=500)


def until(check, timeout=30):
    """Poll check() (every 0.05 s) until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def runner():
    r = Runner(max_workers=2)
    assert r.wait_ready(60), r.worker_error
    yield r
    r.shutdown()


def recorder_for(board, tmp_path, name="spool", **kw):
    return Recorder(board, retry_every=0.1, spool=Spool(str(tmp_path / f"{name}.sqlite3"), board.describe()), **kw)


def schema_one(url):
    """A database as version 1 of this app left it: no registrations, runs without a registration key."""
    meta = MetaData()
    version = Table("schema_version", meta, Column("version", Integer, nullable=False))
    classes = Table("classes", meta, Column("code", String(12), primary_key=True), Column("setup", Text, nullable=False),
                    Column("created_at", Float, nullable=False), Column("closed_at", Float))
    Table("members", meta, Column("id", Integer, primary_key=True, autoincrement=True),
          Column("class_code", String(12), ForeignKey("classes.code", ondelete="CASCADE"), nullable=False),
          Column("token", String(64), nullable=False), Column("student", String(40), nullable=False),
          Column("cell", Text), Column("joined_at", Float, nullable=False), UniqueConstraint("class_code", "token"))
    runs = Table("runs", meta, Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("class_code", String(12), ForeignKey("classes.code", ondelete="CASCADE"), nullable=False),
                 Column("student", String(40), nullable=False),
                 *[Column(c, Integer if c in ("train_size", "epochs", "batch_size", "seed") else Float, nullable=False)
                   for c in CONFIG_COLUMNS],
                 Column("train_acc", Float, nullable=False), Column("test_acc", Float, nullable=False),
                 Column("curve", Text, nullable=False), Column("seconds", Float), Column("finished_at", Float, nullable=False),
                 UniqueConstraint("class_code", "student", *CONFIG_COLUMNS))
    engine = make_engine(url)
    with engine.begin() as conn:
        meta.create_all(conn)
        conn.execute(insert(version).values(version=1))
        conn.execute(insert(classes).values(code="OLD42", setup=QUICK.to_json(), created_at=1.0))
        conn.execute(insert(runs).values(**{k: v for k, v in row("OLD42", "Ada", setup=QUICK).items()}))
    engine.dispose()


def test_a_version_one_database_migrates_and_keeps_its_classes_and_runs(board_url):
    schema_one(board_url)
    board = Board(board_url)
    assert board.get_class("OLD42").setup == QUICK
    assert [r["student"] for r in board.runs("OLD42")] == ["Ada"]  # kept, with no registration
    board.register("k" * 32, "OLD42", "Bo", "t", TrainConfig(epochs=2).__dict__, server="s")
    assert board.record([{**row("OLD42", "Bo", setup=QUICK), "registration": "k" * 32}]) == ["recorded"]
    assert board.registration_outcomes("OLD42") == (0, {"recorded": 1})
    # Schema 4 on the migrated tables: a teacher link's hash, a stopped run without accuracies, one run per member
    assert board.is_teacher(board.create_class(QUICK, teacher_token="t" * 32), "t" * 32)
    stopped = {**row("OLD42", "Cy", setup=QUICK), "member": "m", "train_acc": None, "test_acc": None,
               "stopped_at": 2.0}
    assert board.record([stopped, {**row("OLD42", "Cy again", seed=2, setup=QUICK), "member": "m"}]) == \
        ["recorded", "duplicate"]
    assert [(r["student"], r["id"], r["stopped_at"]) for r in board.runs("OLD42")][0] == ("Ada", 1, None)
    with make_engine(board_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version FROM schema_version").scalar() == SCHEMA_VERSION


def test_a_registration_is_recorded_once_however_often_its_run_is_offered(board_url, tmp_path):
    board = Board(board_url)
    code = board.create_class(QUICK)
    cfg = QUICK.config({"drop_prob1": 0.5, "drop_prob2": 0.5}, seed=7)
    board.register("r1", code, "Ada", "t", cfg.__dict__, server="s")
    offered = {**row(code, "Ada", seed=7, setup=QUICK), "registration": "r1"}
    assert board.record([offered, offered]) == ["recorded", "duplicate"]
    assert board.record([offered]) == ["duplicate"]
    assert len(board.runs(code)) == 1 and board.registration_outcomes(code) == (0, {"recorded": 1})
    board.register("r1", code, "Ada", "t", cfg.__dict__, server="other")  # a second register of the key: a no-op
    assert board.registration_outcomes(code) == (0, {"recorded": 1})


def test_registrations_a_dead_server_left_are_taken_over_once_and_recorded_once(board_url, tmp_path, runner):
    board = Board(board_url)
    code = board.create_class(QUICK)
    closed = board.create_class(QUICK)
    dead = recorder_for(board, tmp_path, "dead", server="dead")  # registers, then goes silent: no runner, no beat
    jobs = [finished_job(QUICK.config({"drop_prob1": p, "drop_prob2": p}, seed=s), status="running")
            for p, s in ((0.0, 11), (0.5, 12), (0.5, 13))]
    for job, name in zip(jobs, ("Ada", "Bo", "Cy")):
        assert dead.register(job, code, name, token=name)[0]
    assert dead.register(finished_job(QUICK.config({"drop_prob1": 0.0, "drop_prob2": 0.0}), "running"),
                         closed, "Di")[0]
    board.close_class(closed)
    dead.close()
    assert board.registration_outcomes(code) == (3, {})
    # A lease of 3 s against beats every 0.2 s: a beat held up on a busy machine does not pass a run on twice.
    alive = [recorder_for(board, tmp_path, f"alive{i}", beat_every=0.2, lease=3.0).attach(runner) for i in range(2)]
    # Every run recorded and the closed class's registration settled (claimed at a beat of its own, maybe later):
    until(lambda: len(board.runs(code)) == 3 and board.registration_outcomes(closed)[0] == 0, 90)
    assert all(r.wait_idle(10) for r in alive)  # every write in flight has landed (a duplicate would show)
    runs = board.runs(code)
    assert sorted(r["student"] for r in runs) == ["Ada", "Bo", "Cy"] and len({r["registration"] for r in runs}) == 3
    assert board.registration_outcomes(code) == (0, {"recorded": 3})
    assert board.registration_outcomes(closed) == (0, {CLOSED: 1}) and not board.runs(closed)
    assert [sum(r.recovered for r in alive), sum(r.recovered_closed for r in alive)] == [3, 1]
    for r in alive:
        r.close()


class Watched(Board):
    """A board that notes each look for registrations to take over: (older_than, what it took)."""

    def __init__(self, url):
        super().__init__(url)
        self.claims = []

    def claim_orphans(self, server, older_than):
        taken = super().claim_orphans(server, older_than=older_than)
        self.claims.append((older_than, taken))
        return taken


def test_a_server_that_still_trains_its_runs_keeps_them(board_url, tmp_path, runner):
    board = Board(board_url)
    code = board.create_class(QUICK)
    owner = recorder_for(board, tmp_path, "owner", beat_every=0.2, lease=3.0).attach(runner)
    job = runner.submit(TrainConfig(epochs=50, train_size=20000, eval_size=500, seed=21), viewer="v")
    seen = Watched(board_url)
    other = recorder_for(seen, tmp_path, "other", beat_every=0.2, lease=3.0).attach(runner)
    try:
        assert owner.register(job, code, "Ada", token="t")[0] and owner.wait_idle(10)
        registered = time.time()
        # Three of the other server's looks that would have taken the registration had nobody beaten it since:
        until(lambda: sum(older > registered for older, _ in seen.claims) >= 3, 60)
        assert not any(taken for _, taken in seen.claims), "taken over while its owner still trained it"
        assert other.recovered == 0 and owner.running(code) == 1 and not job.finished
    finally:
        runner.stop(job.id, "v")
        wait(job)
    until(lambda: board.registration_outcomes(code) == (0, {"ended as stopped": 1}), 10)
    owner.close()
    other.close()


@pytest.mark.slow
def test_postgresql_stopped_in_the_middle_of_a_class_loses_nothing_and_records_nothing_twice(tmp_path, runner):
    why = pg.available()
    if why:
        pytest.skip(why)
    cluster = pg.Cluster()
    try:
        board = Board(cluster.url)
        code = board.create_class(QUICK)
        recorder = recorder_for(board, tmp_path, beat_every=0.2, lease=5.0).attach(runner)
        before = [runner.submit(QUICK.config({"drop_prob1": 0.5, "drop_prob2": 0.5}, seed=s), viewer="v")
                  for s in (31, 32)]
        for job, name in zip(before, ("Ada", "Bo")):
            assert recorder.register(job, code, name, token=name)[0]
        cluster.stop()  # the database goes away while they train
        for job in before:
            wait(job)
        during = wait(runner.submit(QUICK.config({"drop_prob1": 0.0, "drop_prob2": 0.0}, seed=33), viewer="v"))
        ok, message = recorder.register(during, code, "Cy", token="Cy")  # registered while it is away
        assert ok and "recorded" in message
        until(lambda: recorder.spool.counts().get("run", 0) == 3, 30)
        assert "wait on this server's disk" in recorder.note()
        cluster.start()
        until(lambda: len(board.runs(code)) == 3 and not recorder.spool.items(), 60)
        assert recorder.wait_idle(10)
        assert sorted(r["student"] for r in board.runs(code)) == ["Ada", "Bo", "Cy"]
        assert board.registration_outcomes(code) == (0, {"recorded": 3}) and recorder.note() is None
        recorder.close()
    finally:
        cluster.remove()


def test_a_version_three_database_migrates_to_four_and_counts_one_run_per_member(board_url):
    from sqlalchemy import update
    from core.classboard import NotCounted
    from core.classboard.store import MIGRATIONS, guesses, registrations

    schema_one(board_url)
    meta = MetaData()
    v3_registrations = Table("registrations", meta, *[Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                                                              for c in registrations.columns if c.name != "cell"])
    engine = make_engine(board_url)
    with engine.begin() as conn:  # as version 3 of this app left it
        MIGRATIONS[1](conn)
        MIGRATIONS[2](conn)
        v3_registrations.create(conn)
        guesses.create(conn)
        conn.execute(update(Table("schema_version", MetaData(), Column("version", Integer))).values(version=3))
        conn.execute(insert(v3_registrations).values(key="old", class_code="OLD42", student="Ada", token="t",
                                                     config="{}", created_at=1.0, heartbeat_at=1.0))
    engine.dispose()
    board = Board(board_url)
    assert board.registration_outcomes("OLD42") == (1, {})  # kept, still open
    cfg = QUICK.config({"drop_prob1": 0.5, "drop_prob2": 0.5}, seed=4)
    board.register("new", "OLD42", "Bo", "bo", cfg.__dict__, server="s")
    with pytest.raises(NotCounted):
        board.register("again", "OLD42", "Bo2", "bo", QUICK.config({"drop_prob1": 0.5, "drop_prob2": 0.5},
                                                                   seed=5).__dict__, server="s")
    assert board.record([{**row("OLD42", "Bo", seed=4, setup=QUICK), "registration": "new", "member": "bo",
                          "train_acc": None, "test_acc": None, "stopped_at": 3.0}]) == ["recorded"]
    assert [r["student"] for r in board.runs("OLD42")] == ["Ada", "Bo"]
    with make_engine(board_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version FROM schema_version").scalar() == SCHEMA_VERSION == 4
