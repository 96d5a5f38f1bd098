"""Students as clients of Streamlit's own websocket protocol (no browser): python -m benchmarks.load_client --url URL

Each student is one session on /_stcore/stream that speaks to the server as Streamlit's frontend does: it asks
for /mnist with the class link's query string, keeps the widget states the page's elements announce, presses
Train (the form's submit trigger plus every widget's current value, as a rerun of the fragment holding the form),
then does what the page's live chart does in a browser: it polls /api/runs/{token} for the runs the chart was
mounted with, at the chart's interval, over one kept-alive HTTP connection, and when they have ended sends the
chart's "ended" trigger (one rerun of its fragment). A board tab polls /api/classes/{code} as the board's watch
does and reruns its fragment when the version changes. A page still using timed fragment reruns (`auto_rerun`)
is followed at their interval. Per student it records the time from Train to the first loss-chart rows, to the
run's end, the queue position shown, any exception element, and the bytes of every poll and fragment rerun. tests/load.py starts it as a subprocess (so the students' Python does not share
a GIL with the browser driver); it prints one JSON object per line: progress events, then {"event": "result"}.
All traffic goes to the given loopback URL; every wait has a deadline.
"""
import argparse
import asyncio
import collections
import gzip
import json
import random
import re
import statistics
import time
from urllib.parse import quote, urlsplit

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
QUEUE = re.compile(r"(?:position|place) (\d+) in the queue")
LIVE_RUNS, WATCH = "dropout_live_runs", "dropout_watch"  # the app's live components (app_pages/live.py)
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


