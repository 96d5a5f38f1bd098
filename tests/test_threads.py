"""MXNet's threads and engine per process (core/nn/threads.py), chosen before MXNet loads."""
import os
import subprocess
import sys

from core.nn import threads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_naive_engine_only_when_openmp_fills_the_cores():
    assert threads.engine_for(1) == threads.DEFAULT_ENGINE
    assert threads.engine_for(2) == threads.engine_for(4) == "NaiveEngine"


def test_a_worker_sets_its_threads_and_drops_an_inherited_engine(monkeypatch):
    monkeypatch.setattr(os, "environ", {"MXNET_ENGINE_TYPE": "NaiveEngine", "OMP_NUM_THREADS": "2"})
    threads.use_threads(1)  # a one-thread worker started by a server whose environment named the NaiveEngine
    assert os.environ == {name: "1" for name in threads.THREAD_VARS}  # MXNet's default engine, unnamed
    threads.use_threads(2)
    assert os.environ["MXNET_ENGINE_TYPE"] == "NaiveEngine" and os.environ["OMP_NUM_THREADS"] == "2"
    assert threads.thread_environment(1) == {name: "1" for name in threads.THREAD_VARS}  # a Ray actor's


def test_mxnet_loads_with_the_engine_for_the_launchers_threads():
    """What core.nn.mx leaves in the environment as MXNet loads; an engine named by the caller wins."""
    code = "import os, core.nn.mx; print(os.environ.get('MXNET_ENGINE_TYPE', 'default'))"
    base = {k: v for k, v in os.environ.items() if k not in ("MXNET_ENGINE_TYPE", "OMP_NUM_THREADS")}
    for extra, engine in (({}, "default"), ({"OMP_NUM_THREADS": "2"}, "NaiveEngine"),
                          ({"OMP_NUM_THREADS": "2", "MXNET_ENGINE_TYPE": "ThreadedEngine"}, "ThreadedEngine")):
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**base, **extra}, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.split() == [engine], (extra, done.stderr)
