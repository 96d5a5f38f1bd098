"""A worker process: python -m core.runner.worker THREADS

It owns MXNet for its whole life: it limits MXNet's threads, loads MNIST once, then runs the jobs
it is sent. Protocol, one JSON object per line:
  stdin:  {"run": JOB_ID, "kind": "train" | "predict", "config": {...}}  or  {"stop": JOB_ID}
  stdout: {"job": JOB_ID or null, "kind": ..., ...event fields}  (see core.runner.tasks for the events)
A reader thread takes stop requests while the main thread trains, so a stop lands between batches.
"""
import gc
import json
import os
import queue
import sys
import threading
import time
import traceback

from core.nn.threads import use_threads
from core.status import Status


NICENESS = 10  # Ray actors, and local workers where SCHED_IDLE is refused: training mostly yields the CPU
FLUSH_S = 0.05  # longest a loss point waits in the worker's buffer while later ones of its burst follow


def yield_cpu():
    """Let training take only the CPU time the web server leaves, so pages stay quick while workers are busy.

    SCHED_IDLE (any process may choose it for itself) runs this thread only when a core is otherwise idle,
    and a web server thread that wakes up takes the core at once; a nice value alone still leaves the
    server waiting for a worker's time slice. Called before MXNet starts its threads, which inherit it.
    """
    os.nice(NICENESS)
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or refused by the container's policy: the nice value stays
        pass


def main(threads):
    use_threads(threads)  # before MXNet loads, so its pools (and its engine) take this size
    yield_cpu()
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything else printed goes to stderr and cannot corrupt the event stream
    flushed = [0.0]

    def emit(job_id, event):
        # Loss points come in bursts (one per batch at every read from the device): written together,
        # at most FLUSH_S apart, so the server wakes once per burst instead of once per point.
        out.write(json.dumps({"job": job_id, **event}) + "\n")
        if event["kind"] != "batch" or time.monotonic() - flushed[0] >= FLUSH_S:
            out.flush()
            flushed[0] = time.monotonic()

    jobs, stopped, closed = queue.Queue(), set(), threading.Event()

    def read_commands():
        for line in sys.stdin:
            message = json.loads(line)
            if "run" in message:
                jobs.put((message["run"], message))
            elif "stop" in message:
                stopped.add(message["stop"])  # also for a job not started yet: it then ends at once
        closed.set()  # stdin closed: the runner is gone or shutting down, so stop and exit
        jobs.put(None)

    threading.Thread(target=read_commands, daemon=True).start()
    serve(_load_mnist, jobs, stopped, closed, emit)


def _load_mnist():
    """MNIST from this project's data files (core.data loads numpy, so not at import time)."""
    from core.nn.data import load_mnist
    return load_mnist()


def serve(load, jobs, stopped, closed, emit, describe=str):
    """Load MNIST and warm up (or emit worker_error), emit ready, then run each (job id, message) until None."""
    try:
        mnist = load()
        warm_up(mnist)
    except Exception as err:  # noqa: BLE001 - reported to the runner, which shows it to users
        emit(None, {"kind": "worker_error", "message": describe(err)})
        return
    emit(None, {"kind": "ready", "pid": os.getpid()})
    for job_id, message in iter(jobs.get, None):
        run_job(job_id, message, mnist, emit, should_stop=lambda: job_id in stopped or closed.is_set())
        stopped.discard(job_id)


def warm_up(mnist):
    """A tiny run, so MXNet's first graph and kernels are built before a student waits."""
    from core.config import TrainConfig
    from core.nn.train import train
    for _ in train(TrainConfig(epochs=1, train_size=200, eval_size=200), mnist):
        pass


def run_job(job_id, message, mnist, emit, should_stop):
    """Run one job's task and emit its events; an error fails the job, never the worker (or Ray actor)."""
    from core.runner import tasks
    ended = False
    try:
        task = tasks.decode(message)
        for event in tasks.events(task, mnist, should_stop=should_stop):
            emit(job_id, event)
            ended = event["kind"] == "done"
        if not ended:  # a task must end its stream; otherwise its slot would wait for it forever
            emit(job_id, {"kind": "done", "status": Status.FAILED, "message": "The run ended without a result."})
    except Exception as err:  # noqa: BLE001 - a failed job, not a dead worker
        traceback.print_exc()  # to stderr: the server's log (the page gets one sentence, without MXNet's text)
        emit(job_id, {"kind": "done", "status": Status.FAILED,
                      "message": f"The run failed ({type(err).__name__}); press Train to run it again."})
    gc.collect()  # gluon blocks hold reference cycles; free the finished run's arrays now

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
