"""A server with room for one worker (a small hosted container): a page whose run waits says that runs take turns."""
import os
import subprocess
import sys

from tests.conftest import ROOT

ONE_WORKER = """
from app_pages import live, services
from tests import apptest
at = apptest.open_page("app_pages/mnist.py", epochs=50, train_size=20000, lr=0.01, seed=401)
assert services.get_runner().max_workers == 1
at.button(key="train").click().run()
first = services.get_runner().get(at.session_state["mnist_current"])
at.button(key="twin").click().run()  # a second run (its twin without dropout) waits for the one worker
second = services.get_runner().get(at.session_state["mnist_current"])
assert second is not first and second.status == "queued", second.status
assert not at.exception and [c.value for c in at.caption].count(live.TAKE_TURNS) == 1, [c.value for c in at.caption]
services.get_runner().shutdown()
"""


def test_a_waiting_run_on_a_one_worker_server_says_runs_take_turns():
    env = {**os.environ, "RUNNER_WORKERS": "1"}
    done = subprocess.run([sys.executable, "-c", ONE_WORKER], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
