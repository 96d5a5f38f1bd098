"""The server sets its import-time objects aside from Python's full collections, once per wave of imports."""
import gc
import sys

from app_pages import ui


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
