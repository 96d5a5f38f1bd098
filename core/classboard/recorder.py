"""Records finished class runs on the board, from one writer thread.

    recorder = Recorder(board).attach(runner)
    recorder.register(job, "BARS7", "Ada")   # when Ada presses Train on /mnist?class=BARS7

The runner calls `job_ended` on its own thread whenever a job ends; that must be quick, so it only turns
the job into rows and queues them. The writer thread writes whatever is queued in one transaction, so a
class finishing in the same second costs one write. While the database cannot be reached the rows wait
in memory (at most MAX_PENDING) and are retried every few seconds; `note()` says so in one sentence.
"""
import json
import queue
import threading
import time
from collections import defaultdict, deque

from core.classboard.names import SERVER
from core.classboard.store import CONFIG_COLUMNS, BoardUnavailable

PER_MINUTE = 20  # recorded runs a student may start per minute
MAX_PENDING = 5000  # rows kept in memory while the database is away


def run_row(job, code, student):
    """The board's row for a finished training job, or None if it has no accuracy to show."""
    epochs = job.of_kind("epoch")
    if not epochs or not all(hasattr(job.config, c) for c in CONFIG_COLUMNS):
        return None
    ended = time.time() - (time.monotonic() - job.ended) if job.ended else time.time()
    return {"class_code": code, "student": student, **{c: getattr(job.config, c) for c in CONFIG_COLUMNS},
            "train_acc": float(epochs[-1]["train_acc"]), "test_acc": float(epochs[-1]["test_acc"]),
            "curve": json.dumps([[e["epoch"] + 1, round(e["test_acc"], 5)] for e in epochs]),
            "seconds": round(job.elapsed, 2), "finished_at": ended}


