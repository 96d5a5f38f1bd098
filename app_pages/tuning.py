"""Server tuning for a class on one small server, in one place, with one switch to compare without it.

DROPOUT_SERVER_TUNING=0 in the environment turns all of it off. What it does:
- Page scripts take turns (app_pages.turns): at most two run at once, page loads and slider moves before a
  class's bulk (Train, a run's end), so a burst of a hundred reruns does not share the interpreter a hundred ways.
- A 0.2 ms interpreter switch interval: Streamlit's event loop gives up the interpreter at every socket call,
  and while scripts compute, taking it back waits up to the switch interval (5 ms by default).
- After a full page run that imported modules, everything alive is collected once and frozen out of later full
  collections (gc.freeze): those walk every long-lived object (~230,000 after the imports) and stop every thread.
"""
import contextlib
import gc
import os
import sys
import threading

from app_pages import turns

ENABLED = os.environ.get("DROPOUT_SERVER_TUNING", "1").strip() != "0"
TURNS = turns.Turns(2)  # two, not one: a script waiting on the database or the MXNet thread does not stop the rest
PAGE, BULK = turns.PAGE, turns.BULK

_frozen_at = 0  # len(sys.modules) when the long-lived objects were last set aside
_freeze_lock = threading.Lock()


def apply():
    """At import of the router, once per process."""
    if ENABLED:
        sys.setswitchinterval(0.0002)


def turn(urgency=PAGE):
    """A context for one page script's turn (a no-op with the tuning off)."""
    return TURNS.turn(urgency) if ENABLED else contextlib.nullcontext()


def stepped_out():
    """A context in which this script, only waiting (e.g. on the database), lets another take its turn."""
    return TURNS.stepped_out() if ENABLED else contextlib.nullcontext()


def set_aside_long_lived():
    """After a full page run: if modules were imported since the last time, collect, then gc.freeze()."""
    global _frozen_at
    if not ENABLED or len(sys.modules) == _frozen_at:
        return
    with _freeze_lock:
        modules = len(sys.modules)
        if modules != _frozen_at:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            _frozen_at = modules
