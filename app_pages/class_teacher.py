"""The teacher's part of the class board: who is the teacher, starting a class, its links, and its controls.

Whoever opens a class's teacher link (/class?class=CODE&teacher=TOKEN, shown once to the session that created
the class) is its teacher in that browser session; the token leaves the address bar at once (a projected board
must not show it) and is checked against the hash the database keeps. A school's `[classboard] teacher_key` in
the secrets signs a session in as the teacher of every class and, when set, is needed to start one. Wrong links
and keys are slowed down per session and per server (core.classboard.throttle) and logged.
"""
import hmac
import io
import math

import segno
import streamlit as st

from core.classboard import (VARIES, BadCode, BoardUnavailable, ClassExists, Setup, new_teacher_token, parse_values)
from core.classboard.experiment import VARY_LABELS
from core.classboard.recorder import CLOSED
from core.classboard.throttle import Throttle
from core.classboard.recorder import MAX_SERVER_WAITING
from core.config import PARAMS
from app_pages import class_ui, services


@st.cache_resource(show_spinner=False)
def throttle():
    """This server's one throttle for wrong teacher links and keys."""
    return Throttle()


def is_teacher(code):
    """This session opened the class's teacher link, created the class, or signed in with the school's key."""
    return code in st.session_state.get("classboard_teacher_of", ()) or bool(st.session_state.get("classboard_teacher"))


def _locked_out(shared=True):
    """One sentence if this session (or, for keys, the server) must wait before its next try, else None."""
    wait = throttle().wait(services.viewer_id(), shared)
    return f"Too many wrong teacher links or keys: try again in {math.ceil(wait)} s." if wait else None


def teacher_link_ui(code):
    """Open the teacher link in the address bar, if there is one: the token is taken out of the URL, then checked."""
    token = st.query_params.get("teacher")
    if token is None:
        return
    del st.query_params["teacher"]  # out of the address bar at once
    busy = _locked_out(shared=False)  # a link's token cannot be guessed: only this session's wrong tries count
    if busy:
        st.error(busy, icon=":material/timer:")
        return
    try:
        right = class_ui.database(class_ui.get_board().is_teacher, code, token)
    except BoardUnavailable as err:
        st.warning(f"The teacher link could not be checked: {err}", icon=":material/cloud_off:")
        return
    if not right:
        throttle().failed(services.viewer_id(), f"teacher link for class {code}", shared=False)
        st.error("That teacher link is not this class's.", icon=":material/key_off:")
        return
    throttle().succeeded(services.viewer_id())
    st.session_state.setdefault("classboard_teacher_of", set()).add(code)
    st.success("You are this class's teacher in this browser session. Keep the teacher link: open it again after "
               "a reload or on another device.", icon=":material/verified_user:")


def teacher_key_ui():
    key = services.secret("classboard", "teacher_key")
    with st.sidebar.expander("Teacher sign-in", icon=":material/key:"):
        if not key:
            st.caption("Each class has its own teacher link, shown once to whoever starts the class. A school can "
                       "also set `[classboard] teacher_key` in the app's secrets: it then signs a teacher in for "
                       "every class, and is needed to start one.")
            return
        if st.session_state.get("classboard_teacher"):
            st.success("Signed in as the teacher.", icon=":material/verified_user:")
            return
        typed = st.text_input("Teacher key", type="password", key="teacher_key")
        if not typed:
            return
        busy = None if st.session_state.get("_teacher_key_wrong") == typed else _locked_out()
        if busy:  # not checked now (nor counted): checked at the first rerun after the wait
            st.error(busy, icon=":material/timer:")
        elif st.session_state.get("_teacher_key_wrong") != typed and hmac.compare_digest(typed.encode(),
                                                                                          str(key).encode()):
            throttle().succeeded(services.viewer_id())
            st.session_state.classboard_teacher = True
            st.success("Signed in as the teacher.", icon=":material/verified_user:")
        else:
            if st.session_state.get("_teacher_key_wrong") != typed:  # counted once, not at every rerun
                throttle().failed(services.viewer_id(), "teacher key")
                st.session_state["_teacher_key_wrong"] = typed
            st.error("That is not the teacher key.", icon=":material/key_off:")


def _base():
    page = st.context.url or ""
    return page[:-len("/class")] if page.endswith("/class") else page.rstrip("/")


def student_link(code):
    """The link students open for a class, built from the address this page was opened at."""
    return f"{_base()}/mnist?class={code}"


