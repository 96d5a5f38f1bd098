"""The app as a whole: core stays free of Streamlit, and the home page renders."""
import subprocess
import sys

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_core_never_imports_streamlit():
    code = ("import sys, core.ops, core.model, core.data, core.train, core.runner, core.config, core.charts, "
            "core.worker, core.bench, core.playground, core.memorize; assert 'streamlit' not in sys.modules, 'core imported streamlit'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_home_page_renders_and_links_the_lessons():
    at = AppTest.from_file(f"{ROOT}/streamlit_app.py", default_timeout=30).run()
    assert not at.exception
    assert "Dropout" in at.title[0].value
    text = " ".join(m.value for m in at.markdown)
    assert "probability" in text
