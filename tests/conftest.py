"""Shared fixtures: the project on sys.path, a small MNIST, a live app server and a headless browser."""
import atexit
import os
import shutil
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests.app_server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# Tests never touch a real class board: every app started by a test (AppTest or `streamlit run`) inherits
# a throwaway SQLite file. Storage tests also run against PostgreSQL when CLASSBOARD_TEST_URL is set.
_BOARD_DIR = tempfile.mkdtemp(prefix="classboard-tests-")
os.environ["CLASSBOARD_URL"] = "sqlite:///" + os.path.join(_BOARD_DIR, "classboard.sqlite3")
os.environ["DROPOUT_NET_CACHE"] = os.path.join(_BOARD_DIR, "nets")  # lesson 4's kept nets: fresh for every run
os.environ["CLASSBOARD_SPOOL"] = os.path.join(_BOARD_DIR, "spool.sqlite3")  # the class board's local spool
atexit.register(shutil.rmtree, _BOARD_DIR, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def board_url(request, tmp_path):
    """An empty class board database: a fresh SQLite file, or the PostgreSQL of CLASSBOARD_TEST_URL (emptied)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/board.sqlite3"
        return
    url = os.environ.get("CLASSBOARD_TEST_URL")
    if not url:
        pytest.skip("CLASSBOARD_TEST_URL is not set (.ci/run starts a throwaway PostgreSQL and sets it)")
    from core.classboard.store import make_engine, metadata
    engine = make_engine(url)
    metadata.drop_all(engine)
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def mnist():
    from core.nn.data import load_mnist
    return load_mnist()


@pytest.fixture(scope="session")
def app_url():
    """`streamlit run streamlit_app.py` on a free loopback port, for the browser tests."""
    from tests.app_server import running_app
    with running_app() as (url, _):
        yield url


@pytest.fixture(scope="session")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


def pytest_configure(config):
    # mxnet 1.9.1 still uses distutils' LooseVersion; its warnings are not ours to fix
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:mxnet.*")
    config.addinivalue_line("markers", "slow: trains for long (full MNIST, hundreds of epochs, a server killed and "
                                       "restarted); left out of the quick loop: -m 'not slow and not browser'")
    config.addinivalue_line("markers", "browser: drives the real app in headless Chromium (marked automatically)")


BROWSER_FIXTURES = {"browser", "page", "app_url"}


def pytest_collection_modifyitems(items):
    """Every test that starts the real app or drives Chromium is a browser test."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
