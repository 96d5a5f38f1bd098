"""Every page body runs guarded: an unexpected error is logged with its traceback for the server and shown
to the student as one sentence; parts of a page that change on a click or a run's end are fragments."""
import logging

import streamlit as st

from core.runner.jobs import QueueFull
from app_pages import tuning

log = logging.getLogger(__name__)


def guarded(body, urgency=tuning.PAGE):
    """body() in its turn (app_pages.tuning); an unexpected error becomes one sentence on the page."""
    try:
        with tuning.turn(urgency):
            body()
    except QueueFull as err:  # the server is full: not a fault, a sentence
        st.warning(str(err), icon=":material/hourglass_top:")
    except Exception as err:  # noqa: BLE001 - Streamlit's own rerun/stop signals are BaseExceptions
        log.exception("A page body failed: %s", getattr(body, "__qualname__", body))
        st.error(f"Something went wrong on this page ({type(err).__name__}). Reload the page; if it happens "
                 "again, tell your teacher.", icon=":material/error:")


def fragment(body):
    """body() now and, on its own, whenever a widget or a live chart inside it asks for a rerun.

    Train, Stop and a run's end then rerun this part of the page, not the whole page. A rerun of the
    fragment calls only the fragment, never the page's main, so it is guarded on its own.
    """
    st.fragment(lambda: guarded(body, tuning.BULK))()


def rerun_part():
    """Rerun the fragment this runs in (during the page's own run, when the fragment ran inline: the page)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.rerun(scope="fragment")
    except StreamlitAPIException:  # not a fragment rerun (Streamlit allows scope="fragment" only in those)
        st.rerun()
