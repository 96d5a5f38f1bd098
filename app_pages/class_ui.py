"""Streamlit helpers for the class board: this server's database and recorder, one cached read per class,
and the class banner on the MNIST page (/mnist?class=CODE&student=NAME).

The database URL is CLASSBOARD_URL, else `[connections.classboard] url` in the app's secrets (the same
place st.connection reads), else the SQLite file beside the app. Nothing a student typed is rendered as
markup: nicknames appear only in text inputs, st.text, charts' tooltips and tables, never in st.markdown (even
escaped, Markdown turns a bare http://... into a link).
"""
import atexit
import hmac
import io
import os
import random

import segno
import streamlit as st

from core.classboard import (Board, BoardUnavailable, BadCode, GuessRefused, Recorder, UnknownClass, clean_code,
                             clean_nickname, friendly_name, resolve_url, results)
from core.status import Status
from app_pages import services, tuning

NOT_RECORDED = "Training works as usual, but runs are not recorded for a class."


def board_url():
    return resolve_url(os.environ.get("CLASSBOARD_URL"), services.secret("connections", "classboard", "url"))


@st.cache_resource(show_spinner=False)
def _board(url):
    return Board(url)


def get_board():
    """The class board database of this server (one engine per URL)."""
    return _board(board_url())


@st.cache_resource(show_spinner=False)
def _recorder(url):
    recorder = Recorder(_board(url))
    atexit.register(recorder.close)
    return recorder


def get_recorder(attach=False):
    """The one recorder of this server: it writes every class's finished runs from its own thread.

    attach=True (where runs are registered) also makes it listen to the runner; the board's reads never
    start training workers.
    """
    recorder = _recorder(board_url())
    return recorder.attach(services.get_runner()) if attach else recorder


def resume_class_runs():
    """Once per server process, at the first visit of any page: class runs registered but never recorded (the
    server crashed or restarted while they trained or waited) are queued again, by the recorder's own thread,
    which starts the training workers only if there are any."""
    global _resumed
    if not _resumed:
        _resumed = True
        get_recorder().resume_with(services.get_runner)


_resumed = False


def database(call, *args, **kwargs):
    """call(*args, **kwargs) on the class database with this script out of its turn (app_pages.tuning).

    A slow or unreachable database (PostgreSQL's connect timeout is 5 s) then holds up this page only, not
    every page of the server. Every database call a page makes goes through here, class_view included (also
    when it only waits for another session's read of the same class), so no script holding a turn ever waits
    on the database.
    """
    with tuning.stepped_out():
        return call(*args, **kwargs)


VIEW_TTL = 1.0  # seconds a class's view is shared before the next read


def class_view(url, code):
    """Everything the board and the banners show of a class, read at most once a second for all sessions
    (and the board's route): Streamlit's cache lets one caller read a class while the others wait for it."""
    return database(_class_view, url, code)


@st.cache_data(ttl=VIEW_TTL, show_spinner=False, max_entries=100)
def _class_view(url, code):
    try:
        info, rows, joined, guesses = _board(url).snapshot_with_guesses(code)
    except UnknownClass:
        return {"unknown": f"There is no class with code {code}. Check the link or the code your teacher shared."}
    except BoardUnavailable as err:
        return {"problem": str(err)}
    try:
        training, outcomes = _board(url).registration_outcomes(code)
    except BoardUnavailable as err:
        return {"problem": str(err)}
    _known[code] = info
    points, curves = results.frames(info.setup, rows)
    return {"info": info, "points": points, "curves": curves, "joined": joined, "training": training,
            "closed_out": sum(n for outcome, n in outcomes.items() if "closed" in outcome),
            "covered": results.coverage(info.setup, points), "findings": results.findings(info.setup, points),
            "guesses": guesses, "guess_findings": results.guess_findings(info.setup, points, guesses, info.revealed)}


class_view.clear = _class_view.clear  # a page that just changed a class shows it at once
_known = {}  # code -> the class as last read: a student who opens the link while the database is away still
             # gets its settings in the form, so the run counts for the class once the database is back


def version(url, code, view=None):
    """A short text that changes whenever the board of this class would show something new (runs, joins,
    runs training, the class closed, the database away or back): what the board's live check compares."""
    view = class_view(url, code) if view is None else view
    if "info" not in view:
        return "unknown" if "unknown" in view else "away"
    points = view["points"]
    last = int(points.run.max()) if len(points) else 0
    return (f"{len(points)}.{last}.{view['joined']}.{int(view['info'].closed)}.{view['training']}."
            f"{len(view['guesses'])}.{sum(g['locked'] for g in view['guesses'])}.{int(view['info'].revealed)}."
            f"{bool(db_note(view))}")


