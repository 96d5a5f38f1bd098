"""The class's shared view for every page: this server's class database and recorder, one cached read per class,
its version (what the board's watch compares), and unknown codes told apart without a read each.

The teacher's part is app_pages.class_teacher, the student's seat and guess app_pages.class_seat. The database URL
is CLASSBOARD_URL, else `[connections.classboard] url` in the app's secrets (the same place st.connection reads),
else the SQLite file beside the app. Nothing a student typed is rendered as markup: nicknames appear only in text
inputs, st.text, charts' tooltips and tables, never in st.markdown (even escaped, Markdown turns a bare http://...
into a link).
"""
import atexit
import hashlib
import hmac
import logging
import os
import secrets

import streamlit as st

from core.classboard import Board, BoardUnavailable, Recorder, UnknownClass, resolve_url, results
from core.classboard.known import KnownCodes
from app_pages import services, tuning

UNKNOWN = "There is no class with code {}. Check the link or the code your teacher shared."
BUSY = "The class board is busy; try again in a moment."
log = logging.getLogger(__name__)
_WATCH_SECRET = secrets.token_bytes(32)  # this server process's: a board page's watch key is made with it


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
    return database(_checked_view, url, code)


@st.cache_resource(show_spinner=False)
def known_codes(url):
    """Which codes name a class (core.classboard.known): a flood of made-up codes costs no database read each."""
    return KnownCodes(_board(url).get_class)


def _checked_view(url, code):
    try:
        known = known_codes(url).exists(code)
    except BoardUnavailable as err:
        return {"problem": str(err)}
    if known is None:  # a flood of unknown codes just now: no answer that tells a code apart
        return {"problem": BUSY}
    if not known:
        return {"unknown": UNKNOWN.format(code)}
    return _class_view(url, code)


@st.cache_data(ttl=VIEW_TTL, show_spinner=False, max_entries=100)
def _class_view(url, code):
    try:
        info, rows, joined, guesses = _board(url).snapshot_with_guesses(code)
    except UnknownClass:
        return {"unknown": UNKNOWN.format(code)}
    except BoardUnavailable as err:
        return {"problem": str(err)}
    try:
        training, outcomes = _board(url).registration_outcomes(code)
    except BoardUnavailable as err:
        return {"problem": str(err)}
    _known[code] = info
    points, curves = results.frames(info.setup, rows)
    return {"info": info, "points": points, "curves": curves, "joined": joined, "training": training,
            "stopped": results.stopped_runs(info.setup, rows),
            "closed_out": sum(n for outcome, n in outcomes.items() if "closed" in outcome),
            "covered": results.coverage(info.setup, points), "findings": results.findings(info.setup, points),
            "guesses": guesses, "guess_findings": results.guess_findings(info.setup, points, guesses, info.revealed)}


def _clear():
    _class_view.clear()
    known_codes(board_url()).forget()


class_view.clear = _clear  # a page that just changed a class shows it at once
_known = {}  # code -> the class as last read: a student who opens the link while the database is away still
             # gets its settings in the form, so the run counts for the class once the database is back


def known(code):
    """The class as last read by this server (None if never): its settings while the database is away."""
    return _known.get(code)


def version(url, code, view=None):
    """A short text that changes whenever the board of this class would show something new (runs, joins,
    runs training, the class closed, the database away or back): what the board's live check compares."""
    view = class_view(url, code) if view is None else view
    if "info" not in view:
        return "unknown" if "unknown" in view else "away"
    points = view["points"]
    last = int(points.run.max()) if len(points) else 0
    return (f"{len(points)}.{last}.{len(view['stopped'])}.{view['joined']}.{int(view['info'].closed)}.{view['training']}."
            f"{len(view['guesses'])}.{sum(g['locked'] for g in view['guesses'])}.{int(view['info'].revealed)}."
            f"{bool(db_note(view))}")


def watch_key(code):
    """The key a board page's watch sends with its class's route: made by this server for pages it drew, so the
    route answers nobody who merely tries codes (core.classboard.known covers the pages themselves)."""
    return hmac.new(_WATCH_SECRET, code.encode(), hashlib.sha256).hexdigest()[:32]


def watch_url(code):
    return f"api/classes/{code}?key={watch_key(code)}"


def export_csv(code):
    """The class's runs as CSV, for the download button (or one sentence on what went wrong)."""
    try:
        return get_board().export_csv(code)
    except BoardUnavailable as err:
        return f"The runs could not be exported: {err}\n"
    except Exception:  # noqa: BLE001 - a download must not show a traceback either; the log gets it
        log.exception("The class's runs could not be exported")
        return "The runs could not be exported (the server's log says why).\n"


def db_note(view):
    """The one sentence on what is wrong with the database (reading or writing), or None."""
    return view.get("problem") or get_recorder().note()


def value_text(setup, cell):
    """A cell as students read it, e.g. 'p = 0.3' or '3,000 training images, with dropout 0.5'."""
    if setup.vary == "drop_prob":
        return f"drop probability p = {cell['drop_prob1']:g} in both hidden layers"
    dropout = "without dropout" if cell["drop_prob1"] == 0 else f"with dropout {cell['drop_prob1']:g}"
    return f"{cell['train_size']:,} training images, {dropout}"
