"""The class board page and the class banner on the MNIST page, under Streamlit's AppTest."""
import os

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import class_ui
from core.classboard import Board, Setup, clean_nickname
from tests import apptest
from tests.app_server import ROOT
from tests.test_classboard import HOSTILE, row

TINY = Setup(values=(0.0, 0.5), epochs=1, lr=0.01, train_size=300, predict_first=False)


@pytest.fixture
def board():
    """The board of the app under test (conftest points CLASSBOARD_URL at a throwaway file)."""
    return Board(os.environ["CLASSBOARD_URL"])


def fake_clock(monkeypatch):
    """The server's throttle of wrong teacher keys on a clock the test moves (a list of one float)."""
    from app_pages import class_teacher

    clock = [1000.0]
    monkeypatch.setattr(class_teacher.throttle(), "clock", lambda: clock[0])
    return clock


def open_board(secrets=None, **query):
    at = AppTest.from_file(f"{ROOT}/streamlit_app.py", default_timeout=60)
    at.secrets.update(secrets or {})
    at.query_params.update(query)
    at.run()
    at.switch_page("app_pages/classboard.py")
    return at.run()


def texts(at):
    return " ".join(e.value for kind in ("markdown", "caption", "error", "warning", "info", "success")
                    for e in getattr(at, kind))


def test_the_teacher_starts_a_class_from_the_form_and_gets_teacher_controls(board, monkeypatch):
    from app_pages import class_teacher

    boards_drawn = []
    draw_board = class_teacher.teacher_ui
    monkeypatch.setattr(class_teacher, "teacher_ui", lambda *a: boards_drawn.append(a[0]) or draw_board(*a))
    at = open_board()
    at.text_input(key="new_values").input("0.9, 0, 0.5")
    at.number_input(key="new_epochs").set_value(3)
    at.number_input(key="new_size").set_value(2000)
    at.text_input(key="new_code").input("frmq27")
    at.button(key="new_start").click().run()
    assert not at.exception and at.query_params["class"] == "FRMQ27"
    setup = board.get_class("FRMQ27").setup
    assert setup.values == (0.0, 0.5, 0.9) and setup.epochs == 3 and setup.train_size == 2000
    assert "Class FRMQ27" in texts(at) and at.button(key="fill") and at.button(key="close_class")
    assert [b for b in at.get("download_button") if "board_csv" in b.proto.id]
    at.button(key="close_class").click().run()
    assert board.get_class("FRMQ27").closed and "(closed)" in texts(at)
    drawn = len(boards_drawn)
    at.button(key="new_class_button").click().run()  # one run draws the form (the board is not drawn again first)
    assert not at.exception and "class" not in at.query_params and at.button(key="new_start")
    assert len(boards_drawn) == drawn
    assert "Class FRMQ27" not in texts(at)


def test_a_bad_setup_or_code_in_the_form_is_one_message_and_creates_nothing(board):
    at = open_board()
    at.text_input(key="new_values").input("0.5, <b>abc</b>")
    at.button(key="new_start").click().run()
    assert [e.value for e in at.error] == ["The class was not started: `<b>abc</b>` is not a drop_prob between 0 and 1"]
    at.text_input(key="new_values").input("0.5")
    at.text_input(key="new_code").input("no way")
    at.button(key="new_start").click().run()
    assert "is not a class code" in at.error[0].value and "class" not in at.query_params
    assert not at.exception


def test_unknown_and_malformed_class_codes_get_a_clear_message():
    at = open_board(**{"class": "NOPE9"})
    assert [e.value for e in at.error] == ["There is no class with code NOPE9. Check the link or the code your "
                                           "teacher shared."]
    at = open_board(**{"class": "<script>x</script>"})
    assert "is not a class code" in at.error[0].value and "<script>" not in at.error[0].value
    mnist = apptest.open_page("app_pages/mnist.py", **{"class": "NOPE9"})
    assert "There is no class with code NOPE9" in mnist.warning[0].value
    assert mnist.button(key="train") and not mnist.exception  # training still works


