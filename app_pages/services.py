"""The server's shared services as the pages reach them: the runner, the app's secrets, the data check, and
this browser session's id and jobs."""
import atexit
import os
import uuid

import streamlit as st

from core.nn.data import DataError, check_files
from core.runner import Runner
from core.runner.jobs import make_backend


@st.cache_resource(show_spinner="Starting the training workers...")
def get_runner():
    """The one Runner of this server process, shared by every session.

    Where it trains: RUNNER_ADDRESS or `[runner] address` in secrets (unset: worker processes here;
    'ray' or 'ray://host:port': Ray). `[runner] workers` caps its slots (several servers sharing a cluster).
    """
    address = os.environ.get("RUNNER_ADDRESS") or str(secret("runner", "address") or "")
    workers = os.environ.get("RUNNER_WORKERS") or secret("runner", "workers")
    runner = Runner(backend=make_backend(address, int(workers) if str(workers or "").isdigit() else None))
    atexit.register(runner.shutdown)
    return runner


def secret(*path):
    """A value from the app's secrets (e.g. secret("runner", "address")), or None."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        value = st.secrets
        for name in path:
            value = value.get(name) if hasattr(value, "get") else None
        return value
    except Exception:  # noqa: BLE001 - an unreadable secrets file must not break a page
        return None


@st.cache_data(ttl=30, show_spinner=False)
def data_problem():
    """None when the bundled MNIST files are intact, else a message naming the bad file (checked at most every 30 s)."""
    try:
        check_files()
    except DataError as err:
        return str(err)
    return None


def training_ready():
    """True when training can run now; otherwise the page shows why, in one sentence, and gets False."""
    problem = training_unavailable()
    if problem:
        st.error(f"Training is unavailable: {problem}", icon=":material/error:")
    return problem is None


def training_unavailable():
    """A message saying why training cannot run now, or None; restarts workers once the data is fixed."""
    problem = data_problem()
    if problem:
        return problem
    try:
        runner = get_runner()
    except (RuntimeError, ValueError) as err:  # e.g. RUNNER_ADDRESS names a Ray cluster that cannot be reached
        return str(err)
    if runner.worker_error:
        error = runner.worker_error
        runner.retry_workers()  # try again on the next visit (e.g. once the files are restored)
        return f"the training workers could not start: {error}"
    return None


def viewer_id():
    """A stable id for this browser session, so the runner knows who is watching a job."""
    return st.session_state.setdefault("_viewer", uuid.uuid4().hex)


def jobs(ids):
    """This session's jobs for these ids, in order; None where the runner has forgotten one."""
    runner, viewer = get_runner(), viewer_id()
    return [runner.get(i, viewer) for i in ids]


def any_running(jobs):
    return any(not j.finished for j in jobs)


def job_key(job, *which):
    """A cache key for what a job produced: job ids restart with the runner (e.g. in tests)."""
    return (id(get_runner()), job.id, *which)
