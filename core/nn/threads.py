"""MXNet's threads and engine for one process, in one place, set before MXNet loads (no MXNet import here).

Workers (local and Ray) call use_threads with their share of the cores; the command line sets OpenMP's threads to
every core (core.cli.use_every_core), and core.nn.mx then picks the engine that suits them (engine_for).
"""
import os

THREAD_VARS = ("OMP_NUM_THREADS", "MXNET_CPU_WORKER_NTHREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
DEFAULT_ENGINE = "ThreadedEnginePerDevice"  # MXNet's own default: a dependency engine with worker threads
NAIVE_ENGINE = "NaiveEngine"  # every operation at once on the calling thread


def engine_for(threads):
    """MXNet's engine for a process whose OpenMP team has `threads` threads, chosen by measurement (2026-12-05).

    With two or more threads the team fills this machine's cores, and the threaded engine's own worker thread only
    competes with it: the NaiveEngine, which runs each operation at once on the calling thread, took the lesson's
    run (6,000 images x 10 epochs, whole process) from 7.3-7.7 s to 6.6-6.8 s. With one thread the threaded engine
    overlaps Python's dispatch with the computation and wins: 8.7 s against 9.4 s alone on two cores, 8.9-9.1 s
    against 9.3-9.5 s on one core, 9.4-9.9 s against 9.8-10.1 s with two such workers busy. Both engines give the
    same numbers to the last digit. python -m benchmarks.bench --compare-engine measures it again.
    """
    return NAIVE_ENGINE if threads >= 2 else DEFAULT_ENGINE


def use_threads(threads):
    """Every thread pool of this process at `threads`, and the engine for them (a worker, before MXNet loads)."""
    os.environ.pop("MXNET_ENGINE_TYPE", None)  # not inherited from the launcher: chosen for these threads
    os.environ.update(thread_environment(threads))


def thread_environment(threads):
    """The environment variables use_threads sets (for a process started elsewhere, e.g. a Ray actor).

    MXNet's default engine is left unnamed: naming any engine makes MXNet log a line about it."""
    env = {name: str(threads) for name in THREAD_VARS}
    if engine_for(threads) != DEFAULT_ENGINE:
        env["MXNET_ENGINE_TYPE"] = engine_for(threads)
    return env


def default_engine():
    """For core.nn.mx, as MXNet loads: the engine for OMP_NUM_THREADS as the launcher set it, unless the
    environment already names one (a worker's use_threads, or a benchmark comparing engines). Unset counts as one
    thread: the web server's own process, whose MXNet runs only small ops. (Not a number: MXNet refuses it.)"""
    try:
        threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    except ValueError:
        threads = 1
    if engine_for(threads) != DEFAULT_ENGINE:
        os.environ.setdefault("MXNET_ENGINE_TYPE", engine_for(threads))
