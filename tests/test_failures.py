"""What users see when things break: damaged data files, and a worker killed mid-run."""
import importlib.util
import os
import shutil
import subprocess
import sys

import pytest
import streamlit as st

import core.nn.data
from core.nn.data import MNIST_FILES
from tests import apptest
from tests.conftest import ROOT


@pytest.fixture
def damaged_data(tmp_path, monkeypatch):
    for name in MNIST_FILES:
        shutil.copy(os.path.join(core.nn.data.DATA_DIR, name), tmp_path / name)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b damaged")
    monkeypatch.setattr(core.nn.data, "DATA_DIR", str(tmp_path))
    st.cache_data.clear()
    yield "train-labels-idx1-ubyte.gz"
    st.cache_data.clear()


def page(path):
    return apptest.open_page(path)


@pytest.mark.parametrize("path", ["app_pages/mnist.py", "app_pages/random_labels.py"])
def test_training_pages_name_the_damaged_file(damaged_data, path):
    at = page(path)
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert damaged_data in errors and MNIST_FILES[damaged_data] in errors
    assert not [b for b in at.button if b.key == "train"], "Train must not be offered without data"


def test_dropout_page_still_works_without_data(damaged_data):
    at = page("app_pages/dropout.py")
    assert not at.exception and not at.error


@pytest.mark.parametrize("address, says", [("carrier-pigeon://coop", "RUNNER_ADDRESS must be"),
                                           ("ray", "needs Ray")])
def test_a_runner_address_that_cannot_work_is_one_line_on_the_page(address, says):
    if says == "needs Ray" and importlib.util.find_spec("ray"):
        pytest.skip("Ray is installed here, so RUNNER_ADDRESS=ray works")
    code = f"""
from tests import apptest
at = apptest.open_page("app_pages/mnist.py")
assert not at.exception, at.exception
errors = " ".join(e.value for e in at.error)
assert "Training is unavailable" in errors and {says!r} in errors, errors
assert "Traceback" not in errors and not [b for b in at.button if b.key == "train"]
"""
    env = {**os.environ, "RUNNER_ADDRESS": address}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=120)


def test_a_failed_job_tells_the_page_one_sentence_and_the_log_the_traceback(capsys):
    from core.runner.worker import run_job
    events = []
    run_job(7, {"kind": "train", "config": {"epochs": "<b>seven</b>"}}, None, lambda job, e: events.append(e),
            should_stop=lambda: False)
    (done,) = events
    assert done["kind"] == "done" and done["status"] == "failed"
    assert done["message"] == "The run failed (ValueError); press Train to run it again."  # nothing of the error's text
    assert "Traceback" in capsys.readouterr().err and "seven" not in done["message"]