def test_the_board_shows_runs_with_a_hostile_nickname_inert_and_only_the_teacher_manages_it(board):
    code = board.create_class(TINY)
    board.record([row(code, HOSTILE, 0.0, setup=TINY, test_acc=0.80),
                  row(code, "Bo [link](http://x) **bold**", 0.5, setup=TINY, test_acc=0.85)])
    at = open_board(**{"class": code})
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Runs finished"] == "2" and metrics["Students with a run"] == "2"
    assert metrics["Sweep covered"] == "2 of 2"
    roster = [t.value for t in at.text if t.value.startswith("Runs by: ")]  # st.text: never Markdown
    assert roster == [f"Runs by: {clean_nickname(HOSTILE)[0]} (1), Bo [link](http://x) **bold** (1)"]
    everything = texts(at)
    assert "<img" not in everything and "](http" not in everything and "onerror" not in everything
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3
    assert not [b for b in at.button if b.key in ("fill", "close_class", "clear_class")]  # not the teacher
    assert "Only the class's teacher" in everything
    assert "+5.0 points" in everything  # the findings, in numbers


def test_the_teacher_key_unlocks_the_controls_and_fill_the_gaps_runs_the_missing_values(board, monkeypatch):
    code = board.create_class(TINY)
    board.record([row(code, "Ada", 0.5, setup=TINY)])
    clock = fake_clock(monkeypatch)
    at = open_board(secrets={"classboard": {"teacher_key": "owl-42"}}, **{"class": code})
    at.text_input(key="teacher_key").input("wrong").run()
    assert "That is not the teacher key." in texts(at) and not [b for b in at.button if b.key == "fill"]
    at.text_input(key="teacher_key").input("owl-42").run()  # at once: this session waits a second after a wrong key
    assert "Too many wrong teacher links or keys: try again in 1 s." in texts(at)
    clock[0] += 1.0
    at.run()
    at.button(key="fill").click().run()
    apptest.run_until(at, lambda a: {m.label: m.value for m in a.metric}.get("Runs finished") == "2", timeout=90)
    runs = board.runs(code)
    assert [(r["student"], r["drop_prob1"]) for r in runs] == [("Ada", 0.5), ("(server)", 0.0)]
    assert 0 <= runs[1]["test_acc"] <= 1 and len(runs[1]["curve"]) == 1


def test_the_banner_presets_the_form_and_records_a_finished_run(board):
    code = board.create_class(TINY)
    at = apptest.open_page("app_pages/mnist.py", **{"class": code, "student": HOSTILE})
    assert not at.exception
    assert f"You are in class {code}." in at.markdown[0].value
    assert "Nickname cut to 40 characters." in texts(at) and "onerror" not in texts(at)
    values = {w.key: w.value for w in list(at.number_input) + list(at.slider)}
    assert values["epochs"] == 1 and values["train_size"] == 300 and values["lr"] == 0.01
    assert values["drop_prob1"] == values["drop_prob2"] == 0.0  # the first untried value
    at.button(key="train").click().run()
    # A tiny run may end within the Train rerun; the sentence stays with the run either way.
    assert (f"This run will be recorded for class {code} when it finishes." in texts(at)
            or f"This run finished and is recorded for class {code}." in texts(at))
    apptest.run_until(at, lambda a: len(board.runs(code)) == 1, timeout=90)
    assert f"This run finished and is recorded for class {code}." in texts(at.run())
    recorded = board.runs(code)[0]
    assert recorded["student"] == clean_nickname(HOSTILE)[0] and recorded["drop_prob1"] == 0.0
    assert board.snapshot(code)[2] == 1  # one student joined


def test_a_class_run_stopped_by_its_student_is_recorded_as_stopped_and_counts_as_their_run(board):
    code = board.create_class(Setup(values=(0.0, 0.5), epochs=50, lr=0.01, train_size=300, predict_first=False))
    at = apptest.open_page("app_pages/mnist.py", **{"class": code})
    at.button(key="train").click().run()
    assert f"This run will be recorded for class {code} when it finishes." in texts(at)
    at.button(key="stop").click().run()
    assert f"You stopped this run: it is recorded for class {code} as stopped" in texts(at)
    apptest.run_until(at, lambda a: len(board.runs(code)) == 1 and a.button(key="stop").disabled, timeout=60)
    (stopped,) = board.runs(code)
    assert stopped["stopped_at"] is not None and stopped["member"]
    at.button(key="train").click().run()  # the same value again: it trains, but the stopped run was their one
    assert "Your run of this value already counts for the class" in texts(at)
    class_ui.class_view.clear()
    board_page = open_board(**{"class": code})
    assert [t.value for t in board_page.text if t.value.startswith("Runs by: ")] == \
        [f"Runs by: {stopped['student']} (1, stopped)"]


