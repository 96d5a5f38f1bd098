"""The run service: jobs shared by every Streamlit session, run by a backend that owns MXNet.

    jobs.py      the job table: one job per task, sharing, the FIFO queue, viewers, stop, listeners
    tasks.py     what a job can be: task kinds (training, prediction) and the event generator each runs
    capacity.py  how many workers this container holds (its CPU quota and memory limit)
    local.py     the default backend: `python -m core.runner.worker` processes on this machine
    worker.py    one such worker process
    ray_backend.py  the backend for more than one machine (RUNNER_ADDRESS=ray or ray://host:port)
"""
from core.runner.jobs import DIVERGED, ENDED, FAILED, FINISHED, QUEUED, RUNNING, STOPPED, Job, Runner
from core.status import Status

__all__ = ["Runner", "Job", "Status", "QUEUED", "RUNNING", "FINISHED", "STOPPED", "FAILED", "DIVERGED", "ENDED"]
