"""The job table: one job per task, shared by every Streamlit session, run by a backend that owns MXNet.

Streamlit calls the page script on a new thread for every session and every rerun, while MXNet 1.x
wants all calls from one thread. So MXNet never runs on a script thread: jobs run in a backend's slots
(worker processes here, Ray actors on a cluster), small array ops run on one dedicated thread, and
pages only submit a task and read a Job's state.

    runner = Runner()
    job = runner.submit(TrainConfig(epochs=1, train_size=2000), viewer="session-1")
    while not job.finished: time.sleep(0.2)
    runner.shutdown()

Identical tasks share one job, so a class pressing Train with the defaults costs one run.

Fair share: the queue serves people in turn, not presses in order. Every job has owners (the sessions that asked
for it, or SERVER for the server's own runs); the next job to start belongs to the owner with the fewest runs
training now, students before the server, then the one with the fewest runs started so far (a second run waits
behind everyone's first), then the one served (or arrived) longest ago; each owner's own requests in order.
A session holds at most `max_open` unfinished requests (a press of Train: one run, or a page's set of runs); a
further one releases its oldest, which stops unless someone else still wants it.
"""
import concurrent.futures
import dataclasses
import heapq
import importlib
import itertools
import logging
import os
import queue
import secrets
import threading
import time
import weakref
from collections import Counter, OrderedDict, deque

from core import cost
from core.runner import tasks
from core.status import ENDED, Status

QUEUED, RUNNING, FINISHED, STOPPED, FAILED, DIVERGED = (Status.QUEUED, Status.RUNNING, Status.FINISHED, Status.STOPPED,
                                                       Status.FAILED, Status.DIVERGED)

__all__ = ["Job", "Runner", "make_backend", "find", "SERVER", "MAX_OPEN", "QueueFull"]

SERVER = "server"  # the owner of the server's own runs (a class's gap runs, lesson 4's shared nets): one more owner
MAX_OPEN = 2  # unfinished requests one session may hold: a run and its twin, compared side by side
RELEASED = "Stopped: its student started a newer run (one student keeps at most two runs going)."
MAX_OWNERS = 10_000  # owners whose last turn (and released runs) are remembered; the least recent are forgotten
MAX_QUEUED = 400  # runs waiting at once, for the whole server: beyond this a new run is refused with one sentence


class QueueFull(RuntimeError):
    """The server has MAX_QUEUED runs waiting already; the message is one sentence for the page."""

_RUNNERS = weakref.WeakSet()  # every live Runner of this process, for find()
MAX_BATCH = 1000  # events recorded under one hold of the table's lock
LOOK_EVERY_S = 0.5  # the loop looks after the workers this often when nothing happens (a submit wakes it)
WAKE = (None, None, None)  # an outbox item that only wakes the loop
log = logging.getLogger(__name__)


def find(token, viewer=None):
    """The job with this token in any runner of this process, or None (unknown, malformed or forgotten).

    `viewer`: a session that already watches the job looked again (its live chart polled), so the job is not
    abandoned while it is on screen; a viewer the job does not have is never added (nor one that pressed Stop).
    Plain dict reads and writes under the GIL, without the table's lock: an async web route calls this on the
    event loop, which must never wait for the runner's thread.
    """
    if not isinstance(token, str):
        return None
    for runner in list(_RUNNERS):
        job = runner._by_token.get(token)
        if job is not None:
            if viewer in job.viewers:
                job.viewers[viewer] = time.monotonic()
            return job
    return None


