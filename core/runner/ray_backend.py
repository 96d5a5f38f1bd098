"""The backend for more than one machine: one Ray actor per worker slot (RUNNER_ADDRESS=ray or ray://HOST:PORT).

'ray' starts a local Ray instance (for tests and for one big machine); 'ray://HOST:PORT' joins a running
cluster as a client and ships the project's files to it. One Ray task loads MNIST and leaves it in the
object store once; every actor maps that one copy. An actor owns MXNet on a thread of its own, as a local
worker process does, runs the jobs it is given one at a time and keeps their events until the server polls
for them. Slots follow the interface at the top of core/runner/local.py.
"""
import json
import os
import queue
import threading
import time

from core.nn.threads import thread_environment
from core.runner.capacity import available_cores
from core.runner.local import PROJECT_ROOT
from core.runner.worker import NICENESS, serve

try:
    import ray
    from ray.exceptions import ActorUnavailableError
except ImportError:  # Ray is in requirements-ray.txt, not in the app's own requirements
    ray = None

THREADS = 1  # MXNet threads per actor: each actor holds one of the cluster's CPUs
OBJECT_STORE_MB = 200  # a local instance's shared memory; MNIST takes 55 MB of it
POLL_SECONDS = 1.0  # a poll answers as soon as an event is waiting; idle, it answers after this long
# A cluster's nodes get the project's core/ and data/ (and Ray skips what .gitignore lists); the app's
# secrets in .streamlit/ never leave the server.
NOT_SHIPPED = [".git", ".ci", ".streamlit", "app_pages", "streamlit_app.py", "tests", "*.md", "venv"]
_release = threading.Event()  # set by disconnect(): the thread that started Ray may end


def connect(address, num_cpus=None):
    """Join Ray (see _init) from a thread of its own that lives until disconnect()."""
    # Ray kills the local processes it starts once the thread that started them ends (PR_SET_PDEATHSIG),
    # and the thread that makes a Runner may be a Streamlit script thread, which ends after each run.
    global _release
    started, release, failure = threading.Event(), threading.Event(), []
    _release = release

    def hold():
        try:
            _init(address, num_cpus)
        except Exception as err:  # noqa: BLE001 - Ray raises many kinds; the server shows one line
            failure.append(err)
        started.set()
        release.wait()

    threading.Thread(target=hold, name="ray-parent", daemon=True).start()
    started.wait()
    if failure:
        release.set()
        raise RuntimeError(f"Cannot start training on Ray at {address}: {first_line(failure[0])}") from failure[0]


def disconnect():
    """Leave Ray, stopping a local instance that connect() started, and let connect()'s thread end."""
    ray.shutdown()
    _release.set()


def _init(address, num_cpus):
    """'ray': a local instance (num_cpus, default this container's cores); 'ray://HOST:PORT': a cluster's client."""
    env = thread_environment(THREADS)  # set before MXNet loads in a Ray worker
    if address == "ray":
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves this machine
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [PROJECT_ROOT, os.environ.get("PYTHONPATH")]))
        ray.init(address="local", num_cpus=num_cpus or available_cores(), include_dashboard=False,
                 log_to_driver=False, object_store_memory=OBJECT_STORE_MB << 20, runtime_env={"env_vars": env})
    else:  # the cluster's nodes get the project's code and data files as the job's working directory
        ray.init(address, log_to_driver=False,
                 runtime_env={"working_dir": PROJECT_ROOT, "excludes": NOT_SHIPPED, "env_vars": env})


def first_line(err):
    """The first line of an error's message, without Ray's wrapping (a remote error's own cause)."""
    err = getattr(err, "cause", None) or err
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]


def load_mnist():
    """MNIST, loaded in a Ray worker; its result stays in the object store for every actor."""
    from core.nn.data import load_mnist as load
    return load()


class SlotActor:
    """Inside a Ray actor: MXNet on one thread of its own, one job at a time, events kept until polled."""

    def __init__(self, mnist):
        self._events, self._jobs, self._stopped, self._closed = queue.Queue(), queue.Queue(), set(), threading.Event()
        threading.Thread(target=self._serve, args=(mnist[0],), name="mxnet", daemon=True).start()

    def run(self, job_id, message):
        self._jobs.put((job_id, message))

    def stop(self, job_id):
        self._stopped.add(job_id)  # also for a job not started yet: it then ends at once

    def close(self):
        self._closed.set()
        self._jobs.put(None)

    def poll(self, wait):
        """The (job id, event) pairs since the last poll; waits up to `wait` seconds for the first one."""
        try:
            events = [self._events.get(timeout=wait)]
        except queue.Empty:
            return []
        while not self._events.empty():
            events.append(self._events.get_nowait())
        return events

    def _emit(self, job_id, event):
        self._events.put((job_id, json.loads(json.dumps(event))))  # what a local worker's pipe would carry

    def _serve(self, mnist_ref):
        """The MXNet thread: map MNIST, warm up, then run jobs as core.runner.worker does."""
        # A nice value, not SCHED_IDLE: this thread holds the GIL that the actor's poll and stop calls need,
        # and an idle-class thread preempted while holding it would stall them on a busy node.
        os.nice(NICENESS)  # this thread and the MXNet threads it starts yield the CPU to a web server beside them
        serve(lambda: ray.get(mnist_ref),  # read-only arrays mapped from the node's object store, not a copy
              self._jobs, self._stopped, self._closed, self._emit, describe=first_line)


