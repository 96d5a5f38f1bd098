"""The app as a whole: core stays free of Streamlit, and the home page renders."""
import subprocess
import sys

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_core_never_imports_streamlit():
    code = """
import pkgutil, sys, importlib, core
for info in pkgutil.walk_packages(core.__path__, "core."):
    if info.name != "core.runner.ray_backend" or importlib.util.find_spec("ray"):  # Ray is optional
        importlib.import_module(info.name)
assert len([m for m in sys.modules if m.startswith("core.")]) > 20
assert "streamlit" not in sys.modules, "core imported streamlit"
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_home_page_renders_and_links_the_lessons():
    at = AppTest.from_file(f"{ROOT}/streamlit_app.py", default_timeout=30).run()
    assert not at.exception
    assert "Dropout" in at.title[0].value
    text = " ".join(m.value for m in at.markdown)
    assert "probability" in text


def test_pages_never_import_mxnet_on_a_script_thread():
    code = """
import importlib.abc, sys, threading
importers = []
class Spy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "mxnet":
            importers.append(threading.current_thread().name)
sys.meta_path.insert(0, Spy())
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("streamlit_app.py", default_timeout=60).run()
for page in ("app_pages/dropout.py", "app_pages/mnist.py", "app_pages/random_labels.py", "app_pages/predict.py",
             "app_pages/classboard.py"):
    at.switch_page(page).run()
    assert not at.exception, at.exception
assert importers and all(name.startswith("mxnet-ops") for name in importers), importers
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_open_pages_set_the_class_size_that_paces_live_redraws(monkeypatch):
    from app_pages import ui
    tabs = [AppTest.from_file(f"{ROOT}/streamlit_app.py", default_timeout=30).run() for _ in range(3)]
    viewers = {at.session_state["_viewer"] for at in tabs}
    assert len(viewers) == 3 and viewers <= set(ui._visits)  # every full run of a page notes its session
    ui.class_size.clear()
    assert ui.class_size() >= 3
    monkeypatch.setattr(ui, "OPEN_S", -1)  # now every visit is old: closed tabs stop counting ...
    ui.class_size.clear()
    assert ui.class_size() == ui.get_runner().watchers()
    AppTest.from_file(f"{ROOT}/streamlit_app.py", default_timeout=30).run()
    assert not viewers & set(ui._visits)  # ... and the next visit forgets them
    assert [ui.tick_for(n) for n in (1, 10, 11, 30, 80, 100)] == [0.5, 0.5, 2.0, 2.0, 2.0, 3.0]
    ui.class_size.clear()
