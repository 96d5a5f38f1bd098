"""A class's rules on its pages, under Streamlit's AppTest: the teacher link makes a session the teacher (and a
wrong one is refused and slowed down), the school's key is needed to start a class when set, results and the CSV
stay the teacher's until the reveal, a student who joined a pinned run cannot halt it, and a class of twelve with
three misbehaving students ends with twelve counted runs, one of them stopped."""
import re

import pytest

from app_pages import class_ui, services
from core.classboard import Board, Setup, new_teacher_token
from core.config import TrainConfig
from core.status import Status
from tests import apptest
from tests.jobs import wait
from tests.test_classboard_pages import fake_clock, open_board, texts
from tests.test_durable import until

TINY = Setup(values=(0.0, 0.5, 0.9), epochs=1, lr=0.01, train_size=300, predict_first=False)
HIDDEN = Setup(values=(0.0, 0.5), epochs=1, lr=0.01, train_size=300)  # predict first: hidden until the reveal
LONG = TrainConfig(epochs=200, train_size=3000, lr=0.01, seed=4242)  # trains far longer than any test waits


@pytest.fixture
def board(board_url, monkeypatch):
    """The app under AppTest on this database (SQLite or PostgreSQL)."""
    monkeypatch.setenv("CLASSBOARD_URL", board_url)
    class_ui.class_view.clear()
    yield Board(board_url)
    class_ui.class_view.clear()


def controls(at):
    return {b.key for b in at.button} & {"reveal", "fill", "close_class", "clear_class"}


def csv_button(at):
    return [b for b in at.get("download_button") if "board_csv" in b.proto.id]


def test_the_teacher_link_is_shown_once_to_its_creator_and_makes_any_session_the_teacher(board, monkeypatch):
    creator = open_board()
    creator.text_input(key="new_code").input("tchrq7")
    creator.button(key="new_start").click().run()
    links = [c.value for c in creator.code if "&teacher=" in c.value]
    assert len(links) == 1 and links[0].startswith("/class?class=TCHRQ7&teacher=") and controls(creator)
    token = links[0].split("&teacher=")[1]
    assert board.is_teacher("TCHRQ7", token)
    student = open_board(**{"class": "TCHRQ7"})
    assert not controls(student) and not csv_button(student) and not [c for c in student.code if "teacher" in c.value]
    assert "Only the class's teacher" in texts(student)
    teacher = open_board(**{"class": "TCHRQ7", "teacher": token})  # another browser, or after a reload
    assert controls(teacher) == {"reveal", "fill", "close_class", "clear_class"} and csv_button(teacher)
    assert "teacher" not in teacher.query_params  # out of the address bar (a projected board must not show it)
    assert "You are this class's teacher in this browser session." in texts(teacher)
    assert not [c for c in teacher.code if token in c.value]  # shown to its creator only
    assert controls(teacher.run())  # kept in the session
    clock = fake_clock(monkeypatch)
    wrong = open_board(**{"class": "TCHRQ7", "teacher": token[:-2] + "xx"})
    assert "That teacher link is not this class's." in texts(wrong) and not controls(wrong)
    wrong.query_params["teacher"] = token  # the right one, tried at once after a wrong one: refused unchecked
    assert "Too many wrong teacher links or keys: try again in 1 s." in texts(wrong.run()) and not controls(wrong)
    clock[0] += 1.0
    wrong.query_params["teacher"] = token
    assert controls(wrong.run())


def test_a_school_key_when_set_is_needed_to_start_a_class():
    at = open_board(secrets={"classboard": {"teacher_key": "owl-42"}})
    assert "sign in with it" in texts(at) and not [b for b in at.button if b.key == "new_start"]
    at.text_input(key="teacher_key").input("owl-42").run()
    assert [b for b in at.button if b.key == "new_start"]


def test_before_the_reveal_the_csv_and_every_result_are_the_teachers_alone(board):
    token = new_teacher_token()
    code = board.create_class(HIDDEN, teacher_token=token)
    board.join(code, "t", "Ada")
    board.record([{"class_code": code, "student": "Ada", **{k: getattr(HIDDEN.config({"drop_prob1": 0.0,
                                                                                      "drop_prob2": 0.0}), k)
                   for k in ("drop_prob1", "drop_prob2", "train_size", "epochs", "lr", "batch_size", "seed")},
                   "train_acc": 0.93, "test_acc": 0.875, "curve": "[[1, 0.875]]", "seconds": 1.0,
                   "finished_at": 1.0}])
    student = open_board(**{"class": code})
    assert not csv_button(student) and "87.5" not in texts(student) and len(student.get("vega_lite_chart")) == 2
    teacher = open_board(**{"class": code, "teacher": token})
    assert csv_button(teacher)
    teacher.button(key="reveal").click().run()
    class_ui.class_view.clear()
    assert csv_button(open_board(**{"class": code}))  # revealed: the class's results are everyone's