def test_the_banner_says_why_a_run_that_differs_from_the_class_is_not_recorded(board):
    code = board.create_class(TINY)
    at = apptest.open_page("app_pages/mnist.py", **{"class": code, "epochs": 2})
    at.button(key="train").click().run()
    assert f"This run is not recorded for class {code}: epochs is 2, the class uses 1." in texts(at)
    board.close_class(code)
    class_ui.class_view.clear()  # the page reads a class at most once a second; do not wait for that
    at = apptest.open_page("app_pages/mnist.py", **{"class": code})
    assert f"Class {code} is closed" in texts(at)


def test_an_unreachable_database_is_one_sentence_on_the_board_and_the_banner(monkeypatch, tmp_path, board):
    code = board.create_class(TINY)
    student = apptest.open_page("app_pages/mnist.py", **{"class": code})
    monkeypatch.setenv("CLASSBOARD_URL", f"sqlite:///{tmp_path}/no/such/dir/board.sqlite3")  # the database goes away
    student.run()
    assert not student.exception and f"You are in class {code}." in texts(student)
    assert "cannot be reached" in texts(student) and "unknown while the database is away" in texts(student)
    student.button(key="train").click().run()
    assert f"This run will be recorded for class {code} when it finishes." in texts(student)
    at = open_board(**{"class": "BARS7"})
    assert not at.exception and not at.error
    assert at.warning[0].value == "The class database cannot be reached right now."  # no host, user or path
    mnist = apptest.open_page("app_pages/mnist.py", **{"class": "BARS7"})
    assert not mnist.exception and mnist.button(key="train")
    assert "cannot be reached" in texts(mnist) and "recorded for class BARS7 when it is back" in texts(mnist)


def test_a_data_size_class_presets_size_and_dropout_and_its_board_compares_with_and_without(board):
    sizes = Setup(vary="train_size", values=(300, 1000), epochs=1, lr=0.01, drop_prob=0.5, predict_first=False)
    code = board.create_class(sizes)
    at = apptest.open_page("app_pages/mnist.py", **{"class": code})
    assert "300 training images, without dropout" in texts(at)
    values = {w.key: w.value for w in list(at.number_input) + list(at.slider)}
    assert (values["train_size"], values["drop_prob1"], values["drop_prob2"], values["epochs"]) == (300, 0, 0, 1)
    board.record([row(code, f"s{i}", setup=sizes, test_acc=acc, train_size=n, drop_prob1=p, drop_prob2=p)
                  for i, (n, p, acc) in enumerate([(300, 0.0, 0.70), (300, 0.5, 0.69), (1000, 0.0, 0.80),
                                                   (1000, 0.5, 0.83)])])
    class_ui.class_view.clear()  # the banner read this class less than a second ago
    at = open_board(**{"class": code})
    assert not at.exception and len(at.get("vega_lite_chart")) == 3
    assert "+3.0 points at 1,000 images" in texts(at) and "fig. 10" in texts(at)


def test_the_board_watches_its_class_route_and_the_version_changes_when_a_run_lands(board):
    code = board.create_class(TINY)
    at = open_board(**{"class": code})
    (watch,) = apptest.mounted(at, "dropout_watch")
    assert watch["url"] == f"api/classes/{code}?key={class_ui.watch_key(code)}" and watch["interval"] == 2.0
    assert watch["version"] == class_ui.version(class_ui.board_url(), code)
    board.record([row(code, "Ada", 0.5, setup=TINY)])
    class_ui.class_view.clear()
    assert class_ui.version(class_ui.board_url(), code) != watch["version"]  # what the watch compares
    assert apptest.mounted(at.run(), "dropout_watch")[0]["version"] != watch["version"]
    assert {m.label: m.value for m in at.metric}["Runs finished"] == "1"