class RaySlot:
    """One worker slot: a Ray actor, and a thread that polls it and forwards its events to the job table's outbox."""

    def __init__(self, outbox, start_actor, on_data_error):
        self.job = None
        self.stop_requested = None  # when a stop was asked for, to escalate if it is ignored
        self.ready = False
        self.pid = None  # the actor's process id on its node, once it is ready
        self.exit_reason = None  # set when the actor is gone; Ray does not report a process exit code
        self._started = False  # the actor said it is ready
        self._dead = threading.Event()
        try:
            self.actor = start_actor()
        except Exception as err:  # noqa: BLE001 - e.g. the connection to the cluster is lost
            self.actor = None
            self._fail(outbox, err)
            return
        threading.Thread(target=self._forward, args=(outbox, on_data_error), daemon=True).start()

    def _forward(self, outbox, on_data_error):
        while not self._dead.is_set():
            try:
                events = ray.get(self.actor.poll.remote(POLL_SECONDS))
            except ActorUnavailableError:  # a network blip: the actor may answer again
                time.sleep(POLL_SECONDS)
                continue
            except Exception as err:  # noqa: BLE001 - the actor died (or its node, or the connection)
                self._fail(outbox, err)
                return
            for job_id, event in events:
                if event["kind"] == "ready":
                    self.pid, self._started = event["pid"], True
                outbox.put((self, job_id, event))
                if event["kind"] == "worker_error":
                    on_data_error()  # the next actor loads MNIST again (e.g. once the files are restored)
                    self.kill()

    def _fail(self, outbox, err):
        """The actor is gone: before it was ready that is a start-up error the pages show, after it a crash."""
        if self._dead.is_set():
            return  # killed on purpose
        self.exit_reason = "its Ray actor died"
        if not self._started:
            outbox.put((self, None, {"kind": "worker_error", "message": f"A Ray worker could not start: "
                                                                       f"{first_line(err)}"}))
        self._dead.set()

    def _call(self, method, *args):
        try:
            getattr(self.actor, method).remote(*args)
        except Exception:  # noqa: BLE001 - a dead actor; the polling thread notices and reports it
            pass

    def run(self, job_id, message):
        self._call("run", job_id, message)

    def stop(self, job_id):
        self._call("stop", job_id)

    def alive(self):
        return not self._dead.is_set()

    def close(self):
        """Ask the actor to finish: a running job stops between batches."""
        self._call("close")

    def kill(self):
        self._dead.set()
        if self.actor is not None:
            try:
                ray.kill(self.actor, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone
                pass


class RayBackend:
    """Ray actors, one per slot (one CPU each): as many as the cluster has CPUs, or max_workers if fewer."""

    name = "Ray actors"

    def __init__(self, address, max_workers=None):
        if ray is None:
            raise RuntimeError(f"RUNNER_ADDRESS={address} needs Ray: pip install -r requirements-ray.txt")
        self.address = address
        self.owns_ray = not ray.is_initialized()  # else this process already joined Ray (e.g. a second Runner)
        if self.owns_ray:
            connect(address, max(available_cores(), max_workers or 0))
        cpus = int(ray.cluster_resources().get("CPU", 0))
        self.size = max(1, min(max_workers or cpus, cpus))  # an actor beyond the CPUs would never be placed
        self._actor_class = ray.remote(num_cpus=1, max_concurrency=4, max_restarts=0)(SlotActor)
        self._loader = ray.remote(num_cpus=0, max_calls=1)(load_mnist)  # its worker exits after the load
        self._mnist = None

    def _data(self):
        """[a reference to MNIST in the object store]: one load for all slots (in a list, so actors get the ref)."""
        if self._mnist is None:
            self._mnist = [self._loader.remote()]
        return self._mnist

    def _forget_data(self):
        self._mnist = None

    def start_slot(self, outbox):
        return RaySlot(outbox, lambda: self._actor_class.remote(self._data()), self._forget_data)

    def shutdown(self, slots):
        """Kill every actor, wait for the local ones' processes to end, and stop a Ray this backend started."""
        for slot in slots:
            slot.kill()  # nothing in an actor needs a graceful end: a running job is simply cut off
        if self.address == "ray":  # the actors ran on this machine
            deadline = time.monotonic() + 5
            pids = [slot.pid for slot in slots if slot.pid]
            while any(os.path.exists(f"/proc/{pid}") for pid in pids) and time.monotonic() < deadline:
                time.sleep(0.05)
        if self.owns_ray:
            disconnect()
