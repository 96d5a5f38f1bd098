"""Which class codes exist, told without a database read per unknown code.

    known = KnownCodes(board.get_class)
    known.exists("K7PQMW")    # True, False, or None: too many unknown codes asked just now (say "busy")

A code found once is remembered for good (classes are never deleted); an unknown one is remembered for
UNKNOWN_TTL_S; a code asked for the first time costs a read only while the server-wide budget for such reads
(READS_PER_S, a token bucket) lasts. A flood of made-up codes therefore costs at most READS_PER_S database reads a
second, whatever their number, and gets no answer that tells an existing code apart from a busy server.
"""
import threading
import time
from collections import OrderedDict

UNKNOWN_TTL_S = 30.0
READS_PER_S = 5.0
MAX_REMEMBERED = 10_000


class KnownCodes:
    def __init__(self, lookup, reads_per_s=READS_PER_S, unknown_ttl=UNKNOWN_TTL_S, clock=time.monotonic):
        """lookup(code): the class or None (BoardUnavailable propagates, and nothing is remembered)."""
        self.lookup, self.rate, self.ttl, self.clock = lookup, reads_per_s, unknown_ttl, clock
        self._lock = threading.Lock()
        self._known = set()
        self._unknown = OrderedDict()  # code -> when it stops being remembered as unknown
        self._tokens, self._filled = reads_per_s, clock()
        self.reads = 0  # database reads made for codes not remembered (for tests and the log)

    def exists(self, code):
        """True (a class), False (no class, remembered briefly), or None (the budget of reads is spent now)."""
        now = self.clock()
        with self._lock:
            if code in self._known:
                return True
            if self._unknown.get(code, 0.0) > now:
                return False
            self._tokens = min(self.rate, self._tokens + (now - self._filled) * self.rate)
            self._filled = now
            if self._tokens < 1.0:
                return None
            self._tokens -= 1.0
            self.reads += 1
        found = self.lookup(code) is not None
        with self._lock:
            if found:
                self._known.add(code)
                self._unknown.pop(code, None)
            else:
                self._unknown[code] = now + self.ttl
                self._unknown.move_to_end(code)
                while len(self._unknown) > MAX_REMEMBERED:
                    self._unknown.popitem(last=False)
        return found

    def add(self, code):
        """A class made on this server: known at once."""
        with self._lock:
            self._known.add(code)
            self._unknown.pop(code, None)

    def forget(self):
        """Forget what was remembered (tests, and a page that knows a class was just made elsewhere)."""
        with self._lock:
            self._known.clear()
            self._unknown.clear()
