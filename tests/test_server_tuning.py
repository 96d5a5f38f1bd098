"""Server tuning (app_pages.tuning): one switch turns it all off; what it does when on."""
import gc
import os
import subprocess
import sys
import types

from app_pages import tuning
from tests.conftest import ROOT


def test_objects_alive_after_new_imports_are_collected_then_frozen_once(monkeypatch):
    calls, modules = [], dict(sys.modules)
    for name in ("unfreeze", "collect", "freeze"):
        real = getattr(gc, name)
        monkeypatch.setattr(gc, name, lambda *args, _real=real, _name=name: calls.append(_name) or _real(*args))
    monkeypatch.setattr(tuning, "sys", types.SimpleNamespace(modules=modules))  # imports only this test makes
    monkeypatch.setattr(tuning, "_frozen_at", len(modules))
    monkeypatch.setattr(tuning, "ENABLED", True)
    alive = [{"made": "now"}]  # a container gc tracks, alive during the call
    try:
        tuning.set_aside_long_lived()  # no new module: nothing to do
        assert calls == []
        modules["a_new_module"] = types.ModuleType("a_new_module")
        tuning.set_aside_long_lived()
        assert calls == ["unfreeze", "collect", "freeze"]
        assert not any(o is alive for o in gc.get_objects())  # set aside: no collection walks it any more
        tuning.set_aside_long_lived()
        assert calls == ["unfreeze", "collect", "freeze"]
    finally:
        gc.unfreeze()


def test_one_switch_turns_the_tuning_off():
    code = """
import sys, threading
from app_pages import tuning
interval = sys.getswitchinterval()
tuning.apply()
assert (sys.getswitchinterval() < interval) is {on}
held, release, third = threading.Barrier(3), threading.Event(), threading.Event()
def hold():
    with tuning.turn(), tuning.turn(tuning.BULK):  # a script may enter its own turn again
        held.wait(5)
        release.wait(5)
def another():
    with tuning.turn():
        third.set()
for target in (hold, hold):
    threading.Thread(target=target, daemon=True).start()
held.wait(5)  # two scripts hold the two turns
threading.Thread(target=another, daemon=True).start()
assert third.wait(0.5) is not {on}  # with the tuning on, a third script waits for a turn
release.set()
assert third.wait(5)
"""
    for value, on in (("0", False), ("1", True)):
        env = {**os.environ, "DROPOUT_SERVER_TUNING": value}
        subprocess.run([sys.executable, "-c", code.format(on=on)], cwd=ROOT, env=env, check=True, timeout=60)
