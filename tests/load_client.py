"""Students as clients of Streamlit's own websocket protocol (no browser): python -m tests.load_client --url URL

Each student is one session on /_stcore/stream that speaks to the server as Streamlit's frontend does: it asks
for /mnist with the class link's query string, keeps the widget states the page's elements announce, presses
Train (the form's submit trigger plus every widget's current value), then asks for its live fragment's reruns
at the interval of the server's `auto_rerun` message until its run ends. Per student it records the time from
Train to the first loss-chart rows, to the run's end, the queue position shown, any exception element, and the
bytes of every fragment rerun. tests/load.py starts it as a subprocess (so the students' Python does not share
a GIL with the browser driver); it prints one JSON object per line: progress events, then {"event": "result"}.
All traffic goes to the given loopback URL; every wait has a deadline.
"""
import argparse
import asyncio
import collections
import json
import random
import re
import statistics
import time
from urllib.parse import urlsplit

import pyarrow as pa
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

FULL_RUN = ForwardMsg.FINISHED_SUCCESSFULLY
FRAGMENT_RUN = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
INTERRUPTED = ForwardMsg.FINISHED_EARLY_FOR_RERUN
QUEUE = re.compile(r"position (\d+) in the queue")
BROKEN = "Something went wrong"  # what app_pages/ui.guarded shows instead of a traceback


def now():
    """Seconds on the system-wide monotonic clock (the same in every process, so load.py can line them up)."""
    return time.monotonic()


class MessageCache:
    """The frontend's cache of large element messages; the server sends a ref_hash for every hash a rerun lists."""

    def __init__(self):
        self.entries, self.runs, self.max_age = {}, 0, 2

    def add(self, msg, data):
        if msg.metadata.cacheable and msg.hash and msg.hash not in self.entries:
            self.entries[msg.hash] = [data, self.runs, msg.delta.fragment_id]

    def resolve(self, ref):
        """The cached message a ref_hash stands for, placed where the reference says (None on a miss)."""
        entry = self.entries.get(ref.ref_hash)
        if entry is None:
            return None
        entry[1] = self.runs
        msg = ForwardMsg.FromString(entry[0])
        msg.metadata.CopyFrom(ref.metadata)
        return msg

    def run_finished(self, fragment_ids):
        """Age the entries as the frontend does after a run; a fragment run ages only its own fragment's."""
        self.runs += 1
        for key, (_, used, fragment) in list(self.entries.items()):
            if (not fragment_ids or fragment in fragment_ids) and self.runs - used > self.max_age:
                del self.entries[key]


def initial_state(kind, element):
    """The widget state the frontend registers when a widget appears; None for buttons and other kinds."""
    state = WidgetState(id=element.id)
    if kind == "number_input":
        if element.set_value and element.HasField("value"):
            value = element.value
        elif element.HasField("default"):
            value = element.default
        else:
            return None
        if element.data_type == NumberInput.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind == "slider":
        state.double_array_value.data.extend(element.value if element.set_value else element.default)
    elif kind == "checkbox":
        state.bool_value = element.value if element.set_value else element.default
    else:
        return None
    return state


def loss_rows(chart):
    """Rows of a vega_lite_chart's Arrow tables that have a loss column (0 when none has)."""
    rows = 0
    for raw in [chart.data.data] + [named.data.data for named in chart.datasets]:
        if raw:
            table = pa.ipc.open_stream(raw).read_all()
            if any("loss" in name for name in table.column_names):
                rows += table.num_rows
    return rows


