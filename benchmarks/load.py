"""A class on one server: python -m benchmarks.load --students 30 [--epochs 10] [--train-size 6000] [--json PATH]
                                                    [--container MB]

Starts the real app (or attaches to --url), lets N students, small clients of Streamlit's own websocket
protocol (tests/load_client.py, one subprocess), open /mnist and press Train within a 2 s window (half
share the class link's setup, half add seeds of their own) and follow their live fragments; optionally
keeps the class board (/class?class=CODE) open; and, while the class runs, one real Chromium opens the
dropout page six times and moves its slider three times after each load. Reports page-load and slider
times, the students' first-chart and run-end times, exceptions, the server's CPU (server process and
workers), its CPU per live tick per student, and the app's peak memory (RSS and PSS). Every wait is
bounded; traffic goes to 127.0.0.1 only; the app, the browser and the students' process are stopped
at the end. With --container MB the app runs in a container of 1 core and MB megabytes that it reads as its
own (benchmarks/container.py), and the report adds the container's peak memory, limit hits and kills.
A benchmark, not a unit test: timings on a shared 2-core machine are noisy.
"""
import argparse
import contextlib
import json
import math
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from benchmarks import container
from benchmarks.container import Container
from core.config import PARAMS
from tests.app_server import CHROMIUM, CHROMIUM_ARGS, ROOT, running_app

WARM_UP_PAGES = ["", "dropout", "mnist", "random-labels"]  # each page visited once before the class
LOAD_LIMIT_S, MOVE_LIMIT_S = 90, 30

# Resolves with performance.now() (ms since the navigation started) once the dropout page's three heatmaps
# are drawn (Vega's svg.marks inside their chart elements) and its metrics are shown; -1 after `limit` ms.
LOADED_JS = """(limit) => new Promise(resolve => {
  const drawn = () => document.querySelectorAll("[data-testid='stVegaLiteChart'] svg.marks").length >= 3
    && [...document.querySelectorAll("[data-testid='stMetric']")].some(m => /Expected kept/.test(m.innerText));
  const timer = setInterval(() => {
    if (drawn()) { clearInterval(timer); resolve(performance.now()); }
    else if (performance.now() > limit) { clearInterval(timer); resolve(-1); }
  }, 20);
})"""

# Arms a watch on the "Expected kept fraction" metric: window.__moved resolves with the ms from the next
# keydown to the moment the metric shows a new value (-1 after `limit` ms).
ARM_MOVE_JS = """(limit) => { window.__moved = new Promise(resolve => {
  const value = () => { const m = [...document.querySelectorAll("[data-testid='stMetric']")]
    .find(m => /Expected kept/.test(m.innerText)); return m ? m.innerText : ""; };
  const before = value(); let t0 = null;
  document.addEventListener("keydown", () => { t0 = performance.now(); }, {capture: true, once: true});
  const seen = new MutationObserver(() => {
    if (t0 !== null && value() !== before) { seen.disconnect(); resolve(performance.now() - t0); } });
  seen.observe(document.body, {subtree: true, childList: true, characterData: true});
  setTimeout(() => { seen.disconnect(); resolve(-1); }, limit);
}); }"""

BROKEN_JS = """() => document.querySelectorAll("[data-testid='stException']").length
  + (/Something went wrong/.test(document.body.innerText) ? 1 : 0)"""


# ---- the server's processes: CPU and memory from /proc ----

def _children():
    """Parent pid -> child pids, for every process on the machine."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                with open(f"/proc/{entry}/stat") as f:
                    children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    return children


def descendants(pid):
    """All processes started (directly or not) by pid."""
    children, found, todo = _children(), [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def cpu_seconds(pid):
    """User + system CPU seconds a process (all its threads) has used so far; None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid):
    """(RSS, PSS) of one process in MB, from /proc/PID/smaps_rollup (PSS counts shared pages once overall)."""
    values = {}
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss"):
                    values[key] = int(rest.split()[0]) / 1024
    return values.get("Rss", 0.0), values.get("Pss", 0.0)


def thread_times(pid):
    """tid -> (seconds on a CPU, seconds runnable but waiting for a CPU) of each thread of pid (/proc schedstat)."""
    times = {}
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError):
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    run, wait = f.read().split()[:2]
                times[tid] = (int(run) / 1e9, int(wait) / 1e9)
    return times


