"""The student's guess before Train in a predict-first class: stored, changeable until Train, then locked."""
import streamlit as st

from core.classboard import BoardUnavailable, GuessRefused, UnknownClass
from app_pages.class_ui import class_view, database, get_board, value_text


def my_guess(view, token):
    """This session's guess in the class's view, or None."""
    return next((g for g in view.get("guesses") or () if g["token"] == token), None)


def guess_ui(code, student, token, info, view, cell):
    """Predict, then see: before Train, the student guesses; True once a guess is stored (Train is then offered)."""
    setup, mine = info.setup, my_guess(view, token)
    best_label = _best_label(setup)
    if mine and mine["locked"]:
        st.caption(f"Your guess: {mine['predicted_test_acc']:.1%} test accuracy for your run; "
                   f"{_value_name(setup, mine['predicted_best'])} {best_label}. It is locked: you pressed Train.")
        return True
    if "problem" in view:
        st.caption("Guesses wait for the class database to be back; you can train meanwhile.")
        return True
    own = value_text(setup, cell) if cell else "the run you will train"
    with st.form("guess", border=False):
        st.markdown("**Predict first.** Before you train, guess, then see what happens.")
        left, right = st.columns(2)
        acc = left.number_input(f"Test accuracy you expect for {own} (%)", 0.0, 100.0, step=0.5, format="%.1f",
                                key="guess_acc", placeholder="e.g. 95",
                                value=None if not mine else round(mine["predicted_test_acc"] * 100, 1))
        choices = list(setup.best_choices())
        best = right.selectbox(f"The value you expect {best_label}", choices, format_func=lambda v: _value_name(setup, v),
                               index=choices.index(mine["predicted_best"]) if mine and mine["predicted_best"] in choices
                               else None, placeholder="choose", key="guess_best")
        saved = st.form_submit_button("Change my guess" if mine else "Save my guess", key="guess_save",
                                      icon=":material/how_to_vote:")
    if saved:
        if acc is None or best is None:
            st.warning("Fill in both answers to save your guess.", icon=":material/edit:")
            return mine is not None
        try:
            database(get_board().guess, code, token, student, acc / 100, best, cell)
        except (GuessRefused, BoardUnavailable, UnknownClass) as err:
            st.warning(f"Your guess was not saved: {err}", icon=":material/edit_off:")
            return mine is not None
        class_view.clear()
        st.success(f"Guess saved: {acc:.1f}% and {_value_name(setup, best)}. You can change it until you press Train.",
                   icon=":material/how_to_vote:")
        return True
    if mine:
        st.caption(f"Your guess: {mine['predicted_test_acc']:.1%} and {_value_name(setup, mine['predicted_best'])}; "
                   "you can change it until you press Train.")
    return mine is not None


def _best_label(setup):
    return "to give the class's best test accuracy" if setup.vary == "drop_prob" else \
        "to be where dropout helps most"


def _value_name(setup, value):
    return f"p = {value:g}" if setup.vary == "drop_prob" else f"{int(value):,} training images"