@st.cache_data(show_spinner=False, max_entries=50)
def qr_png(link):
    """The link as a QR code (PNG bytes) to project."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def teacher_link_once_ui(code, where):
    """The teacher link, in the session that created the class only (the database keeps only its hash)."""
    made = st.session_state.get("classboard_new_link")
    if not made or made[0] != code:
        return
    with where.expander("Your teacher link: open this on your own screen, not on the projector", icon=":material/key:"):
        st.markdown("Secret: whoever opens it manages this class. It is shown this once, so copy it now; open it "
                    "again after a reload or on another device.")
        st.code(f"{_base()}/class?class={code}&teacher={made[1]}", language=None, wrap_lines=True)
        if st.button("I have saved it: hide it for good", key="forget_teacher_link"):
            st.session_state.pop("classboard_new_link", None)
            st.rerun()


def create_ui():
    """The form that starts a class experiment; on success the page switches to its board."""
    st.header("Start a class experiment")
    if services.secret("classboard", "teacher_key") and not st.session_state.get("classboard_teacher"):
        st.info("This server has a teacher key: sign in with it (Teacher sign-in, in the sidebar) to start a class.",
                icon=":material/key:")
        return
    vary = st.radio("The class varies", VARIES, format_func=VARY_LABELS.get, key="new_vary")
    d = Setup.for_vary(vary)
    with st.form("new_class"):
        values = st.text_input("Values to sweep (comma-separated)", ", ".join(f"{v:g}" for v in d.values),
                               key="new_values")
        left, mid, right = st.columns(3)
        epochs = left.number_input("Epochs", *PARAMS["epochs"].bounds(), d.epochs, key="new_epochs")
        lr = mid.number_input("Learning rate", *PARAMS["lr"].bounds(), d.lr, step=0.001, format="%.4f", key="new_lr")
        if vary == "drop_prob":
            fixed = {"train_size": right.number_input("Training images", *PARAMS["train_size"].bounds(),
                                                      d.train_size, 100, key="new_size")}
        else:
            fixed = {"drop_prob": right.slider("Drop probability 'with dropout'", 0.05, 0.95, d.drop_prob, 0.05,
                                               key="new_drop")}
        assign = st.toggle("Assign each student a value nobody has covered yet", True, key="new_assign")
        predict = st.toggle("Predict first: each student guesses before Train; results hidden until you reveal them",
                            True, key="new_predict")
        code = st.text_input("Class code (optional; 6-12 letters or digits, none of 0, O, 1, I, L)", key="new_code")
        pressed = st.form_submit_button("Start the class", key="new_start", type="primary",
                                        icon=":material/play_arrow:")
    st.caption("The default experiment, 6,000 images x 50 epochs at lr 0.005, overfits without dropout, so the sweep "
               "shows dropout's effect; accuracy is checked every 5th epoch and at the last, which gives the same final "
               "numbers for less work.")
    if pressed:
        token = new_teacher_token()
        try:
            setup = Setup(vary=vary, values=parse_values(values, vary), epochs=int(epochs), lr=float(lr),
                          assign=assign, predict_first=predict, **fixed)
            new = class_ui.database(class_ui.get_board().create_class, setup, code=code.strip() or None,
                                    teacher_token=token)
        except (BadCode, ClassExists, ValueError, BoardUnavailable) as err:
            st.error(f"The class was not started: {str(err)[:200]}", icon=":material/error:")
            return
        class_ui.known_codes(class_ui.board_url()).add(new)
        st.session_state.setdefault("classboard_teacher_of", set()).add(new)
        st.session_state["classboard_new_link"] = (new, token)
        st.query_params["class"] = new
        st.rerun()


def change(write):
    """Apply a teacher's change to the class and show it now (or say in one sentence why it failed)."""
    try:
        write()
    except BoardUnavailable as err:
        st.error(str(err), icon=":material/cloud_off:")
        return
    class_ui.class_view.clear()  # show the change now, not after the cache's second
    st.rerun()


def _close(code):
    class_ui.database(class_ui.get_board().close_class, code)
    class_ui.get_recorder().cancel_class(code, services.get_runner(), CLOSED)  # queued runs: not trained at all


def _clear(code):
    class_ui.database(class_ui.get_board().clear_class, code)
    class_ui.get_recorder().cancel_class(code, services.get_runner(), "class cleared", cleared=True)


def teacher_ui(code, info, view):
    st.markdown("**Teacher**")
    if info.setup.predict_first:
        label = "Hide the results again" if info.revealed else "Reveal the results"
        if st.button(label, key="reveal", type="primary" if not info.revealed else "secondary",
                     icon=":material/visibility:" if not info.revealed else ":material/visibility_off:"):
            change(lambda: class_ui.database(class_ui.get_board().reveal, code, revealed=not info.revealed))
    cols = st.columns(4)
    if cols[0].button("Fill the gaps", key="fill", icon=":material/auto_fix_high:", disabled=info.closed,
                      help="Run the values nobody has tried yet on the server, queued behind the students' runs."):
        tried = zip(view["points"].value, view["points"].series)
        todo = class_ui.get_recorder(attach=True).fill_gaps(services.get_runner(), code, info.setup, list(tried))
        st.toast(f"{len(todo)} server runs queued." if todo else "Nothing queued: every value already has a run (or "
                 "one training), or the server's own line is full (it holds up to "
                 f"{MAX_SERVER_WAITING} runs); fill the gaps again once they have run.")
    if cols[1].button("Close the class", key="close_class", icon=":material/lock:", disabled=info.closed,
                      help="New runs no longer count; runs still waiting to start are cancelled."):
        change(lambda: _close(code))
    confirm = cols[2].checkbox("Yes, delete all runs", key="confirm_clear")
    if cols[2].button("Clear the runs", key="clear_class", icon=":material/delete:", disabled=not confirm):
        change(lambda: _clear(code))
    cols[3].button("Start a new class", key="new_class_button", icon=":material/add:", on_click=_leave_class)


def _leave_class():
    """Before the rerun that Start a new class asks for, so that it draws the form, not this board once more."""
    st.query_params.pop("class", None)
