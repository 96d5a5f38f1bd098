"""Server tuning: import-time objects set aside from full collections; run-end redraws spread out in a class."""
import gc
import sys
import threading

import pytest

from app_pages import turns, ui


def test_objects_alive_after_new_imports_are_frozen_once(monkeypatch):
    collections = []
    monkeypatch.setattr(ui, "_frozen_at", 0)  # as if modules were imported since the last freeze
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    before = gc.get_freeze_count()
    alive = [{"made": "now"}]  # a container gc tracks, alive during the call
    ui.set_aside_long_lived()
    assert collections == [()] and ui._frozen_at == len(sys.modules)
    assert gc.get_freeze_count() > before
    assert not any(o is alive for o in gc.get_objects())  # set aside: no collection walks it any more
    ui.set_aside_long_lived()  # no new imports: nothing collected, nothing frozen
    assert collections == [()]


def test_in_a_class_the_redraw_after_a_run_waits_out_of_turn(monkeypatch):
    monkeypatch.setattr(ui, "TURNS", turns.Turns(1))
    monkeypatch.setattr(ui, "class_size", lambda: ui.QUIET_CLASS + 1)
    monkeypatch.setattr(ui, "tick_seconds", lambda: 0.5)
    monkeypatch.setattr(ui.random, "uniform", lambda lo, hi: hi)  # the longest wait
    waited, done = threading.Event(), threading.Event()

    def student():
        with ui.TURNS.turn(turns.BULK):
            waited.set()
            ui.stagger()
            done.set()  # still in turn: had it kept its turn while waiting, this came first

    threading.Thread(target=student, daemon=True).start()
    assert waited.wait(5)
    with ui.TURNS.turn():  # the only turn is free while that redraw waits
        assert not done.is_set()
    assert done.wait(5)


def test_alone_the_redraw_after_a_run_does_not_wait(monkeypatch):
    class Turns:
        def stepped_out(self):
            pytest.fail("waited")

    monkeypatch.setattr(ui, "class_size", lambda: 1)
    monkeypatch.setattr(ui, "TURNS", Turns())
    ui.stagger()
