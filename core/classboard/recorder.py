"""Records class runs on the board, durably: registered before the page says so, recorded exactly once.

    recorder = Recorder(board).attach(runner)
    recorder.register(job, "BARS7", "Ada")   # when Ada presses Train on /mnist?class=BARS7

A registration (class, student, config and seed, time, a unique key) is written to the database when the
student presses Train; its run's row is written with the same key when the job finishes, which closes the
registration in the same transaction, so a run is recorded at most once however often it is offered.

One writer thread does all the rest, so the runner's thread (which calls `job_ended`) only queues:
- it writes finished runs, a class finishing in the same second in one transaction;
- while the database cannot be reached, what it could not write goes to a local spool (core.classboard.spool)
  and is written when the database is back; `note()` says so, and what a lost disk would lose;
- every BEAT_S seconds it tells the database which registrations this server still trains (a heartbeat), and
  takes over registrations nobody has claimed for LEASE_S seconds: after a crash or restart of the server that
  trained them, they are queued again here, once each (a run of a closed class is dropped and counted).
"""
import dataclasses
import json
import logging
import queue
import threading
import time
import uuid
from collections import defaultdict, deque, namedtuple

from core.classboard.names import SERVER
from core.runner.jobs import SERVER as SERVER_OWNER  # the runner's owner of server runs; names.SERVER: a nickname
from core.classboard.spool import Spool
from core.classboard.store import CONFIG_COLUMNS, BoardUnavailable, NotCounted, UnknownClass
from core.config import TrainConfig
from core.status import Status

PER_MINUTE = 20  # recorded runs a student may start per minute
MAX_PENDING = 5000  # rows kept in memory when even the spool cannot be written
BEAT_S = 5.0  # seconds between heartbeats (and looks for registrations to take over)
LEASE_S = 15.0  # a registration whose server has been silent this long is taken over
CLOSED = "class closed"
MAX_SERVER_WAITING = 40  # server runs (every class's gap runs) waiting at once; Fill the gaps queues no more
MAX_RECENT = 20_000  # rate-limit keys remembered (a flood of nicknames cannot grow it without bound)
IDLE_S = 1.0  # the writer's longest sleep when nothing waits (attach and resume_with wake it sooner)
log = logging.getLogger(__name__)

Entry = namedtuple("Entry", "key code student token guess", defaults=(None,))  # guess: the student's, locked at Train


def run_row(job, entry, stopped_at=None):
    """The board's row for a training job and one registration: a finished run, or (stopped_at: when its student
    stopped it) a stopped one with what it measured so far; None if a finished run has no accuracy to show."""
    epochs = job.of_kind("epoch")
    if (not epochs and stopped_at is None) or not all(hasattr(job.config, c) for c in CONFIG_COLUMNS):
        return None
    ended = time.time() - (time.monotonic() - job.ended) if job.ended else time.time()
    last = epochs[-1] if epochs else {}
    return {"class_code": entry.code, "student": entry.student, **{c: getattr(job.config, c) for c in CONFIG_COLUMNS},
            "train_acc": float(last["train_acc"]) if last else None, "test_acc": float(last["test_acc"]) if last else None,
            "curve": json.dumps([[e["epoch"] + 1, round(e["test_acc"], 5)] for e in epochs]),
            "seconds": round(job.elapsed, 2), "finished_at": stopped_at or ended, "registration": entry.key,
            "member": (entry.token or None) if entry.student != SERVER else None, "stopped_at": stopped_at,
            **{name: (entry.guess or {}).get(name) for name in ("predicted_test_acc", "predicted_best")}}


