"""Server tuning (app_pages.tuning): one switch turns it all off; what it does when on."""
import gc
import os
import subprocess
import sys
import types

from app_pages import tuning
from tests.conftest import ROOT


def test_objects_alive_after_new_imports_are_collected_then_frozen_once(monkeypatch):
    def frozen(obj):  # gc.get_objects() lists what the collector still walks; frozen objects are left out
        return not any(o is obj for o in gc.get_objects())

    monkeypatch.setattr(tuning, "ENABLED", True)
    try:
        tuning.set_aside_long_lived()  # whatever this process imported so far: set aside once
        early = [{"made": "before any new import"}]  # a container gc tracks
        tuning.set_aside_long_lived()  # no new module: nothing is frozen
        assert not frozen(early)
        monkeypatch.setitem(sys.modules, "a_new_module", types.ModuleType("a_new_module"))
        tuning.set_aside_long_lived()  # a new module: what is alive now is set aside
        assert frozen(early)
        late = [{"made": "after"}]
        tuning.set_aside_long_lived()  # nothing new since: not again
        assert not frozen(late)
    finally:
        gc.unfreeze()


def test_one_switch_turns_the_tuning_off():
    code = """
import sys, threading, time
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
if {on}:  # a third script waits in line for a turn until one is given back
    deadline = time.monotonic() + 10
    while tuning.TURNS.waiting() != 1:
        assert time.monotonic() < deadline, "the third script never queued for a turn"
        time.sleep(0.01)
    assert not third.is_set()
else:  # nobody takes turns: the third script runs while the two still hold theirs
    assert third.wait(10) and not release.is_set()
release.set()
assert third.wait(10)
"""
    for value, on in (("0", False), ("1", True)):
        env = {**os.environ, "DROPOUT_SERVER_TUNING": value}
        subprocess.run([sys.executable, "-c", code.format(on=on)], cwd=ROOT, env=env, check=True, timeout=60)