@dataclasses.dataclass(eq=False)
class Job:
    """One run of a task and everything any session may read about it. Only the runner writes it.

    A job equals only itself (eq=False): comparing two jobs field by field would compare their events.
    """

    id: int
    config: object  # the task: a TrainConfig, or another kind registered in core.runner.tasks
    token: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(16))
    """Names the job in a web address (its live progress): unguessable, so jobs cannot be enumerated."""
    status: str = QUEUED
    message: str = ""
    events: list = dataclasses.field(default_factory=list)
    started: float = None
    ended: float = None
    total_batches: int = 0
    steps_done: int = 0
    position: int = 0  # place in the queue, 1 = next; 0 when not queued
    viewers: dict = dataclasses.field(default_factory=dict)  # viewer -> last time it looked
    pinned: bool = False  # kept running when nobody watches (e.g. a class run whose student closed the tab)
    halt_message: str = "Stopped on request."
    starts_at: float = None  # while queued: when it should start (time.monotonic()), from the runs ahead of it
    owners: dict = dataclasses.field(default_factory=dict)  # owner -> its request (a sequence number) this job is in
    modelled: float = None  # core.cost's worker-seconds for it (None for a task it does not price)
    first_point: threading.Event = dataclasses.field(default_factory=threading.Event, repr=False, compare=False)
    """Set at the job's first batch event, or at its end: what a page waiting for a first chart waits on."""

    @property
    def finished(self):
        return self.status in ENDED

    @property
    def progress(self):
        """Fraction of batches done, 0..1."""
        return self.steps_done / self.total_batches if self.total_batches else 0.0

    @property
    def elapsed(self):
        return ((self.ended or time.monotonic()) - self.started) if self.started else 0.0

    @property
    def eta(self):
        """Seconds left, estimated from the pace so far; None before there is a pace."""
        if self.status != RUNNING or self.progress <= 0:
            return None
        return self.elapsed * (1 - self.progress) / self.progress

    def of_kind(self, kind):
        return [e for e in list(self.events) if e["kind"] == kind]


def make_backend(address=None, max_workers=None):
    """The backend RUNNER_ADDRESS names: unset for local worker processes, 'ray' or 'ray://host:port' for Ray."""
    address = (os.environ.get("RUNNER_ADDRESS", "") if address is None else address).strip()
    if not address or address == "local":
        from core.runner.local import LocalBackend
        return LocalBackend(max_workers)
    if address == "ray" or address.startswith("ray://"):
        from core.runner.ray_backend import RayBackend
        return RayBackend(address, max_workers)
    raise ValueError(f"RUNNER_ADDRESS must be empty, 'ray' or 'ray://host:port', not {address[:60]!r}")