class Recorder:
    """Who registered which job for which class, and the thread that writes, spools and takes over."""

    def __init__(self, board, per_minute=PER_MINUTE, retry_every=2.0, max_pending=MAX_PENDING, spool=None,
                 beat_every=BEAT_S, lease=LEASE_S, server=None):
        self.board, self.per_minute, self.retry_every, self.max_pending = board, per_minute, retry_every, max_pending
        self.beat_every, self.lease = beat_every, lease
        self.server = server or uuid.uuid4().hex  # this server process, in the registrations it trains
        self.spool = spool or Spool(database=board.describe())
        self._lock = threading.Lock()
        self._jobs = defaultdict(list)  # job id -> [Entry] waiting for the job to end
        self._configs = {}  # job id -> its config, while it is registered
        self._recent = defaultdict(deque)  # rate-limit key -> monotonic times of accepted registrations
        self._inbox = queue.Queue()
        self._pending = []  # ("run", key, row) or ("close", key, outcome): the writer thread's own list
        self._runner, self._runner_factory = None, None
        self.problem = None  # one sentence while the database cannot be reached
        self.written = self.dropped = self.recovered = self.recovered_closed = 0
        self.refused = deque(maxlen=50)  # (code, student, reason) of rows the board would not take
        self.latencies = deque(maxlen=200)  # seconds from a job's end to its row being written
        self._closed = threading.Event()
        self._beat_now = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="classboard-writer", daemon=True)
        self._thread.start()

    def attach(self, runner):
        """Listen to the runner's job ends and resume orphaned registrations on it; returns self."""
        if self._runner is not runner:
            runner.add_listener(self.job_ended)
            self._runner = runner
            self._beat_now.set()
            self._inbox.put([])  # wakes the writer for that beat now
        return self

    def resume_with(self, make_runner):
        """Look for registrations to take over now; make_runner() gives the runner, asked only if there are any."""
        self._runner_factory = make_runner
        self._beat_now.set()
        self._inbox.put([])
        return self

    # ---- script threads ------------------------------------------------------------------------
    def register(self, job, code, student, token=None):
        """Record job for (code, student) once it finishes; returns (accepted, one sentence for the page).

        The registration is in the database (or, while it is away, in the local spool) before this returns.
        """
        with self._lock:
            if any(e.code == code and (e.token == token if token else e.student == student)
                   for e in self._jobs.get(job.id, ())):
                return True, "This run is already registered for the class."
            if student != SERVER and not self._allow([("student", code, student), ("session", code, token)]):
                return False, (f"Not recorded: at most {self.per_minute} runs a minute count for one student. "
                               "Wait a moment and train again.")
        if job.finished and job.status != Status.FINISHED:
            return False, f"Not recorded: this run ended as '{job.status}'."
        entry = Entry(uuid.uuid4().hex, code, student, token)
        try:
            where, guess = self._store_registration(entry, job.config)
        except NotCounted as err:
            return False, f"Not recorded: {err}"
        entry = entry._replace(guess=guess)
        if where is None:
            return False, ("Not recorded: the class database cannot be reached and this server cannot keep the "
                           "run on its disk either.")
        with self._lock:
            running = not job.finished
            if running:
                self._jobs[job.id].append(entry)
                self._configs[job.id] = job.config
        if not running:
            self._queue_rows(job, [entry])
            return True, f"This run had already finished; it is recorded for class {code}."
        away = (" The class database is away: the registration is kept on this server's disk until it is back."
                if where == "spool" else "")
        return True, f"This run will be recorded for class {code} when it finishes.{away}"

    def _store_registration(self, entry, config):
        """Write the registration: ('database' | 'spool' (the database is away) | None (neither could take it),
        the student's guess it locked)."""
        payload = {"key": entry.key, "code": entry.code, "student": entry.student, "token": entry.token,
                   "config": dataclasses.asdict(config), "at": time.time()}
        if self.problem is None:  # known to be away: do not make a student wait for its connect timeout
            try:
                guess = self.board.register(entry.key, entry.code, entry.student, entry.token, payload["config"],
                                            self.server)
                return "database", guess
            except BoardUnavailable as err:
                self._away(err)
            except UnknownClass:
                return None, None
        return ("spool" if self.spool.put("registration", entry.key, payload) else None), None

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
        while len(self._recent) > MAX_RECENT:  # the keys seen longest ago go first
            del self._recent[next(iter(self._recent))]
        return True

    def fill_gaps(self, runner, code, setup, tried, seed=1):
        """Queue the sweep's cells that have no run yet (nor one training now) as server runs; returns their configs.

        `tried`: the (value, series) pairs that already have a finished run on the board.
        """
        self.attach(runner)
        with self._lock:
            busy = {setup.value_of(cfg) for cfg in self._running_configs(code)}
        skip = set(tried) | busy
        todo = [setup.config(cell, seed) for cell, key in zip(setup.cells(), setup.keys()) if key not in skip]
        todo = todo[:max(0, MAX_SERVER_WAITING - runner.waiting(SERVER_OWNER))]  # the server's line is bounded
        for cfg in todo:
            self.register(runner.submit(cfg, viewer=None, pin=True), code, SERVER)
        return todo

    def stop(self, job, token, runner):
        """A student stops their own registered run: it is recorded now as stopped (their one run of that value,
        with what it measured so far) and cancelled, unless another registration still holds the job (then it
        trains on for them). False when this session registered no part of the job (nothing is done)."""
        with self._lock:
            entries = self._jobs.get(job.id, [])
            mine = [e for e in entries if token and e.token == token and e.student != SERVER]
            rest = [e for e in entries if e not in mine]
            if not mine:
                return False
            if rest:
                self._jobs[job.id] = rest
            else:
                self._jobs.pop(job.id, None)
                self._configs.pop(job.id, None)
        now = time.time()
        self._inbox.put([("run", e.key, {"row": run_row(job, e, stopped_at=now), "ended": time.monotonic()})
                         for e in mine])
        if not rest:  # outside the lock: the runner calls job_ended, which takes it, under its own
            runner.cancel(job.id, "Stopped by you; recorded for the class as stopped.")
        return True

    def holds(self, job_id, token):
        """Whether this session registered the job for a class (so its Stop stops it for the class)."""
        with self._lock:
            return any(token and e.token == token and e.student != SERVER for e in self._jobs.get(job_id, ()))

    def cancel_class(self, code, runner, why, cleared=False):
        """A class closed or cleared: its runs still queued here (the server's gap runs, students' unstarted runs)
        are cancelled, their registrations closed with `why`, none of them recorded; a job that a registration
        of another class also holds trains on for it. cleared=True also forgets the class's runs training now
        (they finish unrecorded). Returns the number of jobs cancelled."""
        with self._lock:
            held = {job_id: list(entries) for job_id, entries in self._jobs.items()
                    if any(e.code == code for e in entries)}
        queued = {job_id for job_id in held if (job := runner.get(job_id)) is not None and job.status == Status.QUEUED}
        dropped, cancel = [], []
        with self._lock:
            for job_id in held:
                if job_id not in queued and not cleared:
                    continue
                entries = self._jobs.get(job_id, [])
                dropped += [e for e in entries if e.code == code]
                rest = [e for e in entries if e.code != code]
                if rest:
                    self._jobs[job_id] = rest
                else:
                    self._jobs.pop(job_id, None)
                    self._configs.pop(job_id, None)
                    if job_id in queued:
                        cancel.append(job_id)
        if dropped:
            self._inbox.put([("close", e.key, why) for e in dropped])
        for job_id in cancel:  # outside the lock, as in stop()
            runner.cancel(job_id, f"Not trained: class {code} was {'cleared' if cleared else 'closed'} before this "
                                  "run started, so it would not count.")
        return len(cancel)

    def job_ids(self, code):
        """The ids of this class's registered jobs still training or waiting (on this server)."""
        with self._lock:
            return {job_id for job_id, entries in self._jobs.items() if any(e.code == code for e in entries)}

    def _running_configs(self, code):
        return [self._configs[job_id] for job_id, entries in self._jobs.items() if any(e.code == code for e in entries)]

    def running(self, code):
        """How many distinct jobs registered for this class have not ended yet (on this server)."""
        with self._lock:
            return sum(any(e.code == code for e in entries) for entries in self._jobs.values())

    def waiting_for(self, code, token):
        """How many of this session's runs for the class are still training."""
        with self._lock:
            return sum(any(e.code == code and e.token == token for e in entries) for entries in self._jobs.values())

    def note(self):
        """None when all is well, else one sentence on what waits where, and what a lost disk would lose."""
        waiting = self.spool.counts()
        runs = waiting.get("run", 0) + sum(kind == "run" for kind, _, _ in self._pending)
        registrations = waiting.get("registration", 0)
        if not self.problem and not self.dropped and not self.spool.error and not (runs or registrations):
            return None
        text = [self.problem or ""]
        if runs or registrations:
            text.append(f"{_count(runs, 'finished run')} and {_count(registrations, 'new registration')} wait on "
                        "this server's disk and are written when the database is back; a restart that loses this "
                        "server's disk (Streamlit Community Cloud keeps none) would lose them.")
        if self.spool.error:
            text.append(self.spool.error)
        if self.dropped:
            text.append(f"{self.dropped} finished runs were dropped because too many were waiting.")
        return " ".join(t for t in text if t).strip()

    # ---- the runner's thread -------------------------------------------------------------------
    def job_ended(self, job):
        """Runner listener: queue rows for everyone who registered this job (or close their registrations)."""
        with self._lock:
            entries = self._jobs.pop(job.id, [])
            self._configs.pop(job.id, None)
        if entries:
            self._ended(job, entries)

    def _ended(self, job, entries):
        if job.status == Status.FINISHED:
            self._queue_rows(job, entries)
        else:
            self._inbox.put([("close", e.key, f"ended as {job.status}") for e in entries])

    def _queue_rows(self, job, entries):
        ended = job.ended or time.monotonic()
        items = []
        for entry in entries:
            row = run_row(job, entry)
            items.append(("run", entry.key, {"row": row, "ended": ended}) if row else ("close", entry.key, "no result"))
        self._inbox.put(items)

    # ---- the writer thread ---------------------------------------------------------------------
    def _loop(self):
        next_beat = 0.0
        while not (self._closed.is_set() and self._inbox.empty()):
            idle = self.retry_every if (self._pending or self.problem) else IDLE_S  # a put wakes it at once
            wait = min(idle, max(0.0, next_beat - time.monotonic()))
            try:
                item = self._inbox.get(timeout=wait)
            except queue.Empty:
                item = None
            taken = 0
            while item is not None:
                self._pending.extend(item)
                taken += 1
                item = self._inbox.get_nowait() if not self._inbox.empty() else None
            try:
                if self._pending:
                    self._write_pending()
                if self.spool.waiting and (self.problem is None or taken == 0):
                    self._drain_spool()
                if self._beat_now.is_set() or time.monotonic() >= next_beat:
                    self._beat_now.clear()
                    next_beat = time.monotonic() + self.beat_every
                    self._beat()
            except Exception:  # noqa: BLE001 - this thread must outlive any one bad row; the log gets it
                log.exception("The class board's writer survived an error")
            for _ in range(taken):
                self._inbox.task_done()

    def _away(self, err):
        if self.problem is None:
            log.warning("The class database is away: %s", err)
        self.problem = str(err)

    def _back(self):
        if self.problem is not None:
            log.info("The class database is back")
        self.problem = None

    def _write_pending(self):
        pending, self._pending = self._pending, []
        try:
            self._write(pending)
        except BoardUnavailable as err:
            self._away(err)
            kept = [item for item in pending if not self.spool.put(*item)]
            self._pending = kept[-self.max_pending:]  # only if even the spool cannot take them
            self.dropped += len(kept) - len(self._pending)
        except Exception as err:  # noqa: BLE001 - a bad row must not block the others forever
            log.exception("Class runs could not be recorded")
            self.refused.extend(("?", "?", repr(err)) for _ in pending)
            self.dropped += len(pending)

    def _write(self, items):
        """Write runs and closes to the database (BoardUnavailable while it is away)."""
        runs = [payload for kind, _, payload in items if kind == "run"]
        closes = defaultdict(list)
        for kind, key, payload in items:
            if kind == "close":
                closes[payload].append(key)
        outcomes = self.board.record([p["row"] for p in runs]) if runs else []
        for outcome, keys in closes.items():
            self.board.close_registrations(keys, outcome)
        self._back()
        now = time.monotonic()
        for payload, outcome in zip(runs, outcomes):
            row = payload["row"]
            if outcome == "recorded":
                self.written += 1
                self.latencies.append(now - payload["ended"])
            elif outcome != "duplicate":
                self.refused.append((row["class_code"], row["student"], outcome))

    def _drain_spool(self):
        """Write what the spool holds (registrations first), then forget it; stops at the first failure."""
        items = self.spool.items()
        if not items:
            return
        try:
            locked = {}  # registration key -> the guess it locked, for the run rows that wait with it
            for kind, key, payload in items:
                if kind == "registration":
                    try:
                        # Its time, not now, as the heartbeat: if the server that spooled it is gone (a restart),
                        # the registration is taken over at once; if this server trains it, its next beat says so.
                        locked[key] = self.board.register(payload["key"], payload["code"], payload["student"],
                                                          payload["token"], payload["config"], self.server,
                                                          now=payload["at"])
                    except UnknownClass:
                        log.warning("A spooled registration names a class that no longer exists: %s", payload["code"])
                    except NotCounted:  # the member's run of this value counts already: its row is a duplicate
                        log.info("A spooled registration of class %s does not count: %s", payload["code"], key)
            for kind, key, payload in items:
                if kind == "run" and locked.get(key) and payload["row"].get("predicted_test_acc") is None:
                    payload["row"].update(locked[key])
            self._write([(kind, key, payload) for kind, key, payload in items if kind != "registration"])
        except BoardUnavailable as err:
            self._away(err)
            return
        self.spool.remove((kind, key) for kind, key, _ in items)
        log.info("Wrote %d items kept in the spool while the class database was away", len(items))

    def _beat(self):
        """Heartbeat this server's open registrations, then take over those nobody trains any more."""
        with self._lock:
            mine = [e.key for entries in self._jobs.values() for e in entries]
        if self._runner is None and self._runner_factory is None:
            return
        try:
            self.board.heartbeat(self.server, mine)
            orphans = self.board.claim_orphans(self.server, older_than=time.time() - self.lease)
        except BoardUnavailable as err:
            self._away(err)
            return
        if orphans and self._runner is None:
            self.attach(self._runner_factory())
        for orphan in orphans:
            self._resume(orphan)

    def _resume(self, orphan):
        """Queue a registration this server took over: once, sharing the job of an identical config."""
        entry = Entry(orphan["key"], orphan["class_code"], orphan["student"], orphan["token"], orphan.get("guess"))
        try:
            config = TrainConfig(**orphan["config"])
            info = self.board.get_class(entry.code)
        except (TypeError, ValueError) as err:
            self._inbox.put([("close", entry.key, f"not a valid run: {str(err)[:120]}")])
            return
        if info is None or info.closed:
            self.recovered_closed += 1
            self._inbox.put([("close", entry.key, CLOSED)])
            return
        job = self._runner.submit(config, viewer=None, pin=True)
        with self._lock:
            running = not job.finished
            if running:
                self._jobs[job.id].append(entry)
                self._configs[job.id] = config
        if not running:
            self._ended(job, [entry])
        self.recovered += 1
        log.info("Queued again a class run of %s for class %s (registration %s)", entry.student, entry.code, entry.key)

    def wait_idle(self, timeout=10.0):
        """Block until everything queued has been written (or spooled while the database is away); False if
        rows still wait at the timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._inbox.unfinished_tasks == 0 and not self._pending and (self.problem or not self.spool.items()):
                return True
            time.sleep(0.02)
        return False

    def close(self, timeout=5.0):
        """Write what is queued (one last try) and stop the writer thread."""
        self._closed.set()
        self._thread.join(timeout)


def _count(n, noun):
    return f"{n} {noun}{'s' if n != 1 else ''}"
