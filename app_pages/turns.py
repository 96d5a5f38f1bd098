"""Page scripts take turns: at most a few run at once, the others wait in line, most urgent first.

Streamlit runs every session's rerun on a thread of its own, and Python runs one thread at a time. When a class
presses Train within two seconds, a hundred reruns otherwise share the interpreter evenly with each other and
with the server's event loop: every one of them, and every page load in between, ends only when the whole
burst does. Taking turns, the reruns end in about the order they came, and the event loop (page loads,
messages to browsers) competes with a couple of threads instead of a hundred.

Waiting runs go in order of urgency, then of arrival: PAGE (a page opened, a slider moved: a person waits for
the page to appear), BULK (what a class does all at once: Train, and the full redraw when a run ends), REDRAW
(a live chart's timed redraw, which can come a moment later).
"""
import collections
import contextlib
import threading


PAGE, BULK, REDRAW = 0, 1, 2


class Turns:
    """At most `slots` scripts at a time; a thread already holding a turn may enter again (nested)."""

    def __init__(self, slots):
        self._lock = threading.Lock()
        self._free = slots
        self._waiting = tuple(collections.deque() for _ in (PAGE, BULK, REDRAW))  # by urgency, oldest first
        self._depth = threading.local()

    def waiting(self, urgency=None):
        """How many scripts wait for a turn (of one urgency, or in all)."""
        with self._lock:
            lines = self._waiting if urgency is None else self._waiting[urgency:urgency + 1]
            return sum(len(line) for line in lines)

    def _acquire(self, urgency, first=False):
        with self._lock:
            if self._free and not any(self._waiting[:urgency + 1]):
                self._free -= 1
                return
            baton = threading.Lock()
            baton.acquire()
            line = self._waiting[urgency]
            line.appendleft(baton) if first else line.append(baton)
        baton.acquire()  # released by _release, which hands this thread the slot directly

    def _release(self):
        with self._lock:
            for line in self._waiting:
                if line:
                    line.popleft().release()
                    return
            self._free += 1

    @contextlib.contextmanager
    def turn(self, urgency=PAGE):
        depth = getattr(self._depth, "n", 0)
        if depth == 0:
            self._acquire(urgency)
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            if depth == 0:
                self._release()

    @contextlib.contextmanager
    def stepped_out(self, back=PAGE):
        """Give this thread's turn to another script while it only waits (holding no lock anyone needs).

        It comes back first in the line of urgency `back` (it was already running).
        """
        depth = getattr(self._depth, "n", 0)
        if depth:
            self._depth.n = 0
            self._release()
        try:
            yield
        finally:
            if depth:
                self._acquire(back, first=True)
                self._depth.n = depth