def test_a_student_who_only_joined_a_pinned_run_cannot_halt_it():
    at = apptest.open_page("app_pages/mnist.py", epochs=LONG.epochs, train_size=LONG.train_size, lr=LONG.lr,
                           seed=LONG.seed)
    at.button(key="train").click().run()
    runner = services.get_runner()
    job = runner.get(at.session_state["mnist_current"])
    runner.submit(job.config, pin=True)  # a classmate's registration (or the teacher's gap run) holds it too
    at.button(key="stop").click().run()
    assert "it keeps running; you no longer follow it here" in texts(at)
    assert not job.finished and job.status in (Status.QUEUED, Status.RUNNING)
    runner.cancel(job.id, "test over")
    wait(job)
    assert job.status == Status.STOPPED and job.message == "test over"


def student_page(code, name):
    return apptest.open_page("app_pages/mnist.py", **{"class": code, "student": name})


def train(at):
    at.button(key="train").click().run()
    return texts(at)


def test_twelve_students_three_misbehaving_end_with_twelve_counted_runs_one_stopped(board):
    code = board.create_class(TINY)
    runner = services.get_runner()
    blockers = [runner.submit(TrainConfig(**{**LONG.__dict__, "seed": LONG.seed + i}), viewer="blocker")
                for i in range(runner.max_workers)]
    until(lambda: all(b.status == Status.RUNNING for b in blockers), timeout=60)  # every worker busy
    stopper = student_page(code, "Stopper")
    assert f"will be recorded for class {code}" in train(stopper)
    stopper.button(key="stop").click().run()  # still queued behind the blockers: cancelled at once
    assert f"You stopped this run: it is recorded for class {code} as stopped" in texts(stopper)
    for job in blockers:
        runner.cancel(job.id, "test over")
    pages = {f"s{i}": student_page(code, f"s{i}") for i in range(9)}
    pages["Reseeder"], pages["Renamer"] = student_page(code, "Reseeder"), student_page(code, "Renamer")
    for name, at in pages.items():
        assert f"recorded for class {code}" in train(at), (name, texts(at))
    until(lambda: len(board.runs(code)) == 12, timeout=120)
    # The reseeder trains again with a new seed, then with a value outside the sweep.
    reseeder = pages["Reseeder"]
    reseeder.number_input(key="seed").set_value(777)
    assert "Your run of this value already counts for the class" in train(reseeder)
    reseeder.slider(key="drop_prob1").set_value(0.37)
    reseeder.slider(key="drop_prob2").set_value(0.37)
    said = train(reseeder)
    assert "p = 0.37 is not one of the class's drop probabilities (0, 0.5, 0.9)" in said, said
    # The renamer renames themselves and presses Train on their finished run.
    renamer = pages["Renamer"]
    renamer.text_input(key="student").input("Renamer the second").run()
    said = train(renamer)
    assert "already counts" in said or "already registered" in said, said
    # The stopper trains again: their stopped run was their one run of that value.
    assert "Your run of this value already counts for the class" in train(stopper)
    recorder = class_ui.get_recorder()
    assert recorder.wait_idle(10) and recorder.running(code) == 0
    runs = board.runs(code)
    assert len(runs) == 12 and len({r["member"] for r in runs}) == 12
    assert sorted(r["student"] for r in runs if r["stopped_at"] is not None) == ["Stopper"]
    assert all(r["drop_prob1"] in (0.0, 0.5, 0.9) for r in runs)
    class_ui.class_view.clear()
    at = open_board(**{"class": code})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Students with a run"] == "12" and metrics["Runs finished"] == "11"
    (roster,) = [t.value for t in at.text if t.value.startswith("Runs by: ")]
    counted = re.findall(r"([\w ]+?) \((\d+)(, stopped)?\)", roster[len("Runs by: "):])
    assert len(counted) == 12 and all(n == "1" for _, n, _ in counted), roster
    assert [name.strip(", ") for name, _, stopped in counted if stopped] == ["Stopper"]
    assert "1 run stopped by its student: each counts as that student's run of its value" in texts(at)


def test_closing_a_class_cancels_a_students_queued_run_and_says_so_on_their_page(board):
    token = new_teacher_token()
    code = board.create_class(TINY, teacher_token=token)
    runner = services.get_runner()
    blockers = [runner.submit(TrainConfig(**{**LONG.__dict__, "seed": LONG.seed + 10 + i}), viewer="blocker")
                for i in range(runner.max_workers)]
    until(lambda: all(b.status == Status.RUNNING for b in blockers), timeout=60)  # every worker busy
    student = student_page(code, "Queued")
    assert f"will be recorded for class {code}" in train(student)
    job = runner.get(student.session_state["mnist_current"])
    assert job.status == Status.QUEUED
    teacher = open_board(**{"class": code, "teacher": token})
    teacher.button(key="close_class").click().run()
    assert job.status == Status.STOPPED  # cancelled at once, not trained for nothing
    said = texts(student.run())
    assert f"Not trained: class {code} was closed before this run started, so it would not count." in said
    assert f"Class {code} is closed: new runs are no longer recorded." in said
    for blocker in blockers:
        runner.cancel(blocker.id, "test over")
        wait(blocker)
    assert class_ui.get_recorder().wait_idle(10)
    assert board.runs(code) == [] and board.registration_outcomes(code) == (0, {"class closed": 1})
