"""Shared fixtures: the project on sys.path, a small MNIST, a live app server and a headless browser."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tests.app_server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    from core.data import load_mnist
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