class Sampler(threading.Thread):
    """Samples the server's and its workers' CPU every `period` s, their memory every other sample and the
    server threads' CPU waits (time runnable but not running: other processes on the machine) every third."""

    def __init__(self, pid, period=0.2):
        super().__init__(daemon=True)
        self.pid, self.period, self.running = pid, period, True
        self.samples = []     # (time, server CPU s, workers CPU s)
        self.waits = []       # (time, server threads' CPU s, their waits for a CPU s)
        self.worker_cpu = {}  # pid -> last CPU seconds seen (a worker that exits keeps its last value)
        self.threads = {}     # tid -> last (CPU s, wait s) seen, likewise
        self.peak = {"rss": 0.0, "pss": 0.0}

    def run(self):
        workers = []
        for count in range(10**7):
            if not self.running:
                break
            server = cpu_seconds(self.pid)
            if server is None:
                break
            if count % 10 == 0:
                workers = descendants(self.pid)  # scanning /proc costs: every 2 s is enough for workers
            for pid in workers:
                self.worker_cpu[pid] = cpu_seconds(pid) or self.worker_cpu.get(pid, 0.0)
            self.samples.append((time.monotonic(), server, sum(self.worker_cpu.values())))
            if count % 2 == 0:
                self._note_memory(self.memory(workers))
            if count % 3 == 0:
                self.threads.update(thread_times(self.pid))
                self.waits.append((time.monotonic(), *map(sum, zip(*self.threads.values()))))
            time.sleep(self.period)

    def waits_between(self, start, end):
        """(CPU s, wait-for-a-CPU s) of the server's threads between two moments."""
        inside = [w for w in self.waits if start <= w[0] <= end]
        if len(inside) < 2:
            return 0.0, 0.0
        return inside[-1][1] - inside[0][1], inside[-1][2] - inside[0][2]

    def memory(self, workers=None):
        """RSS and PSS (MB) of the server and of each worker (default: its descendants now), with their totals."""
        server = memory_mb(self.pid)
        workers = [memory_mb(p) for p in (descendants(self.pid) if workers is None else workers)]
        return {"rss": server[0] + sum(w[0] for w in workers), "pss": server[1] + sum(w[1] for w in workers),
                "server_rss": server[0], "server_pss": server[1],
                "workers_rss": [round(w[0]) for w in workers], "workers_pss": [round(w[1]) for w in workers]}

    def wait_idle(self, limit=60, window=2.0):
        """Wait (at most `limit` s) until the workers used under 0.1 CPU s in the last `window` s: warm and idle.

        Returns the server's own CPU use then, in cores (its baseline with nobody connected but one browser tab).
        """
        deadline, recent = time.monotonic() + limit, []
        while time.monotonic() < deadline:
            time.sleep(window)
            recent = [s for s in self.samples if s[0] >= time.monotonic() - window]
            if len(recent) >= 2 and recent[-1][2] - recent[0][2] < 0.1:
                break
        return (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0]) if len(recent) >= 2 else None

    def _note_memory(self, memory):
        if memory["rss"] > self.peak["rss"]:
            self.peak["rss"] = memory["rss"]
        if memory["pss"] > self.peak["pss"]:
            self.peak.update(pss=memory["pss"], at_peak_pss=memory)

    def cpu_between(self, start, end):
        """(server, workers) CPU seconds used between two moments, from the nearest samples."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return 0.0, 0.0
        return inside[-1][1] - inside[0][1], inside[-1][2] - inside[0][2]


def find_server(port):
    """The pid of a `streamlit run` process serving this port, or None."""
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            if b"streamlit" in b" ".join(args) and str(port).encode() in args:
                return int(entry)
    return None


def new_class(db_url):
    """Create a class experiment in the database at db_url with the app's own CLI; (code, None) or (None, why)."""
    done = subprocess.run([sys.executable, "-m", "core.classboard", "--url", db_url, "new", "--code", "LOADTEST"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        return None, (done.stderr.strip().splitlines() or ["no message"])[-1][:200]
    return done.stdout.split()[0], None


@contextlib.contextmanager
def the_app(args):
    """(base URL, server pid or None, container or None): the app at --url, or a fresh one started for this run.

    A fresh app gets a temporary SQLite class board (CLASSBOARD_URL) and spool; with --board new, a class in it.
    With --container MB, the fresh app runs in a container of 1 core and MB megabytes (benchmarks/container.py).
    """
    if args.url:
        yield args.url.rstrip("/"), find_server(urlsplit(args.url).port), None
        return
    with tempfile.TemporaryDirectory() as tmp, (Container(args.container) if args.container
                                               else contextlib.nullcontext()) as box:
        # A board of its own, always: runs registered in an earlier benchmark's board would be taken over and
        # queued again by this app (they once held both workers for the first 24 s of a class).
        db_url = f"sqlite:///{tmp}/classboard.sqlite3"
        board = {"CLASSBOARD_URL": db_url, "CLASSBOARD_SPOOL": f"{tmp}/spool.sqlite3"}  # the app's environment
        if args.board == "new":
            args.board, why = new_class(db_url)
            args.board_note = why and f"skipped: could not create a class ({why})"
        with running_app(env=board, wrap=box.command if box else ()) as (started, proc):
            yield started, proc.pid, box


# ---- the students: tests/load_client.py in a subprocess ----

class Class:
    """The students' process; its JSON lines land in a queue, read on a thread of our own."""

    def __init__(self, args, url):
        command = [sys.executable, "-m", "benchmarks.load_client", "--url", url, "--students", str(args.students),
                   "--epochs", str(args.epochs), "--train-size", str(args.train_size), "--window", str(args.window),
                   "--duration", str(args.duration), "--open-timeout", str(args.open_timeout)]
        if args.board:
            command += ["--board", args.board]
        self.stderr = tempfile.TemporaryFile(mode="w+")  # a file, so a chatty process never blocks on a full pipe
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        self.events, self.result = queue.Queue(), None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                if event["event"] == "result":
                    self.result = event
                self.events.put(event)
        self.events.put({"event": "exit"})

    def wait_for(self, name, timeout):
        """The named event, or None if the process exits or `timeout` passes first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                event = self.events.get(timeout=min(1.0, max(0.01, deadline - time.monotonic())))
                if event["event"] == name:
                    return event
                if event["event"] == "exit":
                    return None
        return None

    def stop(self, timeout=30):
        """Wait for the process to end (ending it after `timeout` s); (its CPU seconds, the tail of its stderr)."""
        deadline, pid, status = time.monotonic() + timeout, self.proc.pid, None
        while status is None and time.monotonic() < deadline:
            done, code, usage = os.wait4(pid, os.WNOHANG)
            status = (code, usage) if done else None
            time.sleep(0.2 if status is None else 0)
        if status is None:
            self.proc.kill()
            status = os.wait4(pid, 0)[1:]
        self.proc.returncode = status[0]
        self.stderr.seek(0)
        return status[1].ru_utime + status[1].ru_stime, self.stderr.read()[-2000:]


def probe(url, args, loads=None):
    """Start the server-side probe (tests/load_client.py --probe) in a process of its own; returns the process."""
    command = [sys.executable, "-m", "benchmarks.load_client", "--url", url, "--probe", "--loads",
               str(args.loads if loads is None else loads), "--moves", str(args.moves), "--pause", str(args.pause),
               "--duration", str(args.duration), "--open-timeout", str(args.open_timeout)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def probe_result(proc, timeout):
    """The probe's {"loads": [...], "moves": [...]}, or empty lists if it gave nothing within `timeout` s."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    for line in out.splitlines():
        with contextlib.suppress(ValueError):
            event = json.loads(line)
            if event.get("event") == "probe":
                return {"loads": event["loads"], "moves": event["moves"]}
    return {"loads": [], "moves": []}


# ---- the browser: six loads of the dropout page, three slider moves after each ----

def warm_up(page, url):
    """Visit every page once, so the class meets a warm app (the runner started, caches filled)."""
    for path in WARM_UP_PAGES:
        page.goto(f"{url}/{path}", wait_until="commit")
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                               timeout=LOAD_LIMIT_S * 1000)
        page.wait_for_timeout(1500)


def load_dropout(page, url):
    """Seconds from navigation to the dropout page's heatmaps drawn (timed in the page); None if too slow."""
    page.goto(f"{url}/dropout", wait_until="commit", timeout=LOAD_LIMIT_S * 1000)
    ms = page.evaluate(LOADED_JS, LOAD_LIMIT_S * 1000)
    return None if ms < 0 else ms / 1000


def move_slider(page, key):
    """Press a key on the drop-probability slider; seconds from keydown to the new expected fraction shown."""
    page.evaluate(ARM_MOVE_JS, MOVE_LIMIT_S * 1000)
    page.get_by_role("slider").first.focus()
    page.keyboard.press(key)
    ms = page.evaluate("() => window.__moved")
    return None if ms < 0 else ms / 1000


def browse(page, url, args, busy, loads=None):
    """Six loads (each followed by three slider moves); appends (start, end) of every action to `busy`."""
    count = args.loads if loads is None else loads
    loads, moves, broken, key = [], [], 0, "ArrowRight"
    for _ in range(count):
        start = time.monotonic()
        try:
            loads.append({"at": start, "s": load_dropout(page, url)})
        except PlaywrightError as err:
            loads.append({"at": start, "s": None, "error": str(err).splitlines()[0][:160]})
        busy.append((start, time.monotonic()))
        for _ in range(args.moves if loads[-1]["s"] is not None else 0):
            start = time.monotonic()
            with contextlib.suppress(PlaywrightError):
                moves.append({"at": start, "s": move_slider(page, key)})
            busy.append((start, time.monotonic()))
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
        with contextlib.suppress(PlaywrightError):
            broken += page.evaluate(BROKEN_JS)
        page.wait_for_timeout(args.pause * 1000)
    return loads, moves, broken


# ---- figures ----

def spread(values):
    """n, median, p95 (nearest rank) and max of the values that are not None."""
    xs = sorted(v for v in values if v is not None)
    if not xs:
        return {"n": 0, "median": None, "p95": None, "max": None}
    return {"n": len(xs), "median": statistics.median(xs), "p95": xs[math.ceil(0.95 * len(xs)) - 1], "max": xs[-1]}


def tick_cost(sampler, tabs, busy, start, end, key="ticks"):
    """Server CPU per live update (a timed fragment rerun, or with key="polls" a poll of a route), over the
    sample intervals of [start, end] with no script run or browser action.

    Script runs (Train, run ends) and the browser's page loads and slider moves also cost the server;
    leaving out every sampling interval that overlaps one leaves the steady live phase, where the server
    does (almost) nothing but serve live updates.
    """
    runs = [(s, e) for tab in tabs for s, e, _ in tab["full_runs"]] + \
        [(s, e) for tab in tabs for s, e in tab.get("fragment_runs", []) if not tab["ticks"]]
    dirty = list(busy) + [(s - 0.05, e + 0.05) for s, e in runs if e >= start]
    ticks = sorted(t for tab in tabs for t in tab.get(key, []) if start <= t <= end)
    cpu = quiet = 0.0
    served = 0
    samples = [s for s in sampler.samples if start <= s[0] <= end]
    for (t0, c0, _), (t1, c1, _) in zip(samples, samples[1:]):
        if any(s < t1 and e > t0 for s, e in dirty):
            continue
        cpu, quiet = cpu + c1 - c0, quiet + t1 - t0
        served += sum(1 for t in ticks if t0 < t <= t1)
    all_cpu = sampler.cpu_between(start, end)[0]
    return {"quiet_s": quiet, "quiet_ticks": served, "quiet_cpu_s": cpu,
            "ms_per_tick": 1000 * cpu / served if served else None,
            "live_s": end - start, "live_ticks": len(ticks), "live_cpu_s": all_cpu,
            "ms_per_tick_all_live": 1000 * all_cpu / len(ticks) if ticks else None}


def tick_bytes(tabs):
    """Bytes a student receives per fragment rerun, and the share of them re-sent unchanged."""
    sizes = [b for tab in tabs for b in tab["tick_bytes"]]
    same = sum(u for tab in tabs for u in tab["tick_unchanged_bytes"])
    return {**spread(sizes), "unchanged_share": same / sum(sizes) if sizes else None,
            "cache_refs": sum(tab["cache_refs"] for tab in tabs)}


def figures(args, url, sampler, result, loads, moves, broken, busy, marks):
    """Everything the run measured, as one JSON-able dict."""
    students = result["students"] if result else []
    probed, quiet = marks.get("probe") or {"loads": [], "moves": []}, marks.get("quiet") or {}
    tabs = students + ([result["board"]] if result and result.get("board") else [])
    last_tick = max((t for tab in tabs for t in tab["ticks"] + tab.get("polls", [])), default=marks["train"])
    end = max([marks["ended"], last_tick] + [e for _, e in busy])
    class_cpu = sampler.cpu_between(marks["train"], end) if sampler else (None, None)
    live_start = marks["train"] + args.window
    return {
        "students": args.students, "epochs": args.epochs, "train_size": args.train_size, "url": url,
        "load_average_before": marks["load_before"], "load_average_after": list(os.getloadavg()),
        "page_loads_s": [x["s"] for x in loads], "page_load": spread(x["s"] for x in loads),
        "page_loads_during_class": sum(x["at"] < marks["ended"] for x in loads),
        "page_load_errors": [x["error"] for x in loads if "error" in x],
        "slider_s": [x["s"] for x in moves], "slider": spread(x["s"] for x in moves),
        "browser_broken": broken,
        "quiet_page_loads_s": [x["s"] for x in quiet.get("loads", [])],
        "quiet_page_load": spread(x["s"] for x in quiet.get("loads", [])),
        "quiet_slider": spread(x["s"] for x in quiet.get("moves", [])),
        "server_loads_s": [x["s"] for x in probed["loads"]], "server_load": spread(x["s"] for x in probed["loads"]),
        "server_slider": spread(x["s"] for x in probed["moves"]),
        "server_load_errors": [x["error"] for x in probed["loads"] if "error" in x],
        "quiet_server_load": spread(x["s"] for x in (marks.get("quiet_probe") or {}).get("loads", [])),
        "quiet_server_slider": spread(x["s"] for x in (marks.get("quiet_probe") or {}).get("moves", [])),
        "opened_s": spread(s["opened_s"] for s in students),
        "first_chart_s": spread(s["first_chart_s"] for s in students),
        "never_saw_chart": sum(s["first_chart_s"] is None for s in students),
        "first_feedback_s": spread(min((x for x in (s["first_chart_s"], s["queue_shown_s"]) if x is not None),
                                       default=None) for s in students),
        "run_end_s": spread(s["end_s"] for s in students),
        "not_ended": sum(s["end_s"] is None for s in students),
        "saw_queue_position": sum(bool(s["queue_positions"]) for s in students),
        "students_with_exception": sum(bool(s["exceptions"]) for s in students),
        "exception_elements": sum(len(s["exceptions"]) for s in students),
        "exceptions": sorted({e for s in students for e in s["exceptions"]})[:10],
        "failures": [s["failure"] for s in students if s["failure"]][:10],
        "failure_count": sum(s["failure"] is not None for s in students),
        "train_answered_s": spread(train_answered(s) for s in students),
        "client_errors": sorted({e for t in tabs for e in t["client_errors"]})[:10],
        "class_s": end - marks["train"],
        "server_cpu_s": class_cpu[0], "workers_cpu_s": class_cpu[1],
        "server_ms_per_student_s": (1000 * class_cpu[0] / (len(students) * (end - marks["train"]))
                                    if class_cpu[0] is not None and students else None),
        "server_threads_cpu_wait_s": sampler.waits_between(marks["train"], end) if sampler else None,
        "server_cpu_opening_s": sampler.cpu_between(marks["open"], marks["train"])[0] if sampler else None,
        "idle_server_cores": marks.get("idle_server_cores"),
        "ticks_requested": sum(t["requested_ticks"] for t in tabs),
        "tick": tick_cost(sampler, tabs, busy, live_start, last_tick) if sampler else None,
        "poll": tick_cost(sampler, tabs, busy, live_start, last_tick, "polls") if sampler else None,
        "poll_bytes": spread(b for tab in students for b in tab.get("poll_bytes", [])),
        "polls": sum(len(tab.get("polls", [])) for tab in tabs),
        "tick_bytes": tick_bytes(students),
        "memory_idle": marks.get("idle_memory"), "memory_peak": sampler.peak if sampler else None,
        "container": marks.get("container"),
        "worker_processes": len(sampler.worker_cpu) if sampler else None,
        "client_cpu_s": marks.get("client_cpu"),
        "board": board_note(args, result),
        "browser_actions": busy,
        "per_student": [{k: v for k, v in s.items() if k not in ("ticks", "tick_bytes", "tick_unchanged_bytes", "polls",
                                                                  "poll_bytes")}
                        for s in students],
    }


def train_answered(student):
    """Seconds from Train to the end of the full run it started (None if that run never ended)."""
    if student["pressed"] is None:
        return None
    runs = sorted([(s, e) for s, e, _ in student["full_runs"]] + [tuple(r) for r in student.get("fragment_runs", [])])
    return next((end - student["pressed"] for start, end in runs if start >= student["pressed"]), None)


def board_note(args, result):
    """What became of the class board's tab."""
    if not args.board:
        return getattr(args, "board_note", None) or "skipped (no --board CODE)"
    board = (result or {}).get("board")
    if board is None:
        return "not measured (the students' process gave no result)"
    if board["page_missing"]:
        return "skipped: the app has no /class page yet"
    if board.get("polls"):
        return (f"open with its watch: {len(board['polls'])} polls, {len(board.get('fragment_runs', []))} reruns "
                f"of its live part, {len(board['exceptions'])} errors")
    if not board["ticks"]:
        return f"open, but no live fragment ran (is class {args.board} known?); {len(board['exceptions'])} errors"
    return (f"open with its live fragment: {len(board['ticks'])} reruns, median "
            f"{statistics.median(board['tick_bytes']) / 1000:.1f} kB each, {len(board['exceptions'])} errors")


def seconds(spec):
    """'median 1.23 s, p95 2.00 s, max 3.10 s' for a spread()."""
    if not spec["n"]:
        return "none measured"
    return f"median {spec['median']:.2f} s, p95 {spec['p95']:.2f} s, max {spec['max']:.2f} s (n={spec['n']})"


def memory_text(m):
    """'699 MB RSS, 546 MB PSS (server 280 + workers 133+133 MB PSS)' for one sample of Sampler.memory()."""
    if not m:
        return "not measured"
    workers = "+".join(str(w) for w in m["workers_pss"]) or "none"
    return (f"{m['rss']:.0f} MB RSS, {m['pss']:.0f} MB PSS (server {m['server_pss']:.0f} + "
            f"workers {workers} MB PSS)")


def peak_memory(peak):
    """The peak RSS and the peak PSS (each at its own moment), with the PSS peak's split."""
    if not peak or "at_peak_pss" not in peak:
        return "not measured"
    split = peak["at_peak_pss"]
    return (f"{peak['rss']:.0f} MB RSS, {peak['pss']:.0f} MB PSS (at the PSS peak: server {split['server_pss']:.0f} + "
            f"workers {'+'.join(str(w) for w in split['workers_pss']) or 'none'} MB)")


def report(fig):
    """The figures as a few lines of text."""
    tick, size = fig["tick"], fig["tick_bytes"]
    loads = ", ".join("-" if s is None else f"{s:.1f}" for s in fig["page_loads_s"])
    lines = [
        f"Class of {fig['students']} protocol students on {fig['url']}: {fig['train_size']:,} images x "
        f"{fig['epochs']} epochs, half on one shared setup, half with seeds of their own "
        f"(load average before {fig['load_average_before'][0]:.1f}, after {fig['load_average_after'][0]:.1f})",
        f"  idle app after each page visited once: {memory_text(fig['memory_idle'])}",
        f"  /mnist opened: {seconds(fig['opened_s'])}",
        f"  Train rerun answered (its full run over): {seconds(fig['train_answered_s'])}",
        f"  first chart after Train: {seconds(fig['first_chart_s'])}; never saw one: {fig['never_saw_chart']}; "
        f"saw a queue position: {fig['saw_queue_position']}",
        f"  first chart or queue position after Train: {seconds(fig['first_feedback_s'])}",
        f"  run end after Train: {seconds(fig['run_end_s'])}; not ended: {fig['not_ended']}",
        f"  exceptions: {fig['students_with_exception']} students ({fig['exception_elements']} elements); "
        f"failures: {fig['failure_count']} {sorted(set(fig['failures']))[:3] or ''}"
        f"{'; messages this client could not read: ' + str(fig['client_errors'][:3]) if fig['client_errors'] else ''}",
        f"Dropout page, the server's part (protocol probe, fresh session each load): quiet loads "
        f"{seconds(fig['quiet_server_load'])}, slider {seconds(fig['quiet_server_slider'])}",
        f"  during the class: loads {', '.join('-' if s is None else f'{s:.2f}' for s in fig['server_loads_s'])} s; "
        f"{seconds(fig['server_load'])}; slider {seconds(fig['server_slider'])}",
        f"Dropout page in Chromium: quiet loads {seconds(fig['quiet_page_load'])}, quiet slider "
        f"{seconds(fig['quiet_slider'])}",
        f"  during the class ({fig['page_loads_during_class']} of {len(fig['page_loads_s'])} loads while "
        f"students were still running): loads {loads} s",
        f"  page load: {seconds(fig['page_load'])}; errors on the page: {fig['browser_broken']}",
        f"  slider re-render: {seconds(fig['slider'])}",
        f"Server over the class ({fig['class_s']:.0f} s from Train): server process "
        f"{fig['server_cpu_s'] or 0:.1f} CPU s, workers {fig['workers_cpu_s'] or 0:.1f} CPU s "
        f"(students opening /mnist before that: server {fig['server_cpu_opening_s'] or 0:.1f} CPU s; "
        f"idle server before the class: {fig['idle_server_cores'] or 0:.1%} of a core)",
        f"  server CPU per student per second of the class: "
        f"{'-' if fig['server_ms_per_student_s'] is None else format(fig['server_ms_per_student_s'], '.2f')} ms",
    ]
    if fig["server_threads_cpu_wait_s"]:
        ran, waited = fig["server_threads_cpu_wait_s"]
        lines.append(f"  noise: the server's sampled threads ran {ran:.1f} s and waited {waited:.1f} s for a CPU held by other "
                     f"processes (this script's students and Chromium included); waits well beyond the run time "
                     f"mean the machine, not the app, set the pace")
    per = lambda v: "-" if v is None else f"{v:.2f} ms"  # noqa: E731
    poll = fig.get("poll")
    if poll and fig.get("polls"):
        lines.append(f"  live polls: {fig['polls']} answered; server CPU per poll {per(poll['ms_per_tick'])} in the "
                     f"steady phase ({poll['quiet_ticks']} polls in {poll['quiet_s']:.1f} s with no script run or "
                     f"browser action), {per(poll['ms_per_tick_all_live'])} over the whole live phase; bytes per "
                     f"poll median {fig['poll_bytes']['median'] or 0:.0f}, max {fig['poll_bytes']['max'] or 0:.0f}")
    if tick and tick["live_ticks"]:
        lines.append(f"  live ticks: {tick['live_ticks']} fragment reruns served ({fig['ticks_requested']} asked); "
                     f"server CPU per tick per student {per(tick['ms_per_tick'])} in the steady phase "
                     f"({tick['quiet_ticks']} ticks in {tick['quiet_s']:.1f} s with no full run or browser "
                     f"action), {per(tick['ms_per_tick_all_live'])} over the whole live phase")
    if size["n"]:
        lines.append(f"  bytes per tick per student: median {size['median'] / 1000:.1f} kB, max "
                     f"{size['max'] / 1000:.1f} kB; re-sent unchanged: {size['unchanged_share']:.0%}; "
                     f"cached-message references: {size['cache_refs']}")
    lines += [f"  peak memory of server + workers: {peak_memory(fig['memory_peak'])}; workers at idle: "
              f"{len((fig['memory_idle'] or {}).get('workers_pss', [])) or '-'}, processes under the server over "
              f"the run: {fig['worker_processes'] or '-'} (a killed worker is replaced by a new one)"]
    if fig.get("container"):
        lines.append("  " + container.text(fig["container"]))
    lines += [
              f"Board: {fig['board']}",
              f"Students' process: {fig['client_cpu_s'] or 0:.1f} CPU s on the same cores"]
    return "\n".join(lines)


# ---- the run ----

def check_args(parser, args):
    """Refuse flags the app would clamp or that make no sense, with one line each."""
    for name, value in (("epochs", args.epochs), ("train_size", args.train_size)):
        p = PARAMS[name]
        if not p.lo <= value <= p.hi:
            parser.error(f"--{name.replace('_', '-')} must be between {p.lo:,} and {p.hi:,}")
    if not 1 <= args.students <= 500:
        parser.error("--students must be between 1 and 500")
    if args.url and urlsplit(args.url).hostname != "127.0.0.1":
        parser.error("--url must point at 127.0.0.1 (this benchmark only talks to a local server)")
    if not 1 <= args.presses <= 500:
        parser.error("--presses must be between 1 and 500")
    if args.duration <= 0 or args.window < 0 or args.loads < 0 or args.moves < 0:
        parser.error("--duration must be positive; --window, --loads and --moves not negative")
    if args.board is not None and not args.board.strip():
        parser.error("--board needs a class code")
    if args.board == "new" and args.url:
        parser.error("--board new needs a fresh app (no --url): the class is created in its own database")
    if args.container is not None and (args.url or args.container < 256):
        parser.error("--container needs a fresh app (no --url) and at least 256 MB")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--train-size", type=int, default=6000)
    board = parser.add_mutually_exclusive_group()
    board.add_argument("--board", metavar="CODE", help="keep /class?class=CODE open as well (default: no board); "
                       "'new' creates a class in a temporary database of a freshly started app")
    board.add_argument("--no-board", dest="board", action="store_const", const=None)
    parser.add_argument("--duration", type=float, default=300, help="the class's time limit in seconds")
    parser.add_argument("--url", help="attach to a running app on 127.0.0.1 instead of starting one")
    parser.add_argument("--container", type=int, metavar="MB", help="run the app in a container of 1 core and "
                        "MB megabytes that it reads as its own (cgroup v1, root; benchmarks/container.py)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to this file")
    parser.add_argument("--window", type=float, default=2.0, help="seconds within which everyone presses Train")
    parser.add_argument("--loads", type=int, default=6, help="dropout page loads in Chromium")
    parser.add_argument("--moves", type=int, default=3, help="slider moves after each load")
    parser.add_argument("--pause", type=float, default=3.0,
                        help="seconds the browser rests after each load (the steady live phase is measured then)")
    parser.add_argument("--open-timeout", type=float, default=120, help="seconds a student waits for /mnist")
    parser.add_argument("--mischief", action="store_true", help="instead: the class alone, then beside a tab that "
                        "presses Train --presses times (benchmarks/mischief.py); honest students' start and end")
    parser.add_argument("--presses", type=int, default=50, help="with --mischief: the mischievous tab's presses")
    parser.add_argument("--gap-classes", type=int, default=5, help="with --mischief: classes the other tab starts "
                        "and fills the gaps of")
    args = parser.parse_args(argv)
    check_args(parser, args)
    return args


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a plain kill still stops the app and the browser
    if args.mischief:
        from benchmarks import mischief
        with the_app(args) as (url, *_):
            fig = mischief.compare(url, args)
        print(mischief.report(fig, args))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(fig, f, indent=1)
        return
    try:
        fig = run(args)
    except (RuntimeError, PlaywrightError) as err:
        sys.exit(f"load: {type(err).__name__}: {str(err).splitlines()[0][:300]}")
    print(report(fig))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(fig, f, indent=1)


def run(args):
    """Start (or attach to) the app, run the class and the browser, and return the figures."""
    marks = {"load_before": list(os.getloadavg())}
    with the_app(args) as (url, pid, box), sync_playwright() as p:
        sampler = Sampler(pid) if pid else None
        if sampler:
            sampler.start()
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            warm_up(page, url)
            if sampler:
                marks["idle_server_cores"] = sampler.wait_idle()
                marks["idle_memory"] = sampler.memory()
            marks["quiet_probe"] = probe_result(probe(url, args, loads=3), 120)  # the server alone
            quiet_loads, quiet_moves, _ = browse(page, url, args, [], loads=3)  # the browser alone, same server
            marks["quiet"] = {"loads": quiet_loads, "moves": quiet_moves}
            marks["open"], students = time.monotonic(), Class(args, url)
            try:
                train = students.wait_for("train", args.open_timeout + args.window + 30)
                marks["train"] = train["t"] if train else time.monotonic()
                busy = []
                prober = probe(url, args) if train else None
                loads, moves, broken = browse(page, url, args, busy) if train else ([], [], 0)
                marks["probe"] = probe_result(prober, args.duration) if prober else None
                ended = students.wait_for("ended", args.duration + 60)
                marks["ended"] = ended["t"] if ended else time.monotonic()
            except BaseException:
                students.stop(timeout=0)
                raise
            marks["client_cpu"], err = students.stop()
            marks["container"] = box and box.figures()  # the app still runs: its cgroup's counts so far
        finally:
            browser.close()
            if sampler:
                sampler.running = False
        if students.result is None:
            print(f"the students' process gave no result; its stderr ends with:\n{err}", file=sys.stderr)
        return figures(args, url, sampler, students.result, loads, moves, broken, busy, marks)


if __name__ == "__main__":
    main()
