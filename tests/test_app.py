"""The app as a whole: core stays free of Streamlit, and the home page renders."""
import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

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
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


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


def test_streamlit_run_finds_the_app_and_serves_its_routes(app_url):
    """`streamlit run streamlit_app.py` finds the App (Streamlit's AST discovery) and serves the live routes."""
    from pathlib import Path

    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(Path(ROOT) / "streamlit_app.py")
    assert found.is_asgi_app and found.import_string == "streamlit_app:app"
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(app_url + "/api/runs/no-such-run", timeout=10)
    assert gone.value.code == 404 and "press Train" in json.loads(gone.value.read())["error"]
    with urllib.request.urlopen(app_url + "/api/vendor/vega.min.js?v=1", timeout=10) as vega:
        assert vega.status == 200 and b"vega" in vega.read(200)
