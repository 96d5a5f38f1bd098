"""The student's seat in a class on the MNIST page (/mnist?class=CODE&student=NAME): the banner, the class's settings
put into the form, the run registered for the class, Stop, and what happens to the run (the guess: class_guess).

A class counts one run per member (browser session) and value: later runs train but are not recorded, and the
page says so; a registered run its student stops is recorded as stopped; a run a classmate's registration or the
server holds is not halted by a student who only joined it.
"""
import random

import streamlit as st

from core.classboard import BadCode, BoardUnavailable, UnknownClass, clean_code, clean_nickname, friendly_name
from core.status import Status
from app_pages import class_guess, services
from app_pages.class_ui import board_url, class_view, database, db_note, get_board, get_recorder, known, value_text

NOT_RECORDED = "Training works as usual, but runs are not recorded for a class."


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
    info = view.get("info") or known(code)
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
        seat["guessed"] = class_guess.guess_ui(code, student, seat["token"], info, view, cell)
    note = db_note(view)
    if note:
        st.warning(note, icon=":material/cloud_off:")
    return seat


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
    counts = (f"Recorded for the class: {len(points) + len(view['stopped'])} runs. Yours: "
              f"{int((points.student == student).sum() + (view['stopped'].student == student).sum())}"
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
    if not info.revealed:  # no per-run accuracy before the reveal, not even a chart's dot
        st.caption("The class's results stay hidden until your teacher reveals them.")
        return
    st.caption(f"While yours waits: the class's {len(view['points'])} finished runs so far.")
    setup = info.setup
    st.vega_lite_chart(view["points"], {**board_charts.spec("sweep", setup.vary, min(setup.values), max(setup.values)),
                                        "description": describe.series_sentence(
                                            "The class's mean final test accuracy per value", view["points"], "value",
                                            "test_acc", "series", y_fmt=".1%", y_name="test accuracy")},
                       width="stretch")


def results_shown(seat):
    """Whether this class shows its runs' results to students now (not before the teacher's reveal): a
    classmate's live run, whose route carries its accuracy, is shown only then."""
    info = seat and seat.get("info")
    return bool(info and info.revealed)


def schedule(seat):
    """Settings of a class run that the form does not show: the class's accuracy-check schedule."""
    info = seat and seat.get("info")
    return {"eval_every": info.setup.eval_every} if info else {}


def record_ui(seat, job):
    """After Train on a class link: register the run for the class (pinned: kept if the tab closes), or note why
    it does not count; returns job.

    The sentence is kept with the job's id, so run_note_ui can show it on every rerun while the run is the
    current one, including the full rerun that follows a run that ended within the Train rerun.
    """
    if seat is None:
        return job
    info, code = seat["info"], seat["code"]
    mismatch = info.setup.mismatch(job.config) if info is not None else None
    if mismatch:
        _note(job, code, "refused", f"This run is not recorded for class {code}: {mismatch}.")
        return job
    recorder = get_recorder(attach=True)
    if recorder.holds(job.id, seat["token"]):
        _note(job, code, "registered", "This run is already registered for the class.")
        return job
    # Written to the database (or the local spool) before the page says the run will be recorded; pinned only
    # once it counts, so a run that does not count stays this session's own (its Stop stops it).
    ok, message = database(recorder.register, job, code, seat["student"], seat["token"])
    if ok:
        services.get_runner().submit(job.config, viewer=None, pin=True)  # the same job, now kept if the tab closes
    _note(job, code, "registered" if ok else "refused", message)
    return job


def _note(job, code, kind, message):
    st.session_state["_class_note"] = (job.id, code, kind, message)


def stop_ui(seat, job):
    """Stop pressed on the current run. This session's own class run is cancelled and recorded as stopped (its
    run of that value); a run a classmate's registration or the server holds (pinned) trains on for them, and this
    session only stops following it; any other run stops as on any page."""
    runner, token = services.get_runner(), services.viewer_id()
    if get_recorder().stop(job, token, runner):  # also after its class closed (then it is simply not recorded)
        if seat:
            _note(job, seat["code"], "stopped", f"You stopped this run: it is recorded for class {seat['code']} as "
                                                "stopped, and it counts as your run of this value (later runs of it "
                                                "train but are not recorded).")
    elif job.pinned:
        runner.release(job.id, token)  # no longer one of this session's two runs; the pin keeps it going
        st.session_state.mnist_current = None
        st.info("This run also trains for the class (a classmate's registered run, or the teacher's), so it keeps "
                "running; you no longer follow it here.", icon=":material/groups:")
    else:
        runner.stop(job.id, token)


def run_note_ui(seat, job):
    """What happens to the current run for the class: to be recorded, recorded, stopped, or why not."""
    note = st.session_state.get("_class_note")
    if seat is None or job is None or note is None or note[:2] != (job.id, seat["code"]):
        return
    _, code, kind, message = note
    if kind == "registered" and job.finished:  # a registered run that has ended since
        if job.status != Status.FINISHED:  # e.g. cancelled when the class closed: the run's status says why
            kind, message = "refused", f"Not recorded for class {code}: this run ended as '{job.status}'."
        else:
            message = (f"This run finished; it is kept and recorded for class {code} when the database is back."
                       if get_recorder().problem else f"This run finished and is recorded for class {code}.")
    if kind == "refused":
        st.warning(message, icon=":material/rule:")
    else:
        st.info(message, icon=":material/groups:")