def export_csv(code):
    """The class's runs as CSV, for the download button (or one sentence on what went wrong)."""
    try:
        return get_board().export_csv(code)
    except Exception as err:  # noqa: BLE001 - a download must not show a traceback either
        return f"The runs could not be exported: {err}\n"


def db_note(view):
    """The one sentence on what is wrong with the database (reading or writing), or None."""
    return view.get("problem") or get_recorder().note()


def value_text(setup, cell):
    """A cell as students read it, e.g. 'p = 0.3' or '3,000 training images, with dropout 0.5'."""
    if setup.vary == "drop_prob":
        return f"drop probability p = {cell['drop_prob1']:g} in both hidden layers"
    dropout = "without dropout" if cell["drop_prob1"] == 0 else f"with dropout {cell['drop_prob1']:g}"
    return f"{cell['train_size']:,} training images, {dropout}"


# ---- the teacher ----------------------------------------------------------------------------------
def is_teacher(code):
    """The session that created the class, or one that entered the teacher key."""
    return code in st.session_state.get("classboard_created", set()) or st.session_state.get("classboard_teacher")


def teacher_key_ui():
    key = services.secret("classboard", "teacher_key")
    with st.sidebar.expander("Teacher sign-in", icon=":material/key:"):
        if not key:
            st.caption("No teacher key is set (`[classboard] teacher_key` in the app's secrets), so only the "
                       "browser session that created a class can fill its gaps, clear or close it.")
            return
        typed = st.text_input("Teacher key", type="password", key="teacher_key")
        if typed and hmac.compare_digest(typed.encode(), str(key).encode()):
            st.session_state.classboard_teacher = True
            st.success("Signed in as the teacher.", icon=":material/verified_user:")
        elif typed:
            st.error("That is not the teacher key.", icon=":material/key_off:")


def student_link(code):
    """The link students open for a class, built from the address this page was opened at."""
    page = st.context.url or ""
    base = page[:-len("/class")] if page.endswith("/class") else page.rstrip("/")
    return f"{base}/mnist?class={code}"


@st.cache_data(show_spinner=False, max_entries=50)
def qr_png(link):
    """The link as a QR code (PNG bytes) to project."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


# ---- the banner on the MNIST page ----------------------------------------------------------------
def banner_ui():
    """The class banner when the link names a class; returns the student's seat (a dict) or None."""
    raw = st.query_params.get("class")
    if raw is None:
        return None
    try:
        code = clean_code(raw)
    except BadCode as err:
        st.warning(f"{err} {NOT_RECORDED}", icon=":material/group_off:")
        return None
    view = class_view(board_url(), code)
    if "unknown" in view:
        st.warning(f"{view['unknown']} {NOT_RECORDED}", icon=":material/group_off:")
        return None
    with st.container(border=True):
        seat = _seat_ui(code, view)
    return seat


def _seat_ui(code, view):
    info = view.get("info") or _known.get(code)
    st.markdown(f"**You are in class {code}.** " + (info.setup.describe() if info else ""))
    default = st.session_state.setdefault("_class_default_name", friendly_name())
    if "student" not in st.query_params and not st.session_state.get("_class_named"):
        st.session_state["student"] = default  # into the link too, so a reload keeps the name
    st.session_state["_class_named"] = True
    typed = st.text_input("Your nickname on the class board", value="", key="student", bind="query-params",
                          help="Plain text, at most 40 characters. It appears on the projected board.")
    student, note = clean_nickname(typed)
    if note:
        st.caption(note)
    student = student or default
    seat = {"code": code, "student": student, "info": info, "token": services.viewer_id()}
    if info is None:
        st.warning(f"{db_note(view)} Your finished runs are kept and recorded for class {code} when it is back, "
                   "if they match the class's settings.",
                   icon=":material/cloud_off:")
        return seat
    if info.closed:
        st.info(f"Class {code} is closed: new runs are no longer recorded.", icon=":material/lock:")
        return None
    cell = _join(code, student, seat["token"], info, reachable="info" in view)
    _progress_caption(code, student, view, seat["token"], info, cell)
    if info.setup.predict_first:
        seat["guessed"] = _guess_ui(code, student, seat["token"], info, view, cell)
    note = db_note(view)
    if note:
        st.warning(note, icon=":material/cloud_off:")
    return seat


def my_guess(view, token):
    """This session's guess in the class's view, or None."""
    return next((g for g in view.get("guesses") or () if g["token"] == token), None)


def _guess_ui(code, student, token, info, view, cell):
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


