"""The class board's core: storage on SQLite and PostgreSQL, the recorder, names, setups, findings, the CLI."""
import csv
import io
import itertools
import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import inspect, text

from core.classboard.spool import Spool
from core.classboard.store import SCHEMA_VERSION
from core.classboard import (SERVER, BadCode, Board, BoardUnavailable, ClassExists, Recorder, Setup, UnknownClass,
                             clean_code, clean_nickname, friendly_name, parse_values, results)
from core.classboard.store import config_of, make_engine
from core.config import TrainConfig
from core.runner.jobs import Job
from tests.conftest import ROOT

SMALL = Setup(values=(0.0, 0.5, 0.9), epochs=2, lr=0.01, train_size=500)
HOSTILE = "<img src=x onerror=alert(1)>" + "x" * 300
ids = itertools.count(1)


def row(code, student, p=0.5, seed=1, test_acc=0.9, setup=SMALL, **cell):
    """A finished run's row as the recorder writes it."""
    cfg = setup.config(cell or {"drop_prob1": p, "drop_prob2": p}, seed)
    return {"class_code": code, "student": student, "drop_prob1": cfg.drop_prob1, "drop_prob2": cfg.drop_prob2,
            "train_size": cfg.train_size, "epochs": cfg.epochs, "lr": cfg.lr, "batch_size": cfg.batch_size,
            "seed": seed, "train_acc": test_acc + 0.05, "test_acc": test_acc,
            "curve": f"[[1, {test_acc - 0.1}], [2, {test_acc}]]", "seconds": 1.5, "finished_at": time.time()}


def finished_job(cfg, status="finished", test_acc=0.9):
    """A runner Job that has ended, with the epoch events a training run leaves."""
    now = time.monotonic()
    events = [{"kind": "epoch", "epoch": e, "train_acc": test_acc + 0.05, "test_acc": test_acc - 0.1 * (1 - e)}
              for e in range(cfg.epochs)] if status == "finished" else []
    return Job(next(ids), cfg, status=status, events=events, started=now - 2, ended=now)


# ---- storage, on both databases ----------------------------------------------------------------
def test_create_record_export_and_close(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL, code="bars72")
    assert code == "BARS72" and board.get_class("BARS72").setup == SMALL
    with pytest.raises(ClassExists):
        board.create_class(SMALL, code="BARS72")
    out = board.record([row(code, "Ada", 0.0, test_acc=0.91), row(code, "Bo", 0.5, test_acc=0.95),
                        row(code, "Ada", 0.0, test_acc=0.91)])
    assert out == ["recorded", "recorded", "duplicate"]
    table = list(csv.DictReader(io.StringIO(board.export_csv(code))))
    for column in ("class", "student", "drop_prob1", "drop_prob2", "train_size", "epochs", "seed", "train_acc",
                   "test_acc"):
        assert column in table[0]
    assert [(r["student"], float(r["drop_prob1"]), float(r["test_acc"])) for r in table] == \
        [("Ada", 0.0, 0.91), ("Bo", 0.5, 0.95)]
    board.close_class(code)
    assert board.get_class(code).closed
    assert board.record([row(code, "Cy", 0.9)]) == ["class BARS72 is closed"]
    assert len(board.runs(code)) == 2  # the board of a closed class stays readable


def test_refused_rows_say_why(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL)
    wrong = row(code, "Ada")
    wrong["epochs"] = 10
    uneven = row(code, "Bo")
    uneven["drop_prob2"] = 0.0
    out = board.record([wrong, uneven, row("NOSUCH", "Cy"), row(code, "  \x07 ")])
    assert "epochs is 10, the class uses 2" in out[0]
    assert "same drop probability" in out[1]
    assert out[2] == "there is no class NOSUCH" and out[3] == "the nickname is empty"
    assert board.runs(code) == []


def test_hostile_nicknames_round_trip_as_plain_text(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL)
    names = [HOSTILE, "Robert'); DROP TABLE runs;--", "=HYPERLINK(\"http://x\")", "🦦 Otter \u202e"]
    board.record([row(code, n, p) for n, p in zip(names, (0.0, 0.5, 0.9, 0.5))])
    stored = [r["student"] for r in board.runs(code)]
    assert stored == [clean_nickname(n)[0] for n in names]
    assert stored[0] == "<img src=x onerror=alert(1)>xxxxxxxxxxxx" and len(stored[0]) == 40
    assert stored[1] == "Robert'); DROP TABLE runs;--"
    assert "runs" in inspect(make_engine(board_url)).get_table_names()  # still there
    exported = list(csv.reader(io.StringIO(board.export_csv(code))))
    assert exported[3][1] == "'=HYPERLINK(\"http://x\")"  # a spreadsheet shows it, does not run it


