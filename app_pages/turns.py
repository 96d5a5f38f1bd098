"""Page scripts take turns: at most a few run at once, the others wait in line, live redraws last.

Streamlit runs every session's rerun on a thread of its own, and Python runs one thread at a time. When a class
presses Train within two seconds, a hundred reruns otherwise share the interpreter evenly with each other and
with the server's event loop: every one of them, and every page load in between, ends only when the whole
burst does. Taking turns, the reruns end in about the order they came, and the event loop (page loads,
messages to browsers) competes with a couple of threads instead of a hundred. A live chart's timed redraw is
background work: it waits while any page run (a page load, a slider move, Train) is waiting, so the people
waiting on a page go first and a redraw comes a moment later.
"""
import collections
import contextlib
import threading


class Turns:
    """At most `slots` scripts at a time; a thread already holding a turn may enter again (nested)."""

    def __init__(self, slots):
        self._lock = threading.Lock()
        self._free = slots
        self._waiting = (collections.deque(), collections.deque())  # (page runs, background), oldest first
        self._depth = threading.local()

    def _acquire(self, background):
        with self._lock:
            if self._free and not self._waiting[0] and not (background and self._waiting[1]):
                self._free -= 1
                return
            baton = threading.Lock()
            baton.acquire()
            self._waiting[background].append(baton)
        baton.acquire()  # released by _release, which hands this thread the slot directly

    def _release(self):
        with self._lock:
            for line in self._waiting:
                if line:
                    line.popleft().release()
                    return
            self._free += 1

    @contextlib.contextmanager
    def turn(self, background=False):
        depth = getattr(self._depth, "n", 0)
        if depth == 0:
            self._acquire(background)
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            if depth == 0:
                self._release()

    @contextlib.contextmanager
    def stepped_out(self):
        """Give this thread's turn to another script while it only waits (holding no lock anyone needs)."""
        depth = getattr(self._depth, "n", 0)
        if depth:
            self._depth.n = 0
            self._release()
        try:
            yield
        finally:
            if depth:
                self._acquire(False)
                self._depth.n = depth