class Tab:
    """One open page: a session on /_stcore/stream that answers the server as Streamlit's frontend does."""

    def __init__(self, url, page, query, deadline):
        self.url, self.page, self.query, self.deadline = url.rstrip("/"), page, query, deadline
        self.ws = self.reader = self.run = None
        self.page_hash, self.widgets, self.cache, self.timers = "", {}, MessageCache(), {}
        self.element_ids = set()    # ids of the elements (widgets, charts) the page shows
        self.asked_full = None      # when this tab last asked for a full run
        self.full_runs = []         # (start, end, registered a live fragment)
        self.ticks, self.tick_bytes, self.tick_unchanged = [], [], []  # per fragment rerun served
        self.requested = self.bytes = self.messages = self.refs = self.misses = 0
        self.last_hash = {}         # delta path -> hash of the element the last fragment rerun sent there
        self.exceptions, self.errors, self.page_missing, self.client_errors = [], 0, False, []
        self.loaded = asyncio.Event()
        self.trace = collections.deque(maxlen=40)  # the last run-level messages: (time, kind, detail)

    async def open(self, timeout):
        """Connect, ask for the page as a browser's first message does, and wait for its first run to end."""
        netloc = urlsplit(self.url).netloc
        self.ws = await connect(f"ws://{netloc}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                                origin=f"http://{netloc}", open_timeout=timeout, ping_interval=None)
        self.reader = asyncio.create_task(self._read())
        self.asked_full = now()
        await self.rerun()
        await asyncio.wait_for(self.loaded.wait(), timeout)

    async def close(self):
        for _, task in self.timers.values():
            task.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.wait([self.reader], timeout=5)

    async def rerun(self, fragment_id="", auto=False, trigger=None):
        """Send rerun_script with this tab's query, page, widget states and cached message hashes."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_script_hash = self.query, self.page_hash
        if not self.page_hash:
            state.page_name = self.page  # the first message names the page by its URL path
        state.fragment_id, state.is_auto_rerun = fragment_id, auto
        state.widget_states.widgets.extend(self.widgets.values())
        if trigger:
            state.widget_states.widgets.add(id=trigger, trigger_value=True)
        state.cached_message_hashes.extend(self.cache.entries)
        context = state.context_info
        context.timezone, context.timezone_offset, context.locale = "UTC", 0, "en-US"
        context.url = f"{self.url}/{self.page}" + (f"?{self.query}" if self.query else "")
        context.is_embedded, context.color_scheme = False, "light"
        self.trace.append((round(now(), 3), "ask", fragment_id or ("trigger" if trigger else "full")))
        await self.ws.send(msg.SerializeToString())

    async def _read(self):
        try:
            async for data in self.ws:
                try:
                    self.receive(data)
                except Exception as err:  # noqa: BLE001 - a message this client cannot read is noted, not fatal
                    self.client_errors.append(f"{type(err).__name__}: {err}"[:200])
        except ConnectionClosed:
            pass

    async def _ticker(self, fragment_id, interval):
        """Ask for the fragment's rerun every `interval` seconds, as the frontend's setInterval does."""
        due = now() + interval
        try:
            while due < self.deadline:
                await asyncio.sleep(max(0.0, due - now()))
                self.requested += 1
                await self.rerun(fragment_id, auto=True)
                due += interval
        except ConnectionClosed:
            pass

    def receive(self, data):
        """Handle one ForwardMsg from the server."""
        self.bytes += len(data)
        self.messages += 1
        msg = ForwardMsg.FromString(data)
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            self.refs += 1
            msg, kind = self.cache.resolve(msg), "delta"
            if msg is None:
                self.misses += 1
                return
        else:
            self.cache.add(msg, data)
        if kind in ("new_session", "script_finished", "auto_rerun", "stop_auto_rerun", "session_status_changed"):
            detail = (f"fragments {list(msg.metadata.run.fragment_ids)}" if kind == "new_session"
                      else str(getattr(msg, kind)).replace("\n", " ")[:80])
            self.trace.append((round(now(), 3), kind, detail))
        if kind == "new_session":
            self.on_new_session(msg)
        if self.run is not None:
            self.run["bytes"] += len(data)
        handler = getattr(self, "on_" + kind, None) if kind != "new_session" else None
        if handler is not None:
            handler(msg)

    def on_new_session(self, msg):
        """A run starts: a full run forgets the live fragments' timers, as the frontend does."""
        fragments = tuple(msg.metadata.run.fragment_ids)
        start = now()
        if not fragments:
            self.page_hash = self.page_hash or msg.new_session.page_script_hash
            self.cache.max_age = msg.new_session.config.max_cached_message_age or self.cache.max_age
            self.stop_timers(list(self.timers))
            if self.asked_full is not None:
                start, self.asked_full = min(start, self.asked_full), None
        self.run = {"start": start, "fragments": fragments, "bytes": 0, "live": False, "ids": set(), "unchanged": 0}

    def on_delta(self, msg):
        if self.run is not None and self.run["fragments"]:
            path = tuple(msg.metadata.delta_path)
            if self.last_hash.get(path) == msg.hash:
                self.run["unchanged"] += msg.ByteSize()
            self.last_hash[path] = msg.hash
        if msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            kind = element.WhichOneof("type")
            self.on_element(kind, getattr(element, kind))

    def on_element(self, kind, element):
        """Track widget states, exceptions and error messages; subclasses look for more."""
        if self.run is not None and getattr(element, "id", ""):
            self.run["ids"].add(element.id)
            self.element_ids.add(element.id)
            state = initial_state(kind, element)
            if state is not None and (element.id not in self.widgets or getattr(element, "set_value", False)):
                self.widgets[element.id] = state
        if kind == "exception":
            self.exceptions.append(f"{element.type}: {element.message}"[:200])
        elif kind == "alert" and BROKEN in element.body:
            self.errors += 1
            self.exceptions.append(element.body[:200])
        self.observe(kind, element)

    def observe(self, kind, element):
        """Hook for what a particular page's client looks for in each element."""

    def on_auto_rerun(self, msg):
        if self.run is not None:
            self.run["live"] = True
        fragment_id, interval = msg.auto_rerun.fragment_id, max(msg.auto_rerun.interval, 0.05)
        if not fragment_id or self.timers.get(fragment_id, (None,))[0] == interval:
            return
        self.stop_timers([fragment_id])
        self.timers[fragment_id] = (interval, asyncio.create_task(self._ticker(fragment_id, interval)))

    def on_stop_auto_rerun(self, msg):
        self.stop_timers(msg.stop_auto_rerun.fragment_ids)

    def stop_timers(self, fragment_ids):
        for fragment_id in fragment_ids:
            _, task = self.timers.pop(fragment_id, (None, None))
            if task is not None:
                task.cancel()

    def on_navigation(self, msg):
        self.page_hash = msg.navigation.page_script_hash  # with st.navigation, the page actually shown

    def on_page_info_changed(self, msg):
        self.query = msg.page_info_changed.query_string  # the app rewrote the link (e.g. a clamped value)

    def on_page_not_found(self, msg):
        self.page_missing = True

    def on_script_finished(self, msg):
        run, self.run = self.run, None
        if run is None or msg.script_finished == INTERRUPTED:
            return
        self.cache.run_finished(run["fragments"])
        if msg.script_finished == FRAGMENT_RUN:
            self.ticks.append(now())
            self.tick_bytes.append(run["bytes"])
            self.tick_unchanged.append(run["unchanged"])
        elif msg.script_finished == FULL_RUN:
            self.full_runs.append((run["start"], now(), run["live"]))
            self.widgets = {k: v for k, v in self.widgets.items() if k in run["ids"]}  # widgets no longer shown
            self.element_ids = run["ids"]
            self.loaded.set()
            self.on_full_run(run)

    def on_full_run(self, run):
        """Hook called after each complete full run."""

    def summary(self):
        """What this tab measured, as plain JSON-able values."""
        return {"requested_ticks": self.requested, "ticks": self.ticks, "tick_bytes": self.tick_bytes,
                "tick_unchanged_bytes": self.tick_unchanged, "full_runs": self.full_runs, "bytes": self.bytes,
                "messages": self.messages, "cache_refs": self.refs, "cache_misses": self.misses,
                "exceptions": self.exceptions, "errors": self.errors, "page_missing": self.page_missing,
                "client_errors": self.client_errors[:5], "trace": list(self.trace)}


class Student(Tab):
    """A student on /mnist: presses Train, then follows the live fragment until the run ends."""

    def __init__(self, url, query, deadline):
        super().__init__(url, "mnist", query, deadline)
        self.opened = self.pressed = self.first_chart = self.queue_shown = self.ended = self.failure = None
        self.first_rows, self.positions, self.status = 0, [], ""
        self.done = asyncio.Event()

    async def train(self, button_key="train"):
        """Press the form's submit button: its trigger plus the current value of every other widget."""
        button = next((i for i in self.element_ids if i.endswith("-" + button_key)), None)
        if button is None:
            raise RuntimeError(f"no '{button_key}' button on the page")
        self.pressed = self.asked_full = now()
        await self.rerun(trigger=button)

    def observe(self, kind, element):
        if self.pressed is None:
            return
        if kind == "alert":
            position = QUEUE.search(element.body)
            if position:
                self.positions.append(int(position.group(1)))
                self.queue_shown = self.queue_shown or now() - self.pressed
                self.run_is_busy()
            self.status = element.body
        elif kind == "progress":
            self.run_is_busy()
        elif kind == "vega_lite_chart" and self.first_chart is None:
            rows = loss_rows(element)
            if rows:
                self.first_chart, self.first_rows = now() - self.pressed, rows

    def run_is_busy(self):
        """The run being received shows a training still going (a progress bar or a queue position)."""
        if self.run is not None:
            self.run["busy"] = True

    def on_full_run(self, run):
        """The class run has ended once a full run after Train shows neither a live fragment nor a run going."""
        if (self.pressed is not None and self.ended is None and run["start"] >= self.pressed and not run["live"]
                and not run.get("busy")):
            self.ended = now() - self.pressed
            self.done.set()

    def summary(self):
        return {**super().summary(), "opened_s": self.opened, "pressed": self.pressed,
                "first_chart_s": self.first_chart, "first_chart_rows": self.first_rows, "end_s": self.ended,
                "queue_shown_s": self.queue_shown,
                "queue_positions": sorted(set(self.positions)), "status": self.status[:160],
                "failure": self.failure}


def student_query(i, epochs, train_size):
    """The class link's setup; every other student adds a seed of their own (a run of their own)."""
    query = f"epochs={epochs}&train_size={train_size}"
    return query if i % 2 == 0 else f"{query}&seed={1000 + i}"


async def open_student(student, delay, timeout):
    """Open /mnist after `delay` seconds; record how long the page's first run took, or why it failed."""
    await asyncio.sleep(delay)
    start = now()
    try:
        await student.open(timeout)
        student.opened = now() - start
    except (OSError, asyncio.TimeoutError, ConnectionClosed) as err:
        student.failure = f"open: {type(err).__name__}: {err}"[:200]


async def follow_student(student, delay, deadline):
    """Press Train after `delay` seconds, then wait (until the deadline) for the run's end."""
    if student.failure is not None:
        return
    await asyncio.sleep(delay)
    try:
        await student.train()
        await asyncio.wait_for(student.done.wait(), max(0.0, deadline - now()))
    except asyncio.TimeoutError:
        student.failure = "run not ended by the deadline"
    except (RuntimeError, ConnectionClosed) as err:
        student.failure = f"train: {type(err).__name__}: {err}"[:200]


async def open_board(url, code, deadline, timeout):
    """A projector's tab on /class?class=CODE, kept open with its live fragment (page_missing if there is none)."""
    board = Tab(url, "class", f"class={code}", deadline)
    try:
        await board.open(timeout)
    except (OSError, asyncio.TimeoutError, ConnectionClosed) as err:
        board.exceptions.append(f"open: {type(err).__name__}: {err}"[:200])
    return board


def emit(event, **fields):
    print(json.dumps({"event": event, "t": now(), **fields}), flush=True)


async def run_class(args):
    """Open the page for every student, press Train within the window, follow the runs; the result as a dict."""
    deadline = now() + args.duration
    students = [Student(args.url, student_query(i, args.epochs, args.train_size), deadline)
                for i in range(args.students)]
    board = await open_board(args.url, args.board, deadline, args.open_timeout) if args.board else None
    spread = args.window / max(len(students), 1)
    await asyncio.gather(*(open_student(s, i * spread, args.open_timeout) for i, s in enumerate(students)))
    emit("opened", ok=sum(s.failure is None for s in students))
    await asyncio.sleep(1.0)
    rng = random.Random(args.seed)
    emit("train", window=args.window)
    await asyncio.gather(*(follow_student(s, rng.uniform(0, args.window), deadline) for s in students))
    emit("ended")
    await asyncio.gather(*(t.close() for t in students + ([board] if board else [])))
    return {"students": [s.summary() for s in students], "board": board.summary() if board else None}


def summary_line(result):
    """One line a person can read: first charts, ends, failures."""
    students = result["students"]
    charts = [s["first_chart_s"] for s in students if s["first_chart_s"] is not None]
    ends = [s["end_s"] for s in students if s["end_s"] is not None]
    median = lambda xs: f"{statistics.median(xs):.2f} s" if xs else "-"  # noqa: E731
    return (f"{len(students)} students: first chart median {median(charts)} ({len(charts)} saw one), "
            f"run end median {median(ends)} ({len(ends)} ended), "
            f"exceptions {sum(bool(s['exceptions']) for s in students)}, "
            f"failures {sum(s['failure'] is not None for s in students)}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the app's base URL, on 127.0.0.1")
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--train-size", type=int, default=6000)
    parser.add_argument("--window", type=float, default=2.0, help="seconds within which everyone presses Train")
    parser.add_argument("--board", default=None, help="class code: keep /class?class=CODE open as well")
    parser.add_argument("--duration", type=float, default=300, help="the class's time limit, in seconds")
    parser.add_argument("--open-timeout", type=float, default=120)
    parser.add_argument("--seed", type=int, default=0, help="seed of the press times")
    args = parser.parse_args(argv)
    if urlsplit(args.url).hostname != "127.0.0.1":
        parser.error("--url must point at 127.0.0.1 (this benchmark only talks to a local server)")
    if not 1 <= args.students <= 500:
        parser.error("--students must be between 1 and 500")
    return args


def main(argv=None):
    args = parse_args(argv)
    result = asyncio.run(run_class(args))
    emit("result", **result)
    print(summary_line(result), flush=True)


if __name__ == "__main__":
    main()