class Runner:
    """The job table: the FIFO queue, a bounded cache of finished jobs, and the backend's slots."""

    def __init__(self, max_workers=None, keep=64, abandon_after=60.0, hard_stop_after=3.0, backend=None,
                 max_open=MAX_OPEN):
        self.backend = backend or make_backend(max_workers=max_workers)
        self.max_workers = self.backend.size
        self.keep, self.abandon_after, self.hard_stop_after = keep, abandon_after, hard_stop_after
        self.max_open = max_open  # unfinished requests per session (None: no limit)
        self._requests = itertools.count(1)
        self._turns = itertools.count(1)
        self._served = {}  # owner -> (runs of its started here, the turn its latest started or it joined at)
        self._released = {}  # owner -> jobs its latest requests released, until the page asks (released())
        self._outbox = queue.Queue()
        self._lock = threading.RLock()
        self._jobs = OrderedDict()  # task -> Job, least recently used first
        self._by_id = {}
        self._by_token = {}
        self._queue = []
        self._ids = itertools.count(1)
        self._listeners = []
        self._pace = None  # measured seconds per modelled second (core.cost) of the runs finished here
        self.worker_error = None
        self.loop_errors = deque(maxlen=50)  # the latest errors the runner's thread survived (also logged)
        self._workers = [self.backend.start_slot(self._outbox) for _ in range(self.max_workers)]
        self._ops = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="mxnet-ops")
        self._ops.submit(importlib.import_module, "core.mx")  # MXNet loads (and first runs) on this thread
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="runner", daemon=True)
        self._thread.start()
        _RUNNERS.add(self)

    # ---- what pages call -------------------------------------------------------------------
    def submit(self, task, viewer=None, pin=False, owner=None, request=None):
        """The job for task: an existing one (queued, running or finished) or a new one in its owner's line.

        owner: who asked (a session's id; SERVER for the server's own runs); by default the viewer, and SERVER for
        a new job nobody views. request: the request this job belongs to (submit_all's); by default its own.
        pin=True keeps the job running when all its viewers leave (an explicit stop still stops it).
        """
        tasks.kind_of(task)  # refuse what no worker can run, here rather than in the worker
        with self._lock:
            job = self._jobs.get(task)
            if job is None or job.status in (STOPPED, FAILED):
                if len(self._queue) >= MAX_QUEUED:
                    raise QueueFull(f"The server has {len(self._queue)} runs waiting already; press Train again "
                                    "in a minute.")
                job = Job(next(self._ids), task, modelled=self._modelled(task))
                self._jobs[task] = self._by_id[job.id] = self._by_token[job.token] = job
                self._queue.append(job)
                owner = owner or viewer or SERVER
                self._outbox.put(WAKE)  # a free worker takes it now, not at the loop's next look
            owner = owner or viewer
            if owner is not None and not job.finished and owner not in job.owners:
                # A new owner joins at the back of those with as many runs started (none), not ahead of them.
                self._served.setdefault(owner, (0, next(self._turns)))
                job.owners[owner] = request or next(self._requests)
                self._make_room(owner, job.owners[owner])
            self._jobs.move_to_end(task)
            job.pinned = job.pinned or pin
            self._touch(job, viewer)
            self._plan()
            self._trim()
            return job

    def submit_all(self, tasks_, viewer=None, owner=None, pin=False):
        """Jobs for several tasks asked for by one press (e.g. a page's four runs): one request of its owner."""
        with self._lock:
            request = next(self._requests)
            return [self.submit(task, viewer=viewer, owner=owner, request=request, pin=pin) for task in tasks_]

    def waiting(self, owner):
        """How many queued runs this owner has asked for (e.g. SERVER: the server's own runs waiting)."""
        with self._lock:
            return sum(owner in _owners(job) for job in self._queue)

    def released(self, owner):
        """The jobs this owner's latest requests released to stay within max_open (stopped unless someone else
        wanted them), once: the page says so in one sentence."""
        with self._lock:
            return [self._by_id[i] for i in self._released.pop(owner, ()) if i in self._by_id]

    def _make_room(self, owner, request):
        """Keep a session's unfinished requests within max_open: release the oldest ones beyond it."""
        if owner == SERVER or self.max_open is None:
            return
        open_ = sorted({j.owners[owner] for j in self._by_id.values() if not j.finished and owner in j.owners})
        for old in open_[:max(0, len(open_) - self.max_open)]:
            if old == request:
                continue
            for job in [j for j in self._by_id.values() if not j.finished and j.owners.get(owner) == old]:
                self._release(job, owner)
                self._released.setdefault(owner, deque(maxlen=10)).append(job.id)
                while len(self._released) > MAX_OWNERS:  # pages that never asked: the oldest are forgotten
                    del self._released[next(iter(self._released))]

    def release(self, job_id, viewer):
        """This session lets go of the job (no longer its owner or viewer); it stops unless someone else, or a
        pin, still holds it."""
        with self._lock:
            job = self._by_id.get(job_id)
            if job is not None and not job.finished:
                self._release(job, viewer)
                self._plan()
            return job

    def _release(self, job, owner):
        """The owner lets go of the job; it stops unless another owner, a viewer or a pin still holds it."""
        job.owners.pop(owner, None)
        job.viewers.pop(owner, None)
        if not job.owners and not job.viewers and not job.pinned:
            self._halt(job, RELEASED)

    def get(self, job_id, viewer=None):
        """The job with this id (None if forgotten); reading it counts as the viewer still looking (a viewer the job
        does not have, e.g. one that pressed Stop or released it, is not added back)."""
        with self._lock:
            job = self._by_id.get(job_id)
            if job is not None and viewer in job.viewers:
                self._touch(job, viewer)
            return job

    def stop(self, job_id, viewer=None):
        """This viewer is done with the job; it halts once nobody else is watching it."""
        with self._lock:
            job = self._by_id.get(job_id)
            if job is None or job.finished:
                return job
            job.viewers.pop(viewer, None)
            job.owners.pop(viewer, None)
            if not job.viewers:
                self._halt(job, "Stopped on request.")
            else:
                self._plan()
            return job

    def cancel(self, job_id, message):
        """End the job whatever its viewers and pin (e.g. its class was closed): at once if it only waits."""
        with self._lock:
            job = self._by_id.get(job_id)
            if job is not None and not job.finished:
                self._halt(job, message)
            return job

    def add_listener(self, fn):
        """Call fn(job) once whenever a job ends. It runs under the table's lock: keep it quick."""
        with self._lock:
            if fn not in self._listeners:
                self._listeners.append(fn)

    def call(self, fn, *args, timeout=30, **kwargs):
        """Run fn on the one thread that makes this process's MXNet calls, and return its result."""
        return self._ops.submit(fn, *args, **kwargs).result(timeout)

    def retry_workers(self):
        """Forget a worker start-up error (e.g. after the data files were restored) and start workers again."""
        with self._lock:
            self.worker_error = None

    def watchers(self, within=5.0):
        """How many viewers looked at an unfinished job in the last `within` seconds (live pages now)."""
        now = time.monotonic()
        with self._lock:
            return len({v for job in self._by_id.values() if not job.finished
                        for v, t in job.viewers.items() if now - t <= within})

    def running(self):
        """The jobs training now."""
        with self._lock:
            return [w.job for w in self._workers if w.job is not None and not w.job.finished]

    def busy_workers(self):
        with self._lock:
            return sum(w.job is not None for w in self._workers)

    def worker_pids(self):
        with self._lock:
            return [w.pid for w in self._workers if w.alive()]

    def wait_ready(self, timeout=60):
        """Block until every worker has loaded MNIST (or one reported an error); True when all are ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.worker_error or all(w.ready for w in self._workers):
                    return not self.worker_error
            time.sleep(0.05)
        return False

    def shutdown(self):
        """Stop every job and worker; nothing is left running."""
        _RUNNERS.discard(self)
        self._closed = True
        self._thread.join(5)
        self.backend.shutdown(self._workers)
        self._ops.shutdown(wait=False)

    # ---- the runner's own thread -------------------------------------------------------------
    def _touch(self, job, viewer):
        if viewer is not None:
            job.viewers[viewer] = time.monotonic()

    def _trim(self):
        ended = [task for task, job in self._jobs.items() if job.finished]
        for task in ended[:max(0, len(self._jobs) - self.keep)]:
            job = self._jobs.pop(task)
            del self._by_id[job.id], self._by_token[job.token]

    def _halt(self, job, message):
        if job.status == QUEUED:
            self._queue.remove(job)
            self._end(job, STOPPED, message)
            self._plan()
        else:
            job.halt_message = message
            for w in self._workers:
                if w.job is job and w.stop_requested is None:
                    w.stop(job.id)
                    w.stop_requested = time.monotonic()

    def _end(self, job, status, message):
        if job.finished:
            return
        job.status, job.message, job.ended, job.position, job.starts_at = status, message, time.monotonic(), 0, None
        job.first_point.set()
        modelled = job.modelled
        if status == FINISHED and modelled and job.started and not getattr(job.config, "train", None):
            pace = (job.ended - job.started) / modelled  # this server's seconds per second of core.cost's model
            self._pace = pace if self._pace is None else 0.7 * self._pace + 0.3 * pace
        for fn in self._listeners:
            try:
                fn(job)
            except Exception as err:  # noqa: BLE001 - a listener's bug must not stop the table
                log.exception("A job listener failed")
                self.loop_errors.append(f"listener: {err!r}")

    def _loop(self):
        """Take every event waiting (a worker reports a burst of loss points at each sync), record them under
        one hold of the lock, then look after the workers and the queue once; abandoned jobs once a second."""
        last_abandon = 0.0
        while not self._closed:
            try:
                items = [self._outbox.get(timeout=LOOK_EVERY_S)]
            except queue.Empty:
                items = []
            while items and len(items) < MAX_BATCH:
                try:
                    items.append(self._outbox.get_nowait())
                except queue.Empty:
                    break
            with self._lock:
                for worker, job_id, event in items:
                    if event is not None:
                        self._guard(self._record, worker, job_id, event)
                self._guard(self._check_workers)
                self._guard(self._dispatch)
                if self._queue:
                    self._guard(self._plan)
                if time.monotonic() - last_abandon >= 1.0:
                    last_abandon = time.monotonic()
                    self._guard(self._abandon)

    def _guard(self, step, *args):
        """step(*args); this thread outlives any one bad event or bug, which the log gets with its traceback."""
        try:
            step(*args)
        except Exception as err:  # noqa: BLE001
            log.exception("The runner's loop survived an error in %s", step.__name__)
            self.loop_errors.append(repr(err))

    def _record(self, worker, job_id, event):
        if job_id is None:
            worker.ready = worker.ready or event["kind"] == "ready"
            if event["kind"] == "worker_error":
                self.worker_error = event["message"]
                for job in list(self._queue):
                    self._queue.remove(job)
                    self._end(job, FAILED, event["message"])
            return
        job = self._by_id.get(job_id)
        if job is None:
            return
        job.events.append(event)
        if event["kind"] == "start":
            job.total_batches = event["total_batches"]
        elif event["kind"] == "batch":
            job.steps_done = event["step"]
            job.first_point.set()
        elif event["kind"] == "done":
            status = Status(event["status"])
            self._end(job, status, job.halt_message if status == STOPPED else event["message"])
            for w in self._workers:
                if w.job is job:
                    w.job, w.stop_requested = None, None

    def _check_workers(self):
        for i, w in enumerate(self._workers):
            if not w.alive() and not self._closed and not self.worker_error:
                if w.job is not None and not w.job.finished:
                    self._end(w.job, FAILED, f"The worker running this job stopped unexpectedly "
                              f"({w.exit_reason}). Press Train to run it again.")
                self._workers[i] = self.backend.start_slot(self._outbox)
            elif w.stop_requested and time.monotonic() - w.stop_requested > self.hard_stop_after:
                if w.job is not None:
                    self._end(w.job, STOPPED, w.job.halt_message)
                w.kill()
                w.job = w.stop_requested = None

    def _dispatch(self):
        for w in self._workers:
            if not self._queue or self.worker_error:
                return
            if w.job is None and w.alive() and w.ready:
                job, owner = self._next(self._owners_running(), self._served)
                self._queue.remove(job)
                _serve(self._served, _owners(job), next(self._turns))
                if len(self._served) > MAX_OWNERS:  # forget the owners served longest ago (then ranked as new)
                    for old in sorted(self._served, key=lambda o: self._served[o][1])[:MAX_OWNERS // 2]:
                        del self._served[old]
                w.job, w.stop_requested, job.status, job.started = job, None, RUNNING, time.monotonic()
                job.position, job.starts_at = 0, None
                w.run(job.id, tasks.encode(job.config))
                self._plan()

    def _next(self, running, served):
        """(job, owner) that the next free worker takes: among the owners with a queued job, the one with the fewest
        runs training, then students before the server, then the one with the fewest runs started here (a second
        run waits behind everyone's first), then the one served (or arrived) longest ago; its oldest request."""
        def claim(job):
            return min((_claim(o, running, served, seq, job.id), o) for o, seq in _owners(job).items())
        job = min(self._queue, key=claim)
        return job, claim(job)[-1]

    def _owners_running(self):
        return Counter(o for w in self._workers if w.job is not None and not w.job.finished for o in _owners(w.job))

    def _plan(self):
        """Each queued job's place and expected start under the same turns as _dispatch: the workers free up as
        their runs end (core.cost's length times the pace measured here), and the owners take them in turn."""
        now, running, served = time.monotonic(), self._owners_running(), dict(self._served)
        free = []  # (when a worker frees up, whether that is known, slot, the owners of the run it ends)
        for i, w in enumerate(self._workers):
            if w.alive():
                left = self._left(w.job) if w.job is not None else 0.0
                free.append((now + (left or 0.0), left is not None, i, tuple(_owners(w.job)) if w.job else ()))
        heapq.heapify(free)
        turns = _Turns(self._queue, running, served)
        for place in range(1, len(self._queue) + 1):
            start, known, slot, ended = heapq.heappop(free) if free else (None, False, None, ())
            turns.ended(ended)
            job = turns.take()
            job.position, job.starts_at = place, start if known else None
            length = self._length(job)
            if slot is not None:
                heapq.heappush(free, (start + (length or 0.0), known and length is not None, slot, tuple(_owners(job))))

    def _modelled(self, task):
        """core.cost's worker-seconds for a task's training (a prediction request: its net's), or None."""
        cfg = getattr(task, "train", task)
        return cost.seconds(cfg) if hasattr(cfg, "epochs") else None

    def _length(self, job):
        return job.modelled * self._pace if job.modelled and self._pace is not None else None

    def _left(self, job):
        """Seconds a running job still needs: its own pace once it has one, else the modelled length."""
        if job.eta is not None:
            return job.eta
        length = self._length(job)
        return max(0.0, length - job.elapsed) if length is not None else None

    def _abandon(self):
        now = time.monotonic()
        for job in list(self._by_id.values()):
            if job.finished or job.pinned or not job.viewers:
                continue
            if all(now - t > self.abandon_after for t in job.viewers.values()):
                job.viewers.clear()
                self._halt(job, "Stopped: nobody was watching it.")


def _owners(job):
    """The job's owners with their requests; a job nobody owns any more (kept by a viewer or a pin) is the server's."""
    return job.owners or {SERVER: job.id}


def _claim(owner, running, served, seq, job_id):
    """How soon an owner's request is served (smaller first): its runs training now, students before the server,
    its runs started so far and the turn it was last served (or arrived) at, then the request's own order."""
    return running[owner], owner == SERVER, served.get(owner, (0, 0)), seq, job_id


def _serve(served, owners, turn):
    """A run of these owners starts at this turn: each has one more run started, and was served last now."""
    for owner in owners:
        served[owner] = (served.get(owner, (0, 0))[0] + 1, turn)


class _Turns:
    """The queue replayed in turns, for places and start estimates: each owner's line in order, and a heap of the
    owners' claims (an owner's entry is renewed whenever its claim changes; stale entries are skipped)."""

    def __init__(self, queue, running, served):
        self.running, self.served, self.taken, self.heap = running, served, set(), []
        self.lines = {}  # owner -> its queued jobs, oldest request first (a shared job is in several lines)
        for job in queue:
            for owner, seq in _owners(job).items():
                self.lines.setdefault(owner, []).append((seq, job.id, job))
        for owner, line in self.lines.items():
            line.sort(key=lambda item: item[:2], reverse=True)  # the oldest at the end, to pop
            self._push(owner)
        self.turn = max((turn for _, turn in served.values()), default=0)

    def _push(self, owner):
        line = self.lines[owner]
        while line and line[-1][1] in self.taken:
            line.pop()
        if line:
            seq, job_id, _ = line[-1]
            heapq.heappush(self.heap, (_claim(owner, self.running, self.served, seq, job_id), owner))

    def ended(self, owners):
        """A run of these owners ends: they have one run fewer training."""
        for owner in owners:
            self.running[owner] -= 1
            if owner in self.lines:
                self._push(owner)

    def take(self):
        """The job the next free worker takes; its owners are served and have one more run training."""
        while True:
            key, owner = heapq.heappop(self.heap)
            line = self.lines[owner]
            while line and line[-1][1] in self.taken:
                line.pop()
            if not line:
                continue
            seq, job_id, job = line[-1]
            if key != _claim(owner, self.running, self.served, seq, job_id):
                continue  # stale: a newer entry of this owner is in the heap
            line.pop()
            self.taken.add(job_id)
            self.turn += 1
            _serve(self.served, _owners(job), self.turn)
            for other in _owners(job):
                self.running[other] += 1
            for other in set(_owners(job)) | {owner}:
                self._push(other)
            return job
