"""Start the real app with `streamlit run` on a free loopback port (for browser tests and the load script)."""
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = "/usr/bin/chromium"
# The Train button's accessible name; Streamlit 1.65 (Python 3.10) reads its icon's name too: "play_arrow Train".
TRAIN = re.compile(r"^(\w+\s+)?Train$")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(timeout=60, port=None, env=None, log=None, wrap=()):
    """Yield (base url, server process) of a fresh app; stop it (and its workers) afterwards.

    env: extra environment variables; log: a file for the server's stderr (default: a temporary one); wrap: a
    command prefix that execs the rest (benchmarks/container.py). It runs in a process group of its own
    (os.killpg reaches it and its workers, as a host killing a container would).
    """
    port = port or free_port()
    own_log = log is None
    log = tempfile.TemporaryFile() if own_log else log  # a file, not a pipe: a chatty server never blocks on it
    proc = subprocess.Popen([*wrap, sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port",
                             str(port), "--server.address", "127.0.0.1"], cwd=ROOT, start_new_session=True,
                            env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError("streamlit did not start: " + log.read().decode(errors="replace")[-2000:])
                time.sleep(0.3)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        if own_log:
            log.close()


def class_student_trains(browser, url, code, nickname):
    """In a fresh browser context, a student opens the class link, presses Train, sees the run registered for the
    class, and closes the tab (a class without guesses first)."""
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{url}/mnist?class={code}&student={nickname}")
    expect(page.get_by_text(f"You are in class {code}.")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name=TRAIN).click()
    expect(page.get_by_text(re.compile(f"(will be|it is) recorded for class {code}"))).to_be_visible(timeout=30_000)
    context.close()