def test_thirty_threads_writing_at_once_all_land(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL)
    start = threading.Barrier(30)

    def write(i):
        start.wait()
        board.record([row(code, f"student {i}", (0.0, 0.5, 0.9)[i % 3], seed=i)])

    threads = [threading.Thread(target=write, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(board.runs(code)) == 30


def test_thirty_runs_ending_in_the_same_second_all_land_through_the_recorder(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL)
    recorder = Recorder(board)
    jobs = [Job(next(ids), SMALL.config({"drop_prob1": 0.5, "drop_prob2": 0.5}, seed=i)) for i in range(30)]
    for i, job in enumerate(jobs):
        assert recorder.register(job, code, f"s{i}", token=f"t{i}")[0]
    assert recorder.running(code) == 30
    ending = [finished_job(j.config) for j in jobs]
    for job, done in zip(jobs, ending):
        done.id = job.id
    threads = [threading.Thread(target=recorder.job_ended, args=(j,)) for j in ending]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert recorder.wait_idle(30) and recorder.written == 30 and recorder.running(code) == 0
    assert len(board.runs(code)) == 30
    recorder.close()


def test_a_restart_keeps_the_board(board_url):
    first = Board(board_url)
    code = first.create_class(SMALL, code="KEEP23")
    first.record([row(code, "Ada", 0.0), row(code, HOSTILE, 0.9)])
    first.dispose()
    again = Board(board_url)  # a new engine, as after a server restart
    info, runs, _ = again.snapshot(code)
    assert info.setup == SMALL and [r["student"] for r in runs] == ["Ada", clean_nickname(HOSTILE)[0]]
    assert runs[0]["curve"] == [[1, pytest.approx(0.8)], [2, 0.9]]


def test_joining_assigns_untried_values_round_robin(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL)
    given = [board.join(code, f"t{i}", f"s{i}")["drop_prob1"] for i in range(4)]
    assert given == [0.0, 0.5, 0.9, 0.0]
    assert board.join(code, "t1", "renamed")["drop_prob1"] == 0.5  # the same browser keeps its value
    board.record([row(code, "x", 0.0), row(code, "y", 0.5, seed=2)])
    assert board.join(code, "t9", "late")["drop_prob1"] == 0.9  # the only value nobody has run
    assert board.snapshot(code)[2] == 5
    free = board.create_class(Setup(values=(0.5,), epochs=2, lr=0.01, train_size=500, assign=False))
    assert board.join(free, "t1", "s") is None
    with pytest.raises(UnknownClass):
        board.join("NOPE9", "t", "s")


def test_clear_forgets_runs_and_members(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL)
    board.join(code, "t", "Ada")
    board.record([row(code, "Ada")])
    board.clear_class(code)
    assert board.snapshot(code)[1:] == ([], 0)


def test_schema_version_is_recorded_and_a_newer_one_refused(board_url):
    Board(board_url).create_class(SMALL)
    engine = make_engine(board_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT version FROM schema_version")).scalar() == SCHEMA_VERSION
        conn.execute(text("UPDATE schema_version SET version = 99"))
    engine.dispose()
    with pytest.raises(BoardUnavailable, match="newer version"):
        Board(board_url).runs("ABCDE")


# ---- a database that cannot be reached ------------------------------------------------------------
def test_unreachable_database_spools_registrations_and_rows_and_writes_them_when_back(tmp_path):
    missing = tmp_path / "not-yet"
    board = Board(f"sqlite:///{missing}/board.sqlite3")  # its folder does not exist: cannot be opened
    with pytest.raises(BoardUnavailable, match="cannot be reached"):
        board.get_class("ABCDE")
    spool = Spool(str(tmp_path / "spool.sqlite3"), board.describe())
    recorder = Recorder(board, retry_every=0.1, spool=spool)
    job = finished_job(SMALL.config({"drop_prob1": 0.5, "drop_prob2": 0.5}))
    ok, message = recorder.register(job, "BACK23", "Ada")
    assert ok and "already finished" in message
    assert recorder.wait_idle(30) and spool.counts() == {"registration": 1, "run": 1}  # on disk, not in memory
    note = recorder.note()
    assert note.startswith("The class database cannot be reached")
    assert "1 finished run and 1 new registration wait on this server's disk" in note and "lose" in note
    again = Recorder(board, retry_every=0.1, spool=Spool(spool.path, board.describe()))  # a restart keeps them
    recorder.close()
    ready = tmp_path / "ready"
    ready.mkdir()
    Board(f"sqlite:///{ready}/board.sqlite3").create_class(SMALL, code="BACK23")
    ready.rename(missing)  # the database comes back, all at once
    deadline = time.monotonic() + 30
    while spool.items() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not spool.items() and again.note() is None and not again.refused
    assert [r["student"] for r in board.runs("BACK23")] == ["Ada"]
    assert board.registration_outcomes("BACK23") == (0, {"recorded": 1})
    again.close()


def test_postgresql_urls_use_psycopg_and_an_unreachable_server_is_one_sentence():
    board = Board("postgresql://nobody:secret@127.0.0.1:1/none")
    assert board.engine.url.drivername == "postgresql+psycopg"
    assert "secret" not in board.describe()
    with pytest.raises(BoardUnavailable) as err:
        board.get_class("ABCDE")
    assert "\n" not in str(err.value) and "secret" not in str(err.value)
    with pytest.raises(BoardUnavailable, match="URL cannot be used"):
        Board("nonsense://").get_class("ABCDE")


# ---- the recorder ---------------------------------------------------------------------------------
def test_recorder_counts_a_shared_job_for_each_student_and_skips_stopped_runs(tmp_path):
    began = time.monotonic()
    board = Board(f"sqlite:///{tmp_path}/b.sqlite3")
    code = board.create_class(SMALL)
    recorder = Recorder(board)
    cfg = SMALL.config({"drop_prob1": 0.9, "drop_prob2": 0.9})
    shared = Job(next(ids), cfg)
    for name in ("Ada", "Bo"):
        recorder.register(shared, code, name)
    stopped = Job(next(ids), SMALL.config({"drop_prob1": 0.0, "drop_prob2": 0.0}))
    recorder.register(stopped, code, "Cy")
    recorder.job_ended(finished_job(cfg).__class__(shared.id, cfg, status="finished", events=finished_job(cfg).events,
                                                   started=1.0, ended=time.monotonic()))
    stopped.status = "stopped"
    recorder.job_ended(stopped)
    ok, message = recorder.register(finished_job(cfg, status="stopped"), code, "Di")
    assert not ok and "stopped" in message
    ok, message = recorder.register(finished_job(cfg), code, "Ed")  # already finished: recorded at once
    assert ok and "already finished" in message
    assert recorder.wait_idle(10)
    assert sorted(r["student"] for r in board.runs(code)) == ["Ada", "Bo", "Ed"]
    # One latency per row written, each measured from its job's end: never negative, never longer than this test.
    assert len(recorder.latencies) == 3 and all(0 <= x <= time.monotonic() - began for x in recorder.latencies)
    recorder.close()


def test_a_member_counts_one_run_per_value_and_a_rename_does_not_make_another(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL, code="RATE23")
    recorder = Recorder(board)
    cell = board.join(code, "t", "Ada")
    jobs = [Job(next(ids), SMALL.config(cell, seed=s)) for s in range(1, 4)]
    first = recorder.register(jobs[0], code, "Ada", token="t")
    assert first[0], first
    refused = ("Not recorded: Your run of this value already counts for the class; this one trains, but the board "
               "keeps your first.")
    for job, name in ((jobs[1], "Ada"), (jobs[2], "Someone else")):  # a new seed; renamed
        assert recorder.register(job, code, name, token="t") == (False, refused)
    assert recorder.register(jobs[0], code, "Ada again", token="t") == (True, "This run is already registered for "
                                                                                 "the class.")  # not a second one
    other = next(c for c in SMALL.cells() if c != cell)
    ok, said = recorder.register(Job(next(ids), SMALL.config(other, seed=5)), code, "Ada", token="t")
    assert not ok and "The class gave you p = " in said and "only your own value counts" in said
    assert all(recorder.register(Job(next(ids), j.config), code, SERVER)[0] for j in jobs)  # the server: no limit
    done = finished_job(jobs[0].config)
    done.id = jobs[0].id
    recorder.job_ended(done)  # the counted run finishes; then its student renames and presses Train on it again
    assert recorder.wait_idle(10)
    assert recorder.register(done, code, "Ada renamed", token="t") == (False, refused)
    assert [r["student"] for r in board.runs(code) if r["student"] != SERVER][:1] == ["Ada"]
    assert board.record([{**row(code, "Ada renamed", cell["drop_prob1"], seed=1), "member": "t"}]) == ["duplicate"]
    assert sum(r["member"] == "t" for r in board.runs(code)) == 1
    recorder.close()


def test_values_outside_the_sweep_are_refused_with_one_sentence(board_url):
    board = Board(board_url)
    code = board.create_class(SMALL)
    odd = row(code, "Ada", 0.37)
    assert board.record([odd]) == ["p = 0.37 is not one of the class's drop probabilities (0, 0.5, 0.9)"]
    sizes = Setup(vary="train_size", values=(300, 1000), epochs=2, lr=0.01)
    assert sizes.mismatch(sizes.config({"train_size": 500, "drop_prob1": 0.0, "drop_prob2": 0.0})) == \
        "500 training images is not one of the class's sizes (300, 1,000)"
    assert board.runs(code) == []


class FakeRunner:
    """The runner's submit/add_listener, recording what was asked."""

    def __init__(self, waiting=0):
        self.submitted, self.listeners, self.server_waiting = [], [], waiting

    def submit(self, task, viewer=None, pin=False):
        self.submitted.append((task, viewer, pin))
        return Job(next(ids), task)

    def waiting(self, owner):
        return self.server_waiting if owner == "server" else 0

    def add_listener(self, fn):
        self.listeners.append(fn)


def test_fill_the_gaps_queues_pinned_server_runs_for_untried_cells_only(tmp_path):
    board = Board(f"sqlite:///{tmp_path}/b.sqlite3")
    setup = Setup(vary="train_size", values=(300, 1000), epochs=2, lr=0.01, drop_prob=0.5)
    code = board.create_class(setup)
    runner = FakeRunner()
    recorder = Recorder(board).attach(runner)
    assert runner.listeners == [recorder.job_ended]
    recorder.register(Job(next(ids), setup.config({"train_size": 1000, "drop_prob1": 0.0, "drop_prob2": 0.0})),
                      code, "Ada")  # training now: not a gap
    todo = recorder.fill_gaps(runner, code, setup, tried=[(300, "with dropout")])
    assert [(c.train_size, c.drop_prob1) for c in todo] == [(300, 0.0), (1000, 0.5)]
    assert all(viewer is None and pin for _, viewer, pin in runner.submitted)
    assert recorder.running(code) == 3
    recorder.close()


def test_fill_the_gaps_keeps_the_servers_own_line_bounded(tmp_path):
    from core.classboard.recorder import MAX_SERVER_WAITING
    board = Board(f"sqlite:///{tmp_path}/b.sqlite3")
    setup = Setup(vary="train_size", values=(300, 1000), epochs=2, lr=0.01, drop_prob=0.5)
    recorder = Recorder(board)
    almost = FakeRunner(waiting=MAX_SERVER_WAITING - 1)  # other classes' gap runs wait already
    assert len(recorder.fill_gaps(almost, board.create_class(setup), setup, tried=[])) == 1
    assert recorder.fill_gaps(FakeRunner(waiting=MAX_SERVER_WAITING), board.create_class(setup), setup, tried=[]) == []
    recorder.close()


# ---- names, setups, findings ----------------------------------------------------------------------
def test_class_codes_and_nicknames_are_checked():
    assert clean_code(" bars7 ") == "BARS7"
    for bad in ("", "ab", "A" * 13, "BARS 7", "<b>", None, "ÄBC1"):
        with pytest.raises(BadCode):
            clean_code(bad)
    assert clean_nickname("  Ada\t Lovelace ") == ("Ada Lovelace", None)
    name, note = clean_nickname("Eve\x00\x1b[31m\u200b")
    assert name == "Eve[31m" and "control characters removed" in note
    name, note = clean_nickname(HOSTILE)
    assert len(name) == 40 and "cut to 40" in note
    assert clean_nickname("(Server)")[0] != SERVER
    assert clean_nickname("\x00 ")[0] == ""
    assert len({friendly_name() for _ in range(50)}) > 10


def test_setups_check_their_values_and_say_which_runs_count():
    with pytest.raises(ValueError, match="vary"):
        Setup(vary="lr")
    with pytest.raises(ValueError, match="one run may take"):  # a class's runs are bounded like anyone's
        Setup(vary="train_size", values=(60_000,), epochs=100)
    with pytest.raises(ValueError, match="a train_size between"):
        parse_values("100, 1e9", "train_size")
    assert parse_values("0.5, 0,0.5", "drop_prob") == (0.5, 0.0, 0.5)
    sizes = Setup(vary="train_size", values=(1000, 300), drop_prob=0.3, epochs=5)
    assert sizes.values == (300, 1000) and len(sizes.cells()) == 4
    ok = sizes.config({"train_size": 1000, "drop_prob1": 0.3, "drop_prob2": 0.3}, seed=7)
    assert sizes.mismatch(ok) is None and sizes.value_of(ok) == (1000, "with dropout")
    assert "0 (without dropout) or 0.3" in sizes.mismatch(ok.with_dropout(0.5))
    assert "lr is 0.001, the class uses 0.005" in Setup().mismatch(TrainConfig(epochs=50, train_size=6000))
    assert Setup.from_json(sizes.to_json()) == sizes


def test_findings_report_the_class_numbers_and_the_paper():
    code_rows = [dict(row("F1", f"s{i}", p, seed=i, test_acc=acc), id=i)
                 for i, (p, acc) in enumerate([(0.0, 0.95), (0.0, 0.951), (0.5, 0.96), (0.9, 0.3)])]
    for r in code_rows:
        r["curve"] = [[1, 0.5], [2, r["test_acc"]]]
    points, curves = results.frames(SMALL, code_rows)
    assert len(points) == 4 and len(curves) == 8
    said = " ".join(results.findings(SMALL, points))
    assert "96.0% at p = 0.5" in said and "(p = 0) it is 95.0%" in said and "+1.0 points" in said
    assert "At p = 0.9 it is 30.0%" in said and "Srivastava" in said
    assert results.coverage(SMALL, points) == (3, 3)
    sizes = Setup(vary="train_size", values=(300, 1000), epochs=2, lr=0.01)
    size_rows = [dict(row("F2", "s", seed=i, test_acc=acc, setup=sizes,
                          train_size=n, drop_prob1=p, drop_prob2=p), id=i, curve=[[1, acc]])
                 for i, (n, p, acc) in enumerate([(300, 0.0, 0.80), (300, 0.5, 0.79), (1000, 0.0, 0.88),
                                                  (1000, 0.5, 0.90)])]
    said = " ".join(results.findings(sizes, results.frames(sizes, size_rows)[0]))
    assert "at 1 of 2" in said and "+2.0 points at 1,000 images" in said and "(300) the difference is -1.0" in said


# ---- the command line -------------------------------------------------------------------------------
def cli(*args, url):
    env = {**os.environ, "CLASSBOARD_URL": url}
    return subprocess.run([sys.executable, "-m", "core.classboard", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_cli_new_and_export(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    made = cli("new", "--code", "bars72", "--vary", "train_size", url=url)
    assert made.returncode == 0 and made.stdout.splitlines()[:2] == ["BARS72", "students: /mnist?class=BARS72"]
    board = Board(url)
    setup = board.get_class("BARS72").setup
    assert setup.vary == "train_size" and setup.assign
    board.record([row("BARS72", "Ada", setup=setup, train_size=300, drop_prob1=0.0, drop_prob2=0.0)])
    out = cli("export", "BARS72", url=url)
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    assert out.returncode == 0 and table[0]["student"] == "Ada" and table[0]["train_size"] == "300"
    assert config_of({k: float(v) if "." in v else int(v) for k, v in table[0].items()
                      if k in ("drop_prob1", "drop_prob2", "train_size", "epochs", "lr", "batch_size", "seed")})
    assert "predicted_test_acc" in table[0] and "predicted_best" in table[0]


def test_cli_new_sets_the_experiments_fixed_settings(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    made = cli("new", "--code", "SHRTY2", "--epochs", "20", "--train-size", "2000", "--lr", "0.01", "--batch-size", "32",
               "--eval-every", "2", "--no-predict", "--free", url=url)
    assert made.returncode == 0 and "20 epochs, lr 0.01, batch 32" in made.stdout
    setup = Board(url).get_class("SHRTY2").setup
    assert (setup.epochs, setup.train_size, setup.lr, setup.batch_size, setup.eval_every) == (20, 2000, 0.01, 32, 2)
    assert not setup.predict_first and not setup.assign
    sizes = cli("new", "--code", "SZES22", "--vary", "train_size", "--drop-prob", "0.3", "--epochs", "40", url=url)
    assert sizes.returncode == 0 and Board(url).get_class("SZES22").setup.drop_prob == 0.3


@pytest.mark.parametrize("args, says", [
    (("export", "no way!"), "is not a class code"),
    (("export", "NOPE7"), "there is no class with code NOPE7"),
    (("new", "--code", "x"), "is not a class code"),
    (("new", "--vary", "lr"), "invalid choice"),
    (("new", "--values", "0.5,abc"), "`abc` is not a drop_prob"),
    (("new", "--epochs", "9999"), "epochs must be in 1..500"),
    (("new", "--lr", "abc"), "invalid float value"),
    (("new", "--train-size", "60000", "--epochs", "500"), "more than the 2 minutes one run may take"),
])
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, args, says):
    out = cli(*args, url=f"sqlite:///{tmp_path}/cli.sqlite3")
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and says in out.stderr


def test_cli_unreachable_database_is_one_line(tmp_path):
    out = cli("export", "BARS72", url=f"sqlite:///{tmp_path}/missing/x.sqlite3")
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1 and "cannot be reached" in out.stderr


def test_a_damaged_database_file_is_one_sentence_in_the_app_and_one_line_from_the_cli(tmp_path):
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(bytes(range(256)) * 64)  # not an SQLite file
    with pytest.raises(BoardUnavailable, match="cannot be read"):
        Board(f"sqlite:///{damaged}").create_class(Setup())
    out = cli("export", "BARS72", url=f"sqlite:///{damaged}")
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1 and "cannot be read" in out.stderr


def test_the_class_board_core_never_imports_streamlit():
    code = ("import sys, core.classboard, core.classboard.__main__, core.views.board_charts; "
            "assert 'streamlit' not in sys.modules, 'core imported streamlit'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_board_charts_are_fixed_valid_specs_that_take_the_rows_from_the_page():
    import altair as alt

    from core.views import board_charts
    setup = Setup(vary="train_size", values=(300, 1000), epochs=3, lr=0.01)
    rows = [dict(row("C1", n, seed=i, setup=setup, train_size=v, drop_prob1=p, drop_prob2=p), id=i,
                 curve=[[1, 0.5], [2, 0.7], [3, 0.8]])
            for i, (n, v, p) in enumerate([("a", 300, 0.0), ("b", 300, 0.5), ("c", 1000, 0.5)])]
    points, curves = results.frames(setup, rows)
    for kind, args, frame in [("sweep", ("train_size", 300, 1000), points),
                              ("sweep", ("drop_prob", 0.0, 0.9, "gap", "gap"), points),
                              ("curves", ("train_size", 3, 300, 1000), curves)]:
        spec = board_charts.spec(kind, *args)
        assert "data" not in spec and "datasets" not in spec  # the page passes the rows
        assert spec["usermeta"] == board_charts.LIVE
        assert board_charts.spec(kind, *args) == spec
        alt.Chart.from_dict({**spec, "data": {"values": frame.to_dict("records")}})  # validates against Vega-Lite
    band = board_charts.spec("sweep", "train_size", 300, 1000)["layer"][0]
    assert band["data"]["values"] == [{"value": 100, "value2": 500, "label": "paper: no gain"}]


def test_students_joining_at_once_are_given_different_values(board_url):
    board = Board(board_url)
    code = board.create_class(Setup(values=tuple(i / 10 for i in range(10)), epochs=2, lr=0.01, train_size=500))
    start, given = threading.Barrier(10), []

    def arrive(i):
        start.wait()
        given.append(board.join(code, f"t{i}", f"s{i}")["drop_prob1"])

    threads = [threading.Thread(target=arrive, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(given) == [i / 10 for i in range(10)]
