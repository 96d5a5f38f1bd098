"""Waiting for a runner's job in tests."""
import time


def wait(job, timeout=60):
    """Block until the job has ended; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.02)
    assert job.finished, f"job still {job.status} after {timeout} s"
    return job
