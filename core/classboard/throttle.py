"""Wrong teacher keys and teacher links, slowed down per browser session and per server, and logged.

    throttle = Throttle()
    wait = throttle.wait(session)          # > 0: refuse this try at once, say how long to wait
    if not right: throttle.failed(session, "teacher key")
    else: throttle.succeeded(session)

Nothing sleeps: a try during a lockout is refused at once with the seconds left, so no script thread (and no
other session's script) waits on it. A session's n-th wrong try in a row locks it out for 2^(n-1) seconds, up to
SESSION_MAX_S; the whole server takes at most SERVER_TRIES wrong keys per SERVER_WINDOW_S and then refuses every
key until the window has passed (a teacher key the school chose may be guessable). Teacher links count for their
own session only: a link's token cannot be guessed, and a server-wide count would let a student lock the real
teacher out.
"""
import logging
import threading
import time
from collections import OrderedDict, deque

SESSION_MAX_S = 60.0
SERVER_TRIES = 20
SERVER_WINDOW_S = 60.0
MAX_SESSIONS = 10_000  # sessions remembered; the oldest are forgotten first
log = logging.getLogger(__name__)


class Throttle:
    def __init__(self, session_max=SESSION_MAX_S, server_tries=SERVER_TRIES, server_window=SERVER_WINDOW_S,
                 clock=time.monotonic):
        self.session_max, self.server_tries, self.server_window, self.clock = (session_max, server_tries,
                                                                               server_window, clock)
        self._lock = threading.Lock()
        self._sessions = OrderedDict()  # session -> (wrong tries in a row, locked until)
        self._server = deque()  # times of the server's recent wrong tries

    def wait(self, session, shared=True):
        """Seconds before this session's next try is checked (0.0: now). shared=False: this session's own wait
        only (a teacher link: its token cannot be guessed, and a server-wide wait would let a student lock the real
        teacher out)."""
        now = self.clock()
        with self._lock:
            while self._server and now - self._server[0] >= self.server_window:
                self._server.popleft()
            server = (self._server[0] + self.server_window - now) if shared and len(self._server) >= self.server_tries \
                else 0.0
            _, until = self._sessions.get(session, (0, 0.0))
            return max(0.0, server, until - now)

    def failed(self, session, what, shared=True):
        """A wrong try: lock this session out for longer, count it for the server (shared), and log it."""
        now = self.clock()
        with self._lock:
            count, _ = self._sessions.pop(session, (0, 0.0))
            count += 1
            self._sessions[session] = (count, now + min(self.session_max, 2.0 ** (count - 1)))
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
            if shared:
                self._server.append(now)
            recent = len(self._server)
        log.warning("A wrong %s from session %s (its %d in a row; %d wrong tries on this server in the last %.0f s)",
                    what, str(session)[:8], count, recent, self.server_window)

    def succeeded(self, session):
        with self._lock:
            self._sessions.pop(session, None)