class HTTP:
    """One kept-alive HTTP/1.1 connection to the app, as a browser tab's fetch() reuses; gzip accepted."""

    def __init__(self, netloc):
        self.netloc = netloc
        self.host, _, port = netloc.partition(":")
        self.port = int(port or 80)
        self.reader = self.writer = None
        self.lock = asyncio.Lock()  # one request at a time on the connection (a tab's live elements poll at once)

    async def get(self, path, timeout=30):
        """(status, body bytes, bytes on the wire) of GET path; reconnects once if the connection was closed."""
        async with self.lock:
            for attempt in (0, 1):
                try:
                    return await asyncio.wait_for(self._get(path), timeout)
                except (OSError, asyncio.IncompleteReadError, ConnectionError):
                    self.close()
                    if attempt:
                        raise
                except BaseException:  # cancelled (a live element drawn anew) or timed out mid-answer
                    self.close()  # the answer's rest would be read as the next one's: start a new connection
                    raise
        raise RuntimeError("unreachable")

    async def _get(self, path):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.netloc}\r\nAccept: */*\r\n"
                          "Accept-Encoding: gzip, deflate\r\n\r\n".encode())
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        headers, size = {}, 0
        while True:
            line = await self.reader.readline()
            size += len(line)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                length = int((await self.reader.readline()).split(b";")[0], 16)
                chunk = await self.reader.readexactly(length + 2)
                body += chunk[:-2]
                if length == 0:
                    break
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", 0)))
        size += len(body)
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body, size

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Tab:
    """One open page: a session on /_stcore/stream that answers the server as Streamlit's frontend does."""

    def __init__(self, url, page, query, deadline):
        self.url, self.page, self.query, self.deadline = url.rstrip("/"), page, query, deadline
        self.ws = self.reader = self.run = None
        self.page_hash, self.widgets, self.cache, self.timers = "", {}, MessageCache(), {}
        self.element_ids = set()    # ids of the elements (widgets, charts) the page shows
        self.fragment_ids = {}      # element id -> the fragment it was drawn in ("" for none)
        self.fragment_of_delta = ""
        self.http = None            # the kept-alive connection the page's live charts poll over
        self.watchers = {}          # element id -> the task following that live element
        self.asked_full = None      # when this tab last asked for a full run
        self.asked_fragment = None  # when it last asked for a fragment's rerun
        self.auto_asked = False     # whether that was a timed rerun (an old-style live fragment)
        self.full_runs = []         # (start, end, registered a live fragment)
        self.ticks, self.tick_bytes, self.tick_unchanged = [], [], []  # per fragment rerun served
        self.requested = self.bytes = self.messages = self.refs = self.misses = 0
        self.last_hash = {}         # delta path -> hash of the element the last fragment rerun sent there
        self.exceptions, self.errors, self.page_missing, self.client_errors = [], 0, False, []
        self.loaded = asyncio.Event()
        self.polls, self.poll_bytes = [], []  # when each poll of a route was answered, and its bytes
        self.fragment_runs = []     # (start, end) of every fragment run (Train, a run's end, a board change)
        self.triggered = None       # when a live component last asked for its fragment's rerun
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
        for task in self.watchers.values():
            task.cancel()
        if self.http is not None:
            self.http.close()
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.wait([self.reader], timeout=5)

    async def rerun(self, fragment_id="", auto=False, trigger=None, json_trigger=None):
        """Send rerun_script with this tab's query, page, widget states and cached message hashes.

        trigger: a button's id; json_trigger: (a component's element id, event, value), as setTriggerValue sends.
        """
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_script_hash = self.query, self.page_hash
        if not self.page_hash:
            state.page_name = self.page  # the first message names the page by its URL path
        state.fragment_id, state.is_auto_rerun = fragment_id, auto
        state.widget_states.widgets.extend(self.widgets.values())
        if trigger:
            state.widget_states.widgets.add(id=trigger, trigger_value=True)
        if json_trigger:
            element_id, event, value = json_trigger
            state.widget_states.widgets.add(id=f"$$STREAMLIT_INTERNAL_KEY_{element_id}__events",
                                            json_trigger_value=json.dumps([{"event": event, "value": value}]))
        state.cached_message_hashes.extend(self.cache.entries)
        context = state.context_info
        context.timezone, context.timezone_offset, context.locale = "UTC", 0, "en-US"
        context.url = f"{self.url}/{self.page}" + (f"?{self.query}" if self.query else "")
        context.is_embedded, context.color_scheme = False, "light"
        self.trace.append((round(now(), 3), "ask", fragment_id or ("trigger" if trigger else "full")))
        if fragment_id:
            self.asked_fragment, self.auto_asked = now(), auto
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
                if self.run is not None:
                    self.run["missed"] = True  # an element of this run is unknown here: unmount nothing after it
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
        if fragments and self.asked_fragment is not None:
            start, self.asked_fragment = min(start, self.asked_fragment), None
        self.run = {"start": start, "fragments": fragments, "bytes": 0, "live": False, "ids": set(), "unchanged": 0,
                    "timed": bool(fragments) and self.auto_asked}

    def on_delta(self, msg):
        if self.run is not None and self.run["fragments"]:
            path = tuple(msg.metadata.delta_path)
            if self.last_hash.get(path) == msg.hash:
                self.run["unchanged"] += msg.ByteSize()
            self.last_hash[path] = msg.hash
        if msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            kind = element.WhichOneof("type")
            self.fragment_of_delta = msg.delta.fragment_id
            self.on_element(kind, getattr(element, kind))

    def on_element(self, kind, element):
        """Track widget states, exceptions and error messages; subclasses look for more."""
        if self.run is not None and getattr(element, "id", ""):
            self.run["ids"].add(element.id)
            self.element_ids.add(element.id)
            self.fragment_ids[element.id] = self.fragment_of_delta
            state = initial_state(kind, element)
            if state is not None and (element.id not in self.widgets or getattr(element, "set_value", False)):
                self.widgets[element.id] = state
        if kind == "exception":
            self.exceptions.append(f"{element.type}: {element.message}"[:200])
        elif kind == "alert" and BROKEN in element.body:
            self.errors += 1
            self.exceptions.append(element.body[:200])
        if kind == "bidi_component":
            self.on_component(element)
        self.observe(kind, element)

    def observe(self, kind, element):
        """Hook for what a particular page's client looks for in each element."""

    def on_component(self, element):
        """A live component was drawn: follow it as its JavaScript would (once per distinct mount)."""
        name = element.component_name.rsplit(".", 1)[-1]
        if name not in (LIVE_RUNS, WATCH) or not element.json:
            return
        old = self.watchers.get(element.id)
        if old is not None and getattr(old, "data", None) == element.json:
            return  # the same mount again (its key and data unchanged): the browser keeps it as it is
        if old is not None:
            old.cancel()
        follow = self.follow_runs if name == LIVE_RUNS else self.follow_watch
        task = asyncio.get_running_loop().create_task(follow(element.id, self.fragment_of_delta,
                                                             json.loads(element.json)))
        task.data = element.json
        self.watchers[element.id] = task

    async def poll(self, path):
        """GET a route of the app over this tab's kept-alive connection; (status, JSON or None)."""
        if self.http is None:
            self.http = HTTP(urlsplit(self.url).netloc)
        status, body, size = await self.http.get(path)
        self.polls.append(now())
        self.poll_bytes.append(size)
        self.bytes += size
        return status, (json.loads(body) if status == 200 else None)

    async def follow_runs(self, element_id, fragment_id, data):
        """What live_runs.js does: poll the mounted runs until those mounted live have ended, then trigger."""
        runs = [dict(r, next=0, ended=False) for r in data["runs"]]
        watched = [r for r in runs if r["live"]]
        try:
            while watched and now() < self.deadline:
                more = False
                for run in runs:
                    if run["ended"]:
                        continue
                    viewer = f"&viewer={quote(data['viewer'])}" if data.get("viewer") else ""
                    status, answer = await self.poll(f"/api/runs/{quote(run['token'])}?since={run['next']}{viewer}")
                    if answer is None:
                        run["ended"] = run["gone"] = status == 404
                        continue
                    run["next"], run["ended"], run["status"] = answer["next"], answer["ended"], answer["status"]
                    more = more or answer.get("more", False)
                    self.on_poll(answer)
                due = any(r["ended"] for r in watched) if data.get("each") else all(r["ended"] for r in watched)
                if due:
                    if all(r.get("gone") for r in watched):
                        return  # as live_runs.js: a run the server no longer has asks for no rerun
                    self.triggered = now()
                    await self.rerun(fragment_id, json_trigger=(element_id, "ended", int(time.time() * 1000)))
                    return
                training = any(not r["ended"] and r.get("status") != "queued" for r in runs)
                every = data["interval"] if training else data.get("queued_interval", data["interval"])
                await asyncio.sleep(0 if more else every)
        except (OSError, ConnectionClosed, asyncio.TimeoutError) as err:
            self.client_errors.append(f"poll: {type(err).__name__}: {err}"[:200])

    async def follow_watch(self, element_id, fragment_id, data):
        """What watch.js does: poll the route every interval; one trigger when its version differs."""
        try:
            while now() < self.deadline:
                await asyncio.sleep(data["interval"])
                status, answer = await self.poll("/" + data["url"].lstrip("/"))
                if answer is not None and answer.get("version") != data["version"]:
                    await self.rerun(fragment_id, json_trigger=(element_id, "changed", answer["version"]))
                    return
        except (OSError, ConnectionClosed, asyncio.TimeoutError) as err:
            self.client_errors.append(f"watch: {type(err).__name__}: {err}"[:200])

    def on_poll(self, answer):
        """Hook: one answer of the runs route."""

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

    def element_id(self, key):
        """The id of the element with this widget key on the page, or None (Streamlit ends an id with "-key")."""
        return next((i for i in self.element_ids if i.endswith("-" + key)), None)

    def unmount(self, run):
        """A live element the finished run did not draw again is gone from the page (a new key draws a new element
        in its place): stop following it, as the browser unmounts it. A fragment's run redraws only its own."""
        if run.get("missed"):
            return
        for element_id, task in list(self.watchers.items()):
            drawn_by_run = not run["fragments"] or self.fragment_ids.get(element_id, "") in run["fragments"]
            if drawn_by_run and element_id not in run["ids"]:
                task.cancel()
                del self.watchers[element_id]

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
        self.unmount(run)
        if msg.script_finished == FRAGMENT_RUN:
            self.fragment_runs.append((run["start"], now()))
            if run.get("timed"):
                self.ticks.append(now())
                self.tick_bytes.append(run["bytes"])
                self.tick_unchanged.append(run["unchanged"])
            self.on_fragment_run(run)
        elif msg.script_finished == FULL_RUN:
            self.full_runs.append((run["start"], now(), run["live"]))
            self.widgets = {k: v for k, v in self.widgets.items() if k in run["ids"]}  # widgets no longer shown
            self.element_ids = run["ids"]
            self.loaded.set()
            self.on_full_run(run)

    def on_full_run(self, run):
        """Hook called after each complete full run."""

    def on_fragment_run(self, run):
        """Hook called after each complete fragment run."""

    def summary(self):
        """What this tab measured, as plain JSON-able values."""
        return {"requested_ticks": self.requested, "ticks": self.ticks, "tick_bytes": self.tick_bytes,
                "polls": self.polls, "poll_bytes": self.poll_bytes, "fragment_runs": self.fragment_runs,
                "tick_unchanged_bytes": self.tick_unchanged, "full_runs": self.full_runs, "bytes": self.bytes,
                "messages": self.messages, "cache_refs": self.refs, "cache_misses": self.misses,
                "exceptions": self.exceptions, "errors": self.errors, "page_missing": self.page_missing,
                "client_errors": self.client_errors[:5], "trace": list(self.trace)}


class Student(Tab):
    """A student on /mnist: presses Train, then follows the live fragment until the run ends."""

    def __init__(self, url, query, deadline):
        super().__init__(url, "mnist", query, deadline)
        self.opened = self.pressed = self.first_chart = self.queue_shown = self.started = self.ended = None
        self.failure = None
        self.first_rows, self.positions, self.status = 0, [], ""
        self.done = asyncio.Event()

    async def train(self, button_key="train"):
        """Press the form's submit button: its trigger plus the current value of every other widget."""
        button = self.element_id(button_key)
        if button is None:
            raise RuntimeError(f"no '{button_key}' button on the page")
        self.pressed = self.asked_full = now()
        await self.rerun(self.fragment_ids.get(button, ""), trigger=button)

    def observe(self, kind, element):
        if self.pressed is None:
            return
        if kind == "alert":
            self.saw_position(element.body)
            self.status = element.body
        elif kind == "progress":
            self.run_is_busy()
        elif kind == "vega_lite_chart" and self.first_chart is None:
            rows = loss_rows(element)
            if rows:
                self.first_chart, self.first_rows = now() - self.pressed, rows
        elif kind == "bidi_component" and element.component_name.endswith(LIVE_RUNS) and element.json:
            if any(r["live"] for r in json.loads(element.json)["runs"]):
                self.run_is_busy()  # a live chart mounted with a run still going

    def saw_position(self, text):
        position = QUEUE.search(text)
        if position:
            self.positions.append(int(position.group(1)))
            self.queue_shown = self.queue_shown or now() - self.pressed
            self.run_is_busy()

    def on_poll(self, answer):
        if self.pressed is None:
            return
        if answer["status"] == "queued":
            self.saw_position(answer["text"])
        elif self.started is None:  # the first answer after the queue: the run has started (or already ended)
            self.started = now() - self.pressed
        if answer["loss"] and self.first_chart is None:
            self.first_chart, self.first_rows = now() - self.pressed, len(answer["loss"])
        self.status = answer["text"]

    def run_is_busy(self):
        """The run being received shows a training still going (a progress bar, a queue position, a live chart)."""
        if self.run is not None:
            self.run["busy"] = True

    def on_full_run(self, run):
        self.check_ended(run)

    def on_fragment_run(self, run):
        self.check_ended(run)

    def check_ended(self, run):
        """The class run has ended once a run after Train shows neither a live fragment nor a run going."""
        if (self.pressed is not None and self.ended is None and run["start"] >= self.pressed and not run["live"]
                and not run.get("busy")):
            self.ended = now() - self.pressed
            self.done.set()

    def summary(self):
        return {**super().summary(), "opened_s": self.opened, "pressed": self.pressed,
                "first_chart_s": self.first_chart, "first_chart_rows": self.first_rows, "end_s": self.ended,
                "start_s": self.started,
                "queue_shown_s": self.queue_shown,
                "queue_positions": sorted(set(self.positions)), "status": self.status[:160],
                "failure": self.failure}


def student_query(i, epochs, train_size, seed_base=None):
    """The class link's setup; every other student adds a seed of their own (a run of their own).

    seed_base: the shared half trains seed seed_base too, the others seed_base + 1 + i (so that two classes on
    one server share no finished run).
    """
    query = f"epochs={epochs}&train_size={train_size}"
    if seed_base is None:
        return query if i % 2 == 0 else f"{query}&seed={1000 + i}"
    return f"{query}&seed={seed_base if i % 2 == 0 else seed_base + 1 + i}"


class Pest(Tab):
    """A mischievous tab: presses buttons one after another, each as soon as the server has answered the last."""

    def __init__(self, url, page, query, deadline):
        super().__init__(url, page, query, deadline)
        self.answered, self.failure = asyncio.Event(), None

    def on_fragment_run(self, run):
        self.answered.set()

    def on_full_run(self, run):
        self.answered.set()

    async def element(self, key, timeout):
        """The id of the element with this key, once the page has drawn it (a run still going may draw it)."""
        deadline = now() + timeout
        while True:
            found = self.element_id(key)
            if found is not None:
                return found
            if now() > deadline:
                raise asyncio.TimeoutError(f"the page drew no element {key!r} in {timeout:.0f} s")
            self.answered.clear()
            try:
                await asyncio.wait_for(self.answered.wait(), 1.0)
            except asyncio.TimeoutError:
                pass

    async def press(self, key, timeout):
        button = await self.element(key, timeout)
        self.answered.clear()
        self.asked_full = now()
        await self.rerun(self.fragment_ids.get(button, ""), trigger=button)
        await asyncio.wait_for(self.answered.wait(), timeout)

    async def act(self, timeout):
        """What this tab does once its page is open."""

    async def play(self, timeout):
        """Open the page and act; a failure is noted, not raised. Returns self. (Tab.run is the run being read.)"""
        try:
            await self.open(timeout)
            await self.act(timeout)
        except (OSError, asyncio.TimeoutError, ConnectionClosed) as err:
            self.failure = f"{type(err).__name__}: {err}"[:200]
        return self


class Presser(Pest):
    """A mischievous tab on /mnist: presses Train with one new seed after another, as fast as the server answers."""

    def __init__(self, url, query, deadline, presses, seed_base):
        super().__init__(url, "mnist", query, deadline)
        self.presses, self.seed_base, self.pressed_at = presses, seed_base, []

    async def act(self, timeout):
        for k in range(self.presses):
            seed = await self.element("seed", timeout)
            self.widgets[seed].int_value = self.seed_base + k
            self.pressed_at.append(now())
            await self.press("train", timeout)

    def summary(self):
        return {**super().summary(), "presses": len(self.pressed_at), "failure": self.failure,
                "pressing_s": (self.pressed_at[-1] - self.pressed_at[0]) if self.pressed_at else None}


class GapFiller(Pest):
    """A mischievous tab on /class: starts classes of its own and has the server fill each one's gaps."""

    def __init__(self, url, deadline, classes):
        super().__init__(url, "class", "", deadline)
        self.classes, self.filled = classes, 0

    async def act(self, timeout):
        for _ in range(self.classes):
            await self.press("new_start", timeout)  # the page then shows the new class's board, with its controls
            await self.press("fill", timeout)
            self.filled += 1
            await self.press("new_class_button", timeout)

    def summary(self):
        return {**super().summary(), "classes_filled": self.filled, "failure": self.failure}


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


class Probe(Tab):
    """A fresh session on /dropout that times the server's own part of a page load and of a slider move.

    A load: from the first rerun request to the full run's script_finished; a move: from the rerun request
    carrying the slider's new value to its script_finished. No browser: nothing here shares the time with
    rendering, so these are the server's figures.
    """

    def __init__(self, url, deadline):
        super().__init__(url, "dropout", "", deadline)
        self.finished = asyncio.Event()

    def on_full_run(self, run):
        self.finished.set()

    async def load(self, timeout):
        start = now()
        await self.open(timeout)
        return now() - start

    async def move(self, timeout, step=0.01):
        """Move the drop-probability slider one step (up, or down from the top) and time the rerun."""
        slider = next(k for k in self.widgets if k.endswith("-drop_prob"))
        value = self.widgets[slider].double_array_value.data
        value[0] = round(value[0] + step if value[0] + step <= 1.0 else value[0] - step, 4)
        self.finished.clear()
        start = self.asked_full = now()
        await self.rerun()
        await asyncio.wait_for(self.finished.wait(), timeout)
        return now() - start


async def run_probe(args):
    """args.loads fresh sessions on /dropout, each followed by args.moves slider moves, args.pause s apart."""
    loads, moves = [], []
    for _ in range(args.loads):
        probe = Probe(args.url, now() + args.duration)
        try:
            loads.append({"at": now(), "s": await probe.load(args.open_timeout)})
            for _ in range(args.moves):
                moves.append({"at": now(), "s": await probe.move(args.open_timeout)})
        except (OSError, asyncio.TimeoutError, ConnectionClosed, StopIteration) as err:
            loads.append({"at": now(), "s": None, "error": f"{type(err).__name__}: {err}"[:160]})
        finally:
            await probe.close()
        await asyncio.sleep(args.pause)
    return {"loads": loads, "moves": moves}


def emit(event, **fields):
    print(json.dumps({"event": event, "t": now(), **fields}), flush=True)


async def run_class(args):
    """Open the page for every student, press Train within the window, follow the runs; the result as a dict."""
    deadline = now() + args.duration
    students = [Student(args.url, student_query(i, args.epochs, args.train_size, args.seed_base), deadline)
                for i in range(args.students)]
    board = await open_board(args.url, args.board, deadline, args.open_timeout) if args.board else None
    spread = args.window / max(len(students), 1)
    await asyncio.gather(*(open_student(s, i * spread, args.open_timeout) for i, s in enumerate(students)))
    emit("opened", ok=sum(s.failure is None for s in students))
    await asyncio.sleep(1.0)
    rng = random.Random(args.seed)
    emit("train", window=args.window)
    presser = Presser(args.url, f"epochs={args.epochs}&train_size={args.train_size}", deadline, args.mischief,
                      (args.seed_base or 0) + 5000)
    mischief = asyncio.ensure_future(presser.play(args.open_timeout)) if args.mischief else None
    gaps = (asyncio.ensure_future(GapFiller(args.url, deadline, args.gap_classes).play(args.open_timeout))
            if args.gap_classes else None)
    await asyncio.gather(*(follow_student(s, rng.uniform(0, args.window), deadline) for s in students))
    emit("ended")
    extra = [await task for task in (mischief, gaps) if task is not None]
    await asyncio.gather(*(t.close() for t in students + ([board] if board else []) + extra))
    return {"students": [s.summary() for s in students], "board": board.summary() if board else None,
            "mischief": (await mischief).summary() if mischief else None,
            "gaps": (await gaps).summary() if gaps else None}


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
    parser.add_argument("--seed-base", type=int, default=None, help="training seeds of the class (see student_query)")
    parser.add_argument("--mischief", type=int, default=0, metavar="N",
                        help="also one tab that presses Train with N distinct seeds as fast as the server answers")
    parser.add_argument("--gap-classes", type=int, default=0, metavar="N",
                        help="also one tab that starts N classes of its own and fills each one's gaps")
    parser.add_argument("--probe", action="store_true", help="instead of students: time the server's part of "
                        "dropout page loads and slider moves (--loads, --moves, --pause)")
    parser.add_argument("--loads", type=int, default=6)
    parser.add_argument("--moves", type=int, default=3)
    parser.add_argument("--pause", type=float, default=3.0)
    args = parser.parse_args(argv)
    if urlsplit(args.url).hostname != "127.0.0.1":
        parser.error("--url must point at 127.0.0.1 (this benchmark only talks to a local server)")
    if not 1 <= args.students <= 500:
        parser.error("--students must be between 1 and 500")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.probe:
        emit("probe", **asyncio.run(run_probe(args)))
        return
    result = asyncio.run(run_class(args))
    emit("result", **result)
    print(summary_line(result), flush=True)


if __name__ == "__main__":
    main()
