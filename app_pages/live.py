"""Live runs on a page: status lines and charts drawn in the browser from the app's progress route.

The component (live_runs.js) is mounted once per set of runs, with constant data: the runs' tokens, the
charts' Vega-Lite specs (built with Altair, without data) and the poll interval. It polls /api/runs/{token}
while the runs live, so watching costs the server one small JSON answer a second instead of a script rerun,
and when they end it asks for one rerun of the fragment that holds it, which draws what follows a run.
"""
import hashlib
import pathlib

import streamlit as st

from core.views import describe
from app_pages import services
from core.status import Status

HERE = pathlib.Path(__file__).parent
VENDOR_VERSION = "vega6.2.0-lite6.4.1-embed7.1.0"  # in the libraries' URLs: a new version is a new URL
POLL_S = 1.0  # seconds between polls while a run trains
QUEUED_POLL_S = 3.0  # ... and while every run of a chart only waits in the queue
TAKE_TURNS = ("This server has room for one training at a time, so runs take turns: a waiting run starts when "
              "the ones ahead of it have ended.")

_SOURCES = {"dropout_live_runs": ((HERE / "live_runs.js").read_text(), (HERE / "live_runs.css").read_text()),
            "dropout_watch": ((HERE / "watch.js").read_text(), None),
            "dropout_pad": ((HERE / "pad.js").read_text(), (HERE / "pad.css").read_text())}
_registered = {}  # (name, runtime) -> the component's mount function


def _component(name):
    """The mount function of one of the app's components, registered once per Streamlit runtime.

    One runtime serves the app; AppTest makes one per test, and Streamlit 1.65 (Python 3.10) finds a
    component only on the runtime it was registered on.
    """
    from streamlit.runtime import Runtime

    key = (name, id(Runtime.instance()) if Runtime.exists() else None)
    if key not in _registered:
        js, css = _SOURCES[name]
        _registered[key] = st.components.v2.component(name, js=js, css=css)
    return _registered[key]


def runs_ui(runs, charts=(), each=False, summary=None, key=None):
    """Mount the live component for runs: [(label or None, job, with its own status line)].

    charts: [(rows, spec)], rows "loss" or "accuracy" (what core.views.live sends), spec a Vega-Lite dict whose
    rows come from the dataset named "rows". each: rerun when any run ends (not only when all have).
    summary: a label for one progress line over all runs (e.g. "Sweep"). Returns the mounted data (for tests).
    """
    named = [(label, job.events) for label, job, _ in runs]
    data = {"runs": [{"token": job.token, "label": label, "status": bool(status), "live": not job.finished}
                     for label, job, status in runs],
            "charts": [{"rows": rows, "spec": described(rows, spec, named)} for rows, spec in charts],
            "interval": POLL_S, "queued_interval": QUEUED_POLL_S, "each": bool(each), "summary": summary, "vendor": VENDOR_VERSION,
            "viewer": services.viewer_id()}
    if any(job.status == Status.QUEUED for _, job, _ in runs) and services.get_runner().max_workers == 1:
        st.caption(TAKE_TURNS)  # e.g. a small hosted container: one worker is all that fits beside the server
    if key is None:
        key = "live-" + hashlib.sha1("".join(r["token"] for r in data["runs"]).encode()).hexdigest()[:12]
    _component("dropout_live_runs")(key=key, data=data, on_ended_change=_ignore)
    if charts:
        numbers_ui(named)
    return data


def described(rows, spec, named):
    """The spec with its sentence (its accessible name in the browser): what the chart shows as it is drawn."""
    title = spec.get("title")
    title = title.get("text") if isinstance(title, dict) else title
    return {**spec, "description": describe.live_sentence(rows, named, title)}


def numbers_ui(named):
    """The live charts' numbers as a plain table (what a screen reader reads best), one click away."""
    with st.expander("The charts' numbers, as a table", icon=":material/table:"):
        table = describe.runs_table(named)
        if table.empty:
            st.caption("No epoch measured yet: the table fills in as the run goes and when it ends.")
        else:
            st.table(table.style.format({"moving loss": "{:.4f}", "train acc": "{:.2%}", "test acc": "{:.2%}"},
                                        na_rep="-").hide(axis="index"))


def _ignore():
    """The 'ended' trigger needs a callback to count as a widget event; the rerun itself is what matters."""


WATCH_S = 2.0  # seconds between the class board's checks for something new


def watch_ui(url, version, key):
    """Mount a watch on a JSON route of the app answering {"version": ...}: one rerun of the enclosing
    fragment when it differs from `version`. Returns the mounted data (for tests)."""
    data = {"url": url, "version": version, "interval": WATCH_S}
    _component("dropout_watch")(key=key, data=data, height=0, on_changed_change=_ignore)
    return data


def pad_ui(key, side=280, pad=140, stroke=22, pause=0.5):
    """Mount the drawing pad; returns its result: .drawing (base64 grey levels, in the rerun after a stroke) or
    .cleared (in the rerun after Clear), else None. Its data stays the same, so reruns keep the drawing."""
    data = {"side": side, "pad": pad, "stroke": stroke, "pause": pause}
    return _component("dropout_pad")(key=key, data=data, on_drawing_change=_ignore, on_cleared_change=_ignore)
