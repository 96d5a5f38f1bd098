"""A small local spool: what the class database should hold but could not be given while it was away.

An SQLite file beside the app (git-ignored; CLASSBOARD_SPOOL moves it). It keeps registrations and finished
runs through a restart of the server, as long as the server's disk survives (Streamlit Community Cloud keeps
no local files across restarts: there, a restart while the database is away loses what waits here).

    spool = Spool(path, board_url)
    spool.put("run", key, row)      # the key makes a second put of the same item a no-op
    for kind, key, payload in spool.items(): ...
    spool.remove([(kind, key), ...])
"""
import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_PATH = os.path.join(PROJECT_ROOT, "classboard-spool.sqlite3")


def default_path():
    return os.environ.get("CLASSBOARD_SPOOL") or DEFAULT_PATH


class Spool:
    """Items (registrations, runs) waiting for one database, named by a hash of its URL."""

    def __init__(self, path=None, database=""):
        self.path = path or default_path()
        self.database = hashlib.sha1(str(database).encode()).hexdigest()[:16]  # no password on disk twice
        self._lock = threading.Lock()
        self.error = None  # one sentence when the spool itself cannot be used (e.g. a read-only folder)
        self.waiting = os.path.exists(self.path)  # False once a look found nothing: no need to open the file again

    @contextlib.contextmanager
    def _connect(self):
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS items (key TEXT NOT NULL, database TEXT NOT NULL, "
                         "kind TEXT NOT NULL, payload TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (kind, key))")
            yield conn
        finally:
            conn.close()

    def put(self, kind, key, payload):
        """Keep one item; True when it is on disk (False: the spool cannot be written, see .error)."""
        try:
            with self._lock, self._connect() as conn:
                conn.execute("INSERT OR IGNORE INTO items VALUES (?, ?, ?, ?, ?)",
                             (key, self.database, kind, json.dumps(payload), time.time()))
            self.error, self.waiting = None, True
            return True
        except (sqlite3.Error, OSError) as err:
            self.error = f"The local spool {os.path.basename(self.path)} cannot be written ({err})."
            return False

    def items(self):
        """[(kind, key, payload)] waiting for this database, oldest first."""
        if not os.path.exists(self.path):
            return []
        try:
            with self._lock, self._connect() as conn:
                rows = conn.execute("SELECT kind, key, payload FROM items WHERE database = ? ORDER BY at",
                                    (self.database,)).fetchall()
        except (sqlite3.Error, OSError):
            return []
        self.waiting = bool(rows)
        return [(kind, key, json.loads(payload)) for kind, key, payload in rows]

    def remove(self, items):
        """Forget these (kind, key) items."""
        items = list(items)
        if not items or not os.path.exists(self.path):
            return
        with contextlib.suppress(sqlite3.Error, OSError), self._lock, self._connect() as conn:
            conn.executemany("DELETE FROM items WHERE kind = ? AND key = ? AND database = ?",
                             [(kind, key, self.database) for kind, key in items])

    def counts(self):
        """{kind: number} of the items waiting."""
        if not self.waiting:
            return {}
        counts = {}
        for kind, _, _ in self.items():
            counts[kind] = counts.get(kind, 0) + 1
        return counts