def _join(code, student, token, info, reachable):
    """Join the class once per nickname; the first time, put the class settings into the form.

    `reachable`: this second's shared read of the class worked. When it did not, the join waits for the
    database to be back instead of making this student's page wait on it at every rerun.
    """
    key = f"_class_joined_{code}"
    joined = st.session_state.get(key)
    if joined is None or joined["student"] != student or not joined["ok"]:
        cell, ok = (joined["cell"] if joined else None), False  # joined (and given a value) once it is back
        if reachable:
            try:
                cell, ok = database(get_board().join, code, token, student), True
            except (BoardUnavailable, UnknownClass):
                pass
        if joined is None:
            _preset_form(info.setup, cell)
        st.session_state[key] = joined = {"student": student, "cell": cell, "ok": ok}
    return joined["cell"]


def _preset_form(setup, cell):
    """Give the MNIST form the class's settings (and the assigned value) unless the link already sets them."""
    # A seed of the student's own (the same on every reload), so two students on one value are two runs.
    values = {**setup.fixed_settings(), **(cell or {}), "seed": random.Random(services.viewer_id()).randint(1, 999)}
    for name, value in values.items():
        if name not in st.query_params:
            st.session_state[name] = value


def _progress_caption(code, student, view, token, info, cell):
    points = view.get("points")  # None while the database is away
    training = get_recorder().waiting_for(code, token)
    if cell:
        st.markdown(f"Your assigned setting: **{value_text(info.setup, cell)}** (already set in the form below).")
    elif info.setup.vary == "drop_prob":
        st.markdown("Pick a drop probability and set **both** hidden layers to it; the other settings are the class's.")
    else:
        st.markdown(f"Pick a training-set size and a drop probability of 0 or {info.setup.drop_prob:g} "
                    "(both layers); the other settings are the class's.")
    counts = (f"Recorded for the class: {len(points)} runs. Yours: {int((points.student == student).sum())}"
              if points is not None else "Recorded for the class: unknown while the database is away")
    st.caption(counts + (f", and {training} still training (recorded when "
                         f"{'they finish' if training > 1 else 'it finishes'})." if training else "."))


def results_so_far_ui(seat):
    """The class's finished runs so far (a waiting student's view), unless the teacher keeps them hidden."""
    from core.views import board_charts, describe

    view = class_view(board_url(), seat["code"])
    info = view.get("info")
    if info is None or not len(view["points"]):
        return
    if not info.revealed:
        st.caption("The class's results stay hidden until your teacher reveals them.")
        return
    st.caption(f"While yours waits: the class's {len(view['points'])} finished runs so far.")
    setup = info.setup
    st.vega_lite_chart(view["points"], {**board_charts.spec("sweep", setup.vary, min(setup.values), max(setup.values)),
                                        "description": describe.series_sentence(
                                            "The class's mean final test accuracy per value", view["points"], "value",
                                            "test_acc", "series", y_fmt=".1%", y_name="test accuracy")},
                       width="stretch")


def schedule(seat):
    """Settings of a class run that the form does not show: the class's accuracy-check schedule."""
    info = seat and seat.get("info")
    return {"eval_every": info.setup.eval_every} if info else {}


def record_ui(seat, job):
    """After Train on a class link: pin the run and register it for the class (or note why not); returns job.

    The sentence is kept with the job's id, so run_note_ui can show it on every rerun while the run is the
    current one, including the full rerun that follows a run that ended within the Train rerun.
    """
    if seat is None:
        return job
    info, code = seat["info"], seat["code"]
    mismatch = info.setup.mismatch(job.config) if info is not None else None
    if mismatch:
        st.session_state["_class_note"] = (job.id, code, False, f"This run is not recorded for class {code}: "
                                                              f"{mismatch}.")
        return job
    pinned = services.get_runner().submit(job.config, viewer=None, pin=True)  # the same job, now kept if the tab closes
    # Written to the database (or the local spool) before the page says the run will be recorded.
    ok, message = database(get_recorder(attach=True).register, pinned, code, seat["student"], seat["token"])
    st.session_state["_class_note"] = (job.id, code, ok, message)
    return job


def run_note_ui(seat, job):
    """What happens to the current run for the class: to be recorded, recorded, or why not."""
    note = st.session_state.get("_class_note")
    if seat is None or job is None or note is None or note[:2] != (job.id, seat["code"]):
        return
    _, code, ok, message = note
    if ok and job.finished:  # a registered run that has ended since
        ok = job.status == Status.FINISHED
        message = (f"Not recorded for class {code}: this run ended as '{job.status}'." if not ok
                   else f"This run finished; it is kept and recorded for class {code} when the database is back."
                   if get_recorder().problem else f"This run finished and is recorded for class {code}.")
    if ok:
        st.info(message, icon=":material/groups:")
    else:
        st.warning(message, icon=":material/rule:")
