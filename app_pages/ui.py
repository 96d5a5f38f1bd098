"""Streamlit helpers the lesson pages share: the runner, link parameters, hidden controls, errors.

Widget keys are also the link's query parameters (bind="query-params"). Streamlit silently drops
a bad link value, so `fix_link` checks the raw values first against core.config, rewrites the URL
with clamped values, and returns notes that the page shows.
"""
import atexit
import gc
import io
import os
import random
import sys
import threading
import time
import uuid
from urllib.parse import urlencode

import streamlit as st
from PIL import Image

from core.config import PARAMS, parse_value
from core.data import DataError, check_files
from core.runner import QUEUED, Runner
from core.runner.jobs import make_backend
from app_pages import turns


@st.cache_resource(show_spinner="Starting the training workers...")
def get_runner():
    """The one Runner of this server process, shared by every session.

    Where it trains: RUNNER_ADDRESS or `[runner] address` in secrets (unset: worker processes here;
    'ray' or 'ray://host:port': Ray). `[runner] workers` caps its slots (several servers sharing a cluster).
    """
    address = os.environ.get("RUNNER_ADDRESS") or str(secret("runner", "address") or "")
    workers = os.environ.get("RUNNER_WORKERS") or secret("runner", "workers")
    runner = Runner(backend=make_backend(address, int(workers) if str(workers or "").isdigit() else None))
    atexit.register(runner.shutdown)
    return runner


def secret(*path):
    """A value from the app's secrets (e.g. secret("runner", "address")), or None."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        value = st.secrets
        for name in path:
            value = value.get(name) if hasattr(value, "get") else None
        return value
    except Exception:  # noqa: BLE001 - an unreadable secrets file must not break a page
        return None


@st.cache_data(ttl=30, show_spinner=False)
def data_problem():
    """None when the bundled MNIST files are intact, else a message naming the bad file (checked at most every 30 s)."""
    try:
        check_files()
    except DataError as err:
        return str(err)
    return None


def training_ready():
    """True when training can run now; otherwise the page shows why, in one sentence, and gets False."""
    problem = training_unavailable()
    if problem:
        st.error(f"Training is unavailable: {problem}", icon=":material/error:")
    return problem is None


def training_unavailable():
    """A message saying why training cannot run now, or None; restarts workers once the data is fixed."""
    problem = data_problem()
    if problem:
        return problem
    try:
        runner = get_runner()
    except (RuntimeError, ValueError) as err:  # e.g. RUNNER_ADDRESS names a Ray cluster that cannot be reached
        return str(err)
    if runner.worker_error:
        error = runner.worker_error
        runner.retry_workers()  # try again on the next visit (e.g. once the files are restored)
        return f"the training workers could not start: {error}"
    return None


def viewer_id():
    """A stable id for this browser session, so the runner knows who is watching a job."""
    return st.session_state.setdefault("_viewer", uuid.uuid4().hex)


def _as_text(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def fix_link(page, names):
    """Clamp or drop this page's bad link values (once per session) and return the notes to show."""
    key = f"_link_notes_{page}"
    if key in st.session_state:
        return st.session_state[key]
    notes = []
    for name in names:
        raw = st.query_params.get(name)
        if raw is None:
            continue
        value, note = parse_value(name, raw)
        if value is None:
            del st.query_params[name]
        elif _as_text(value) != raw:
            st.query_params[name] = _as_text(value)
        if note:
            notes.append(note)
    st.session_state[key] = notes
    if notes:
        st.rerun()  # so the widgets read the corrected URL
    return notes


def show_link_notes(notes):
    for note in notes:
        st.warning(f"Link value fixed: {note}", icon=":material/link_off:")


def hidden():
    """Names a teacher hid through the link, e.g. ?hide=lr,batch_size."""
    return {name.strip() for name in st.query_params.get("hide", "").split(",") if name.strip()}


def hidden_value(name, default):
    """The value of a control that is hidden: its link value if valid, else the default."""
    raw = st.query_params.get(name)
    value = parse_value(name, raw)[0] if raw is not None else None
    return default if value is None else value


def param_widget(widget, name, label, default=None, **kwargs):
    """A widget for PARAMS[name], bound to the link, or its value when the teacher hid it."""
    p = PARAMS[name]
    default = p.default if default is None else default
    if name in hidden():
        return hidden_value(name, default)
    if getattr(widget, "__name__", "") in ("slider", "number_input"):  # also a column's col.slider
        kwargs.setdefault("step", p.step)
        return widget(label, *p.bounds(), p.kind(default), key=name, help=p.help,
                      bind="query-params", **kwargs)
    return widget(label, key=name, help=p.help, bind="query-params", **kwargs)