class Recorder:
    """Who registered which job for which class, and the thread that writes their finished runs."""

    def __init__(self, board, per_minute=PER_MINUTE, retry_every=2.0, max_pending=MAX_PENDING):
        self.board, self.per_minute, self.retry_every, self.max_pending = board, per_minute, retry_every, max_pending
        self._lock = threading.Lock()
        self._jobs = defaultdict(list)  # job id -> [(code, student, token)] waiting for the job to end
        self._configs = {}  # job id -> its config, while it is registered
        self._recent = defaultdict(deque)  # rate-limit key -> monotonic times of accepted registrations
        self._inbox = queue.Queue()
        self._pending = []  # rows not yet written (the writer thread's own list)
        self.problem = None  # one sentence while the database cannot be reached
        self.written, self.dropped = 0, 0
        self.refused = deque(maxlen=50)  # (code, student, reason) of rows the board would not take
        self.latencies = deque(maxlen=200)  # seconds from a job's end to its row being written
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="classboard-writer", daemon=True)
        self._thread.start()

    def attach(self, runner):
        """Listen to the runner's job ends; returns self."""
        runner.add_listener(self.job_ended)
        return self

    # ---- script threads ------------------------------------------------------------------------
    def register(self, job, code, student, token=None):
        """Record job for (code, student) once it finishes; returns (accepted, one sentence for the page)."""
        with self._lock:
            entry = (code, student, token)
            if any(e[:2] == entry[:2] for e in self._jobs.get(job.id, ())):
                return True, "This run is already registered for the class."
            if student != SERVER and not self._allow([("student", code, student), ("session", code, token)]):
                return False, (f"Not recorded: at most {self.per_minute} runs a minute count for one student. "
                               "Wait a moment and train again.")
            if not job.finished:
                self._jobs[job.id].append(entry)
                self._configs[job.id] = job.config
                return True, f"This run will be recorded for class {code} when it finishes."
        if job.status != "finished":
            return False, f"Not recorded: this run ended as '{job.status}'."
        self._queue_rows(job, [entry])
        return True, f"This run had already finished; it is recorded for class {code}."

    def _allow(self, keys):
        now = time.monotonic()
        for key in keys:
            times = self._recent[key]
            while times and now - times[0] > 60:
                times.popleft()
            if not times:
                del self._recent[key]  # a student quiet for a minute is forgotten
            if key[2] is not None and len(times) >= self.per_minute:
                return False
        for key in keys:
            if key[2] is not None:
                self._recent[key].append(now)
        return True

    def fill_gaps(self, runner, code, setup, tried, seed=1):
        """Queue the sweep's cells that have no run yet (nor one training now) as server runs; returns their configs.

        `tried`: the (value, series) pairs that already have a finished run on the board.
        """
        with self._lock:
            busy = {setup.value_of(cfg) for cfg in self._running_configs(code)}
        skip = set(tried) | busy
        todo = [setup.config(cell, seed) for cell, key in zip(setup.cells(), setup.keys()) if key not in skip]
        for cfg in todo:
            self.register(runner.submit(cfg, viewer=None, pin=True), code, SERVER)
        return todo

    def _running_configs(self, code):
        return [self._configs[job_id] for job_id, entries in self._jobs.items()
                if any(e[0] == code for e in entries)]

    def running(self, code):
        """How many distinct jobs registered for this class have not ended yet (on this server)."""
        with self._lock:
            return sum(any(e[0] == code for e in entries) for entries in self._jobs.values())

    def waiting_for(self, code, token):
        """How many of this session's runs for the class are still training."""
        with self._lock:
            return sum(any(e[0] == code and e[2] == token for e in entries) for entries in self._jobs.values())

    def note(self):
        """None when all is well, else one sentence on what is kept or was dropped."""
        if not self.problem and not self.dropped:
            return None
        waiting = len(self._pending) + self._inbox.qsize()
        text = self.problem or ""
        if self.problem:
            text += (f" {waiting} finished run{'s are' if waiting != 1 else ' is'} kept in memory and will be "
                     "written when it is back.")
        if self.dropped:
            text += f" {self.dropped} finished runs were dropped because too many were waiting."
        return text.strip()

    # ---- the runner's thread -------------------------------------------------------------------
    def job_ended(self, job):
        """Runner listener: queue rows for everyone who registered this job (if it finished)."""
        with self._lock:
            entries = self._jobs.pop(job.id, [])
            self._configs.pop(job.id, None)
        if entries and job.status == "finished":
            self._queue_rows(job, entries)

    def _queue_rows(self, job, entries):
        rows = [run_row(job, code, student) for code, student, _ in entries]
        ended = job.ended or time.monotonic()
        self._inbox.put([(ended, r) for r in rows if r is not None])

    # ---- the writer thread ---------------------------------------------------------------------
    def _loop(self):
        while not (self._closed.is_set() and self._inbox.empty()):
            try:
                item = self._inbox.get(timeout=self.retry_every if self._pending else 0.2)
            except queue.Empty:
                item = None
            taken = 0
            while item is not None:
                self._pending.extend(item)
                taken += 1
                item = self._inbox.get_nowait() if not self._inbox.empty() else None
            if len(self._pending) > self.max_pending:
                self.dropped += len(self._pending) - self.max_pending
                del self._pending[:len(self._pending) - self.max_pending]
            if self._pending:
                self._write()
            for _ in range(taken):
                self._inbox.task_done()

    def _write(self):
        try:
            outcomes = self.board.record([row for _, row in self._pending])
        except BoardUnavailable as err:
            self.problem = str(err)
            return
        except Exception as err:  # noqa: BLE001 - a bad row must not block the others forever
            self.refused.extend((r["class_code"], r["student"], repr(err)) for _, r in self._pending)
            self.dropped += len(self._pending)
            self._pending = []
            return
        now = time.monotonic()
        for (ended, row), outcome in zip(self._pending, outcomes):
            if outcome == "recorded":
                self.written += 1
                self.latencies.append(now - ended)
            elif outcome != "duplicate":
                self.refused.append((row["class_code"], row["student"], outcome))
        self._pending, self.problem = [], None

    def wait_idle(self, timeout=10.0):
        """Block until everything queued has been written or refused; False if rows still wait at the timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._inbox.unfinished_tasks == 0 and not self._pending:
                return True
            time.sleep(0.02)
        return False

    def close(self, timeout=5.0):
        """Write what is queued (one last try) and stop the writer thread."""
        self._closed.set()
        self._thread.join(timeout)
