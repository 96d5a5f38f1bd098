"""Predict, then see, on the class board: guesses stored, changed, refused, hidden until the reveal, exported;
a class of twelve students guessing, training and revealed. On SQLite and PostgreSQL."""
import csv
import io
import os
import time

import pytest
from streamlit.testing.v1 import AppTest

from app_pages import class_ui
from core.classboard import Board, GuessRefused, Setup
from tests import apptest
from tests.app_server import ROOT
from tests.test_classboard import row

TINY = Setup(values=(0.0, 0.5, 0.9), epochs=1, lr=0.01, train_size=300)


def test_guesses_are_stored_changed_until_train_and_refused_when_malformed(board_url):
    board = Board(board_url)
    code = board.create_class(TINY)
    assert board.guess(code, "t1", "Ada", 0.9, 0.5, cell={"drop_prob1": 0.0, "drop_prob2": 0.0}) == (0.9, 0.5)
    assert board.guess(code, "t1", "Ada", "0.85", "0.9") == (0.85, 0.9)  # changed: one guess per student
    for acc, best, says in ((1.5, 0.5, "between 0% and 100%"), (-0.1, 0.5, "between 0% and 100%"),
                            ("nan", 0.5, "between 0% and 100%"), ("lots", 0.5, "both numbers"),
                            (0.9, 0.3, "one of the class's values"), (0.9, None, "both numbers")):
        with pytest.raises(GuessRefused, match=says):
            board.guess(code, "t1", "Ada", acc, best)
    assert [(g["predicted_test_acc"], g["predicted_best"]) for g in board.guesses(code)] == [(0.85, 0.9)]
    locked = board.register("k1", code, "Ada", "t1", TINY.config({"drop_prob1": 0.0, "drop_prob2": 0.0}).__dict__,
                            server="s")
    assert locked == {"predicted_test_acc": 0.85, "predicted_best": 0.9}
    with pytest.raises(GuessRefused, match="locked"):
        board.guess(code, "t1", "Ada", 0.5, 0.5)
    assert board.guesses(code)[0]["locked"]


def test_the_reveal_and_the_export_carry_the_guesses(board_url):
    board = Board(board_url)
    code = board.create_class(TINY)
    assert not board.get_class(code).revealed  # predict first: hidden until the reveal
    board.guess(code, "t1", "Ada", 0.9, 0.5)
    board.register("k1", code, "Ada", "t1", {}, server="s")
    board.record([{**row(code, "Ada", 0.5, setup=TINY), "registration": "k1", "predicted_test_acc": 0.9,
                   "predicted_best": 0.5}])
    board.reveal(code)
    assert board.get_class(code).revealed
    lines = list(csv.DictReader(io.StringIO(board.export_csv(code))))
    assert lines[0]["predicted_test_acc"] == "0.9" and lines[0]["predicted_best"] == "0.5"
    board.reveal(code, revealed=False)
    assert not board.get_class(code).revealed
    old = board.create_class(Setup(values=(0.0, 0.5), epochs=1, lr=0.01, train_size=300, predict_first=False))
    assert board.get_class(old).revealed  # no guesses asked: nothing to hide


@pytest.fixture
def app_board(board_url, monkeypatch):
    """The app under AppTest on this database (SQLite or PostgreSQL)."""
    monkeypatch.setenv("CLASSBOARD_URL", board_url)
    class_ui.class_view.clear()
    yield Board(board_url)
    class_ui.class_view.clear()


def student(code, name, acc, best):
    """A student opens the class link, guesses, presses Train; returns the page."""
    at = apptest.open_page("app_pages/mnist.py", **{"class": code, "student": name})
    assert at.button(key="train").disabled  # predict first
    at.number_input(key="guess_acc").set_value(acc)
    at.selectbox(key="guess_best").set_value(best)
    at.button(key="guess_save").click().run()
    said = [e.value for kind in ("success", "warning", "error", "caption") for e in getattr(at, kind)]
    assert not at.exception and any("Guess saved" in s.value for s in at.success), (at.exception, said)
    assert not at.button(key="train").disabled, said
    at.button(key="train").click().run()
    # A tiny run may already have finished by the time the page draws its note: any of the three "recorded" notes.
    assert any(f"recorded for class {code}" in i.value and "Not recorded" not in i.value for i in at.info), \
        [i.value for i in at.info]
    return at


def open_board(code, teacher=False):
    at = AppTest.from_file(f"{ROOT}/streamlit_app.py", default_timeout=60)
    at.query_params["class"] = code
    if teacher:
        at.secrets["classboard"] = {"teacher_key": "owl"}
    at.run()
    at.switch_page("app_pages/classboard.py").run()
    if teacher:
        at.text_input(key="teacher_key").input("owl").run()
    return at


def words(at):
    return " ".join(e.value for kind in ("markdown", "info", "caption") for e in getattr(at, kind))


def test_twelve_students_guess_then_train_and_the_reveal_shows_guess_against_outcome(app_board):
    code = app_board.create_class(TINY)
    for i in range(12):
        student(code, f"s{i}", 80 + i, (0.0, 0.5, 0.9)[i % 3])
    deadline = time.monotonic() + 120
    while len(app_board.runs(code)) < 12:
        assert time.monotonic() < deadline, f"{len(app_board.runs(code))} of 12 runs landed; " \
            f"registrations {app_board.registration_outcomes(code)}"
        time.sleep(0.5)
    class_ui.class_view.clear()
    board = open_board(code, teacher=True)
    assert not board.exception
    metrics = {m.label: m.value for m in board.metric}
    assert metrics.get("Guesses") == "12" and metrics.get("Runs finished") == "12", (metrics, words(board))
    assert "12 students have guessed" in words(board) and "hidden until the teacher presses" in words(board)
    assert len(board.get("vega_lite_chart")) == 2  # the class's expectation only: no results yet
    board.button(key="reveal").click().run()
    assert not board.exception and len(board.get("vega_lite_chart")) == 6  # + sweep, gap, curves, guess vs outcome
    said = words(board)
    assert "The class expected p = " in said and "A student's guess for their own run was on average" in said
    exported = list(csv.DictReader(io.StringIO(app_board.export_csv(code))))
    assert len(exported) == 12 and all(r["predicted_test_acc"] and r["predicted_best"] for r in exported)
    assert sorted(float(r["predicted_test_acc"]) for r in exported) == [round((80 + i) / 100, 5) for i in range(12)]