def share_link_ui(values, defaults):
    """A switch that shows a link reproducing this page's setup (and its hidden controls).

    A switch, not an expander: a plain expander's content is drawn even while closed, and the code box that
    gives the link its copy button loads a large browser module on every page load.
    """
    if not st.toggle("Share this setup", key="share_link"):
        return
    params = {k: _as_text(v) for k, v in values.items() if v != defaults.get(k)}
    if hidden():
        params["hide"] = ",".join(sorted(hidden()))
    url = (st.context.url or "") + ("?" + urlencode(params) if params else "")
    st.caption("Copy this link into the class chat; it opens the page with these settings. "
               "Add hide=name1,name2 to hide controls from students.")
    st.code(url, language=None)


def jobs(ids):
    """This session's jobs for these ids, in order; None where the runner has forgotten one."""
    runner, viewer = get_runner(), viewer_id()
    return [runner.get(i, viewer) for i in ids]


def any_running(jobs):
    return any(not j.finished for j in jobs)


def live_ui(get_jobs, draw, running=None):
    """draw(get_jobs()) now and, while any of those jobs runs, every tick_seconds() as a fragment.

    When the last one ends, one full rerun turns the polling off and lets the page show what follows a run.
    `running`: whether any ran when the page drew what depends on it (default: now), so a run that ends in
    between still gets that full rerun. The interval is chosen once, when the page is drawn: a fragment
    keeps the interval it started with, and changing it would take a full rerun of every watching page at
    the moment the class is busiest.
    """
    if running is None:
        running = any_running(get_jobs())
    if not running:
        # Drawn plainly, not as a fragment: a redraw request still on its way from the browser then names
        # a fragment that no longer exists, and Streamlit ignores it instead of starting a new script
        # runner that would drop this run's last messages (and leave the page without its final state).
        draw(get_jobs())
        return

    timed = False  # the first call is in the page's own run, which a person may be waiting for: no stagger there

    def body():
        nonlocal timed
        now = get_jobs()
        if not any_running(now):
            if timed:
                stagger()
            st.session_state["_run_ended"] = True  # a class's runs end together: their redraws wait for page loads
            st.rerun(scope="app")  # the full rerun draws the final state: not drawn here first as well
        timed = True
        draw(now)

    fragment(body, tick_seconds())


def fragment(body, run_every):
    """body() now and, every run_every seconds (None: never), again on its own, guarded like the page.

    A timed rerun calls only the fragment, never the page's main, so the fragment needs its own guard.
    """
    st.fragment(lambda: guarded(body, turns.REDRAW if run_every else turns.PAGE), run_every=run_every)()


OPEN_S = 1800  # a page drawn this recently counts as open (a lesson's length: an idle tab does not rerun)


_visits, _visits_lock = {}, threading.Lock()  # viewer id -> when its page last ran in full


def note_visit():
    """Called by every full run of a page: this session is open now (and old visits are forgotten)."""
    now = time.monotonic()
    with _visits_lock:
        _visits.pop(viewer_id(), None)
        _visits[viewer_id()] = now  # dicts keep insertion order: the oldest visits come first
        while _visits and next(iter(_visits.values())) < now - OPEN_S:
            _visits.pop(next(iter(_visits)))


@st.cache_data(ttl=1, show_spinner=False)
def class_size():
    """Sessions that drew a page in the last OPEN_S seconds, or watch a running job now (the larger):
    counted at most once a second for the whole server."""
    cutoff = time.monotonic() - OPEN_S
    with _visits_lock:
        recent = sum(seen >= cutoff for seen in _visits.values())
    return max(recent, get_runner().watchers())


QUIET_CLASS = 10  # open pages up to which redraws come every 0.5 s, Train waits for a first point and run ends
                  # are not spread out


def in_class():
    """More pages open than QUIET_CLASS: the server paces itself for a room."""
    return class_size() > QUIET_CLASS


def tick_for(pages):
    """Seconds between live redraws with this many pages open.

    Every redraw of every watching page costs the server several milliseconds of Python on its one
    process; slower redraws for a bigger class keep pages and sliders responsive. A class's pages are
    open before its Train burst, so every run's interval fits the room from its start. Measured with 30
    students (tests/load.py): redraws every 2 s instead of every 1 s brought the slowest dropout page load
    from 3.0-3.4 s to 2.1-2.6 s and the slider's p95 from 0.77-1.06 s to 0.54-0.63 s.
    """
    return 0.5 if pages <= QUIET_CLASS else 2.0 if pages <= 80 else 3.0


