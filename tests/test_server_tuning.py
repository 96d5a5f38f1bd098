"""Server tuning: import-time objects set aside from full collections; run-end redraws spread out in a class."""
import gc
import sys
import threading
import types

import pytest

from app_pages import turns, ui


def test_objects_alive_after_new_imports_are_collected_then_frozen_once(monkeypatch):
    calls, modules = [], dict(sys.modules)
    for name in ("unfreeze", "collect", "freeze"):
        real = getattr(gc, name)
        monkeypatch.setattr(gc, name, lambda *args, _real=real, _name=name: calls.append(_name) or _real(*args))
    monkeypatch.setattr(ui, "sys", types.SimpleNamespace(modules=modules))  # imports only this test makes
    monkeypatch.setattr(ui, "_frozen_at", len(modules))
    alive = [{"made": "now"}]  # a container gc tracks, alive during the call
    try:
        ui.set_aside_long_lived()  # no new module: nothing to do
        assert calls == []
        modules["a_new_module"] = types.ModuleType("a_new_module")
        ui.set_aside_long_lived()
        assert calls == ["unfreeze", "collect", "freeze"] and ui._frozen_at == len(modules)
        assert not any(o is alive for o in gc.get_objects())  # set aside: no collection walks it any more
        ui.set_aside_long_lived()
        assert calls == ["unfreeze", "collect", "freeze"]
    finally:
        gc.unfreeze()


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