def tick_seconds():
    return tick_for(class_size())


def stagger():
    """In a class, wait a random moment (up to one live tick) before the full redraw that follows a run's end.

    The students watching a shared run all see it end within one tick, and their full reruns (each the whole
    page, ~40 messages) arrived together: a page load that met them took 4.2 s with 100 students (measured).
    Spread out, the room sees its results a second or two apart, as it would anyway. With up to QUIET_CLASS
    open pages, no wait. A click during the wait starts a new run at once (Streamlit stops this one).
    """
    if in_class():
        with TURNS.stepped_out(back=turns.BULK):  # a sleeping script lets the others run
            time.sleep(random.uniform(0, tick_seconds()))


def wait_for_first_point(job, timeout=0.8):
    """Right after Train, give a warm worker a moment to report its first loss, so this very rerun draws it.

    Waits out of turn, on an event the runner sets. Not in a class: there the wait held the Train answers of
    everyone on a shared run until its first point and then released them all at once (30 students, four runs:
    Train answered p95 1.2-1.7 s, median up to 1.9 s, against p95 0.2-0.7 s without the wait), so the script
    returns at once and the next live tick draws the chart. A run that has to queue shows its position at once.
    """
    runner = get_runner()
    if in_class() or (job.status == QUEUED and runner.busy_workers() == runner.max_workers):
        return
    with TURNS.stepped_out(back=turns.BULK):  # back in line as the Train rerun it is
        job.first_point.wait(timeout)


TURNS = turns.Turns(2)  # two, not one: a script waiting on the database or the MXNet thread does not stop the rest
# The event loop (page loads, every message to a browser) gives up the interpreter at every socket call, and
# while a script computes, taking it back waits up to the switch interval (5 ms by default): a class's Train
# burst queues ~3,000 messages, and at 1 ms the loop sent almost none for two seconds (measured).
sys.setswitchinterval(0.0002)

_frozen_at = 0  # len(sys.modules) when the long-lived objects were last set aside
_freeze_lock = threading.Lock()


def set_aside_long_lived():
    """After a full page run (streamlit_app.py calls this) that imported modules: collect everything, then
    leave every object alive now out of Python's later full collections (gc.freeze).

    A full collection stops every thread while it walks all long-lived objects, ~230,000 here and almost all
    from imports (functions, classes, their dicts): 0.2-0.3 s each, several times during a class. Imports end
    after the first visit of each page (measured: four times per server, during the warm-up visits). What was
    set aside is unfrozen and collected again each time, so garbage cycles it held (e.g. of a session that
    closed since) are freed then; between two such times they wait, and refcounting frees everything else.
    """
    global _frozen_at
    if len(sys.modules) == _frozen_at:
        return
    with _freeze_lock:
        modules = len(sys.modules)
        if modules != _frozen_at:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            _frozen_at = modules


def guarded(page_main, urgency=None):
    """Run a page body in its turn (app_pages.turns); an unexpected error becomes a short message instead of
    a traceback. urgency: turns.PAGE, BULK or REDRAW; default PAGE, or BULK for the redraw after a run ended."""
    ended = urgency != turns.REDRAW and st.session_state.pop("_run_ended", False)
    if urgency is None:
        urgency = turns.BULK if ended else turns.PAGE
    try:
        with TURNS.turn(urgency):
            page_main()
    except Exception as err:  # noqa: BLE001 - Streamlit's own rerun/stop signals are BaseExceptions
        st.error(f"Something went wrong on this page: {type(err).__name__}: {err}. "
                 "Reload the page; if it happens again, tell your teacher.", icon=":material/error:")


def show_pngs(container, key, pictures, **image_args):
    """container.image of pngs(key, pictures), sent as the PNGs they are.

    On output_format="auto" Streamlit re-encodes a PNG without an alpha channel as a JPEG at every rerun
    (~1 ms per picture, and blurred digits).
    """
    container.image(pngs(key, pictures), output_format="PNG", **image_args)


@st.cache_data(max_entries=256, show_spinner=False)
def pngs(key, _pictures):
    """PNG bytes of a job's pictures (2-D uint8 arrays), encoded once per key for every session (show_pngs
    draws them).

    key: what the pictures are, e.g. (runner, job id, which); _pictures(): makes them, on the first call only.
    """
    out = []
    for picture in _pictures():
        buffer = io.BytesIO()
        Image.fromarray(picture).save(buffer, format="PNG")
        out.append(buffer.getvalue())
    return out


def job_key(job, *which):
    """A cache key for what a job produced: job ids restart with the runner (e.g. in tests)."""
    return (id(get_runner()), job.id, *which)

