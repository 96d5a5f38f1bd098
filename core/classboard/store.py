"""The class board's storage on SQLAlchemy Core: an SQLite file by default, PostgreSQL (or another database) by URL.

    board = Board("sqlite:///classboard.sqlite3")      # or "postgresql://user:pw@host/db"
    code = board.create_class(Setup())
    board.record([run_row])                            # usually through core.classboard.recorder
    print(board.export_csv(code))

The schema is created on first use and its version kept in `schema_version`, so a later change can
migrate it. Every query is built by SQLAlchemy with bound parameters; nothing is pasted into SQL text.
SQLite runs in WAL mode with a busy timeout and takes its write lock up front (BEGIN IMMEDIATE), so
writers from several threads or processes wait their turn instead of failing.
"""
import contextlib
import csv
import hmac
import io
import json
import logging
import os
import threading
import time
from urllib.parse import unquote
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import (Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint,
                        create_engine, delete, event, exc, func, insert, select, text, update)

from sqlalchemy import inspect as sqlalchemy_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url

from core.classboard.experiment import Setup
from core.classboard.names import (NICKNAME_MAX, SERVER, check_new_code, clean_code, clean_nickname, new_code,
                                   token_hash)
from core.config import TrainConfig
from core.runner.jobs import MAX_OPEN as OPEN_PER_MEMBER  # a registered run is pinned: keep the fair share's two

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_URL = "sqlite:///" + os.path.join(PROJECT_ROOT, "classboard.sqlite3")
SCHEMA_VERSION = 4  # 1: classes, members, runs; 2: registrations, each run's registration; 3: guesses, reveal;
                    # 4: the teacher link's hash, one counted run per member and value, runs stopped by their student
log = logging.getLogger(__name__)
LOG_EVERY_S = 30.0  # the same database error is logged at most this often
CONFIG_COLUMNS = ("drop_prob1", "drop_prob2", "train_size", "epochs", "lr", "batch_size", "seed")
UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}  # INSERT ... ON CONFLICT DO NOTHING
EXPORT_COLUMNS = ("class", "student", *CONFIG_COLUMNS, "train_acc", "test_acc", "gap", "seconds", "finished_at",
                  "predicted_test_acc", "predicted_best", "stopped")

metadata = MetaData()
schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))
classes = Table(
    "classes", metadata,
    Column("code", String(12), primary_key=True),
    Column("setup", Text, nullable=False),  # core.classboard.experiment.Setup as JSON
    Column("created_at", Float, nullable=False),
    Column("closed_at", Float),
    Column("revealed_at", Float),  # when the teacher showed the results (a predict-first class hides them before)
    Column("teacher_hash", String(64)))  # SHA-256 of the class's teacher token (the token itself is never stored)
members = Table(
    "members", metadata,  # who opened the class link, and the value each was given
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("class_code", String(12), ForeignKey("classes.code", ondelete="CASCADE"), nullable=False),
    Column("token", String(64), nullable=False),  # the browser session, not shown anywhere
    Column("student", String(NICKNAME_MAX), nullable=False),
    Column("cell", Text),  # the assigned sweep point as JSON, or NULL
    Column("joined_at", Float, nullable=False),
    UniqueConstraint("class_code", "token"))
runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("class_code", String(12), ForeignKey("classes.code", ondelete="CASCADE"), nullable=False, index=True),
    Column("student", String(NICKNAME_MAX), nullable=False),
    Column("drop_prob1", Float, nullable=False), Column("drop_prob2", Float, nullable=False),
    Column("train_size", Integer, nullable=False), Column("epochs", Integer, nullable=False),
    Column("lr", Float, nullable=False), Column("batch_size", Integer, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("train_acc", Float), Column("test_acc", Float),  # the last measured (NULL: stopped before any)
    Column("curve", Text, nullable=False),  # [[epoch, test_acc], ...] as JSON
    Column("seconds", Float), Column("finished_at", Float, nullable=False),
    Column("registration", String(32)),  # the registration it answers (NULL for runs recorded without one)
    Column("predicted_test_acc", Float), Column("predicted_best", Float),  # the student's guess before the run
    Column("member", String(64)),  # the browser session that ran it (NULL: the server's, or recorded before v4)
    Column("cell", String(64)),  # the sweep point it counts for (Setup.cell_key)
    Column("stopped_at", Float),  # set when its student stopped it: counted as their run, not in the results
    UniqueConstraint("class_code", "student", *CONFIG_COLUMNS),  # a run counts once per student
    Index("runs_registration", "registration", unique=True),  # and once per registration
    Index("runs_member_cell", "class_code", "member", "cell", unique=True))  # and once per member and value
registrations = Table(
    "registrations", metadata,  # a class run a student started, written before the page says it will count
    Column("key", String(32), primary_key=True),  # unique per registration: its run is recorded at most once
    Column("class_code", String(12), ForeignKey("classes.code", ondelete="CASCADE"), nullable=False, index=True),
    Column("student", String(NICKNAME_MAX), nullable=False),
    Column("token", String(64)),  # the browser session (not shown anywhere)
    Column("config", Text, nullable=False),  # the run's TrainConfig (seed included) as JSON
    Column("created_at", Float, nullable=False),
    Column("server", String(32)),  # the server process that trains it now
    Column("heartbeat_at", Float, nullable=False),  # when that server last said it still does
    Column("done_at", Float),  # when it ended: recorded, or given up (see outcome)
    Column("outcome", String(200)),  # "recorded", "duplicate", or why not
    Column("guess", Text),  # the student's guess when they pressed Train, as JSON (NULL: none)
    Column("cell", String(64)))  # the sweep point its run counts for (Setup.cell_key; NULL: not a class value)
guesses = Table(
    "guesses", metadata,  # what each student expects before their run (a predict-first class asks before Train)
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("class_code", String(12), ForeignKey("classes.code", ondelete="CASCADE"), nullable=False),
    Column("token", String(64), nullable=False),  # the browser session: one guess per student per class
    Column("student", String(NICKNAME_MAX), nullable=False),
    Column("predicted_test_acc", Float, nullable=False),  # the test accuracy they expect for their own value
    Column("predicted_best", Float, nullable=False),  # the value they think the class will find best
    Column("cell", Text),  # the student's own sweep point when they guessed, as JSON (NULL: not assigned)
    Column("updated_at", Float, nullable=False),
    Column("locked_at", Float),  # set when they press Train: no change after that
    UniqueConstraint("class_code", "token"))


class BoardUnavailable(RuntimeError):
    """The database cannot be reached or used; the message is one sentence for any page (no host, user or URL part);
    `detail` is the driver's one line for the log and the command line, with the password masked."""

    def __init__(self, message, detail=None):
        super().__init__(message)
        self.detail = detail


class NotCounted(ValueError):
    """A class run that trains but does not count (the member's run of this value counts already, or the class
    gave them another value); the message is one sentence for the page."""


class UnknownClass(LookupError):
    """No class has this code."""


class ClassExists(ValueError):
    """A class with this code already exists."""


@dataclass(frozen=True)
class ClassInfo:
    code: str
    setup: Setup
    created_at: float
    closed_at: float = None
    revealed_at: float = None

    @property
    def closed(self):
        return self.closed_at is not None

    @property
    def revealed(self):
        """Whether the board shows the results: always, unless the class predicts first and is not revealed yet."""
        return not self.setup.predict_first or self.revealed_at is not None


class GuessRefused(ValueError):
    """A guess that is malformed, out of range, or comes after Train; the message is one sentence for the page."""


def resolve_url(env_url=None, secrets_url=None):
    """The database URL: CLASSBOARD_URL, else the app's secrets, else the SQLite file beside the app."""
    for url in (env_url, secrets_url):
        if url and str(url).strip():
            return str(url).strip()
    return DEFAULT_URL


def normalise_url(url):
    """URL with PostgreSQL mapped to the psycopg 3 driver (postgres:// and postgresql:// have no driver named)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def parse_url(url):
    """The database URL as SQLAlchemy's URL object, the PostgreSQL driver named.

    A password holding an unencoded '@' (user:pa@ss@host) is split at the last '@', so it stays whole in the
    password: SQLAlchemy's own parser would cut it at the first and take the rest for the host. Percent-encoded
    characters (%40 for '@') are decoded as usual.
    """
    text = normalise_url(str(url).strip())
    scheme, sep, rest = text.partition("://")
    at = rest.rfind("@")
    if not sep or at < 0 or scheme.startswith("sqlite"):
        return make_url(text)
    user, colon, password = rest[:at].partition(":")
    tail = make_url(f"{scheme}://{rest[at + 1:]}")
    return URL.create(tail.drivername, unquote(user) or None, unquote(password) if colon else None, tail.host,
                      tail.port, tail.database, tail.query)


def safe_url(url):
    """The URL for logs: its password masked (parsed, not matched by pattern), or a placeholder if unparsable."""
    try:
        return parse_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL that cannot be parsed is not written out at all
        return "(a class database URL that cannot be parsed)"


def make_engine(url):
    """An engine for url; SQLite gets WAL, a 30 s busy timeout, foreign keys and up-front write locks."""
    url = parse_url(url)
    if not url.drivername.startswith("sqlite"):
        args = {"connect_timeout": 5} if url.drivername.startswith("postgresql") else {}
        return create_engine(url, pool_pre_ping=True, connect_args=args)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_setup(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let the "begin" hook below choose the kind of transaction
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            dbapi_conn.execute("PRAGMA " + pragma)

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def _one_line(err, password=None):
    """A driver's error as one short line for the log, without the SQL or the URL's password."""
    inner = getattr(err, "orig", None) or err
    text = " ".join(str(inner).split("\n")[0].split()) or type(inner).__name__
    if password:
        text = text.replace(password, "***")
    return f"{type(inner).__name__}: {text[:200]}"


class Board:
    """A class board database: classes, their members and their finished runs."""

    def __init__(self, url=None):
        self.url = resolve_url(url)
        self._lock = threading.Lock()
        self._ready = False
        self.engine, self._broken, self._password, self._logged = None, None, None, {}
        try:
            self._password = parse_url(self.url).password
            self.engine = make_engine(self.url)
            self._writer = self.engine.execution_options(write=True)
        except Exception as err:  # noqa: BLE001 - a bad URL or a missing driver: one sentence, the log says why
            self._broken = _one_line(err, self._password)
            log.warning("The class database URL %s cannot be used: %s", safe_url(self.url), self._broken)

    def describe(self):
        """The URL with any password hidden, for logs and the command line."""
        return self.engine.url.render_as_string(hide_password=True) if self.engine is not None else safe_url(self.url)

    # ---- connections --------------------------------------------------------------------------
    @contextlib.contextmanager
    def _guard(self):
        """Turn a database that cannot be reached into BoardUnavailable: one sentence for any page (no host, user
        or part of the URL), the driver's line in `detail` and in the log, the password masked."""
        if self._broken:
            raise BoardUnavailable("The class database URL cannot be used (the server's log says why).",
                                   self._broken)
        try:
            yield
        except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as err:
            raise self._unavailable("The class database cannot be reached right now.", err) from err
        except (exc.ProgrammingError, exc.InternalError) as err:  # e.g. no rights on the tables
            raise self._unavailable("The class database refused the board's query.", err) from err
        except exc.DBAPIError as err:
            if type(err) is exc.DatabaseError:  # e.g. an SQLite file that is damaged or not a database at all
                raise self._unavailable("The class database cannot be read.", err) from err
            if err.connection_invalidated:
                raise self._unavailable("The class database connection was lost.", err) from err
            raise

    def _unavailable(self, sentence, err):
        detail = _one_line(err, self._password)
        now = time.monotonic()
        if now - self._logged.get(detail, -LOG_EVERY_S) >= LOG_EVERY_S:  # once a while, not at every page's read
            self._logged[detail] = now
            log.warning("%s (%s): %s", sentence, self.describe(), detail)
        return BoardUnavailable(sentence, detail)

    @contextlib.contextmanager
    def _read(self):
        with self._guard():
            self._ensure_schema()
            with self.engine.connect() as conn:
                yield conn

    @contextlib.contextmanager
    def _write(self):
        with self._guard():
            self._ensure_schema()
            with self._writer.begin() as conn:
                yield conn

    def _ensure_schema(self):
        """Create the tables on first use and check the recorded schema version."""
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            with self._writer.begin() as conn:
                existing = set(sqlalchemy_inspect(conn).get_table_names())
                version = (conn.execute(select(func.max(schema_version.c.version))).scalar()
                           if "schema_version" in existing else None)
                if version is not None and version > SCHEMA_VERSION:
                    raise BoardUnavailable(f"The class database was made by a newer version of this app "
                                           f"(schema {version}; this app knows {SCHEMA_VERSION}).")
                for step in range(version or SCHEMA_VERSION, SCHEMA_VERSION):
                    MIGRATIONS[step](conn)  # from schema `step` to step + 1, in this one transaction
                metadata.create_all(conn)  # tables a fresh database (or a new schema) lacks
                if version is None:
                    conn.execute(insert(schema_version).values(version=SCHEMA_VERSION))
                elif version < SCHEMA_VERSION:
                    conn.execute(update(schema_version).values(version=SCHEMA_VERSION))
            self._ready = True

    def dispose(self):
        if self.engine is not None:
            self.engine.dispose()

    # ---- classes ------------------------------------------------------------------------------
    def create_class(self, setup, code=None, now=None, teacher_token=None):
        """Start a class experiment and return its code (a fresh random one unless `code` is given).

        teacher_token: the secret of the class's teacher link (names.new_teacher_token); only its hash is kept.
        """
        wanted = check_new_code(code) if code else None
        hashed = token_hash(teacher_token) if teacher_token else None
        for _ in range(20):
            attempt = wanted or new_code()
            try:
                with self._write() as conn:
                    conn.execute(insert(classes).values(code=attempt, setup=setup.to_json(), teacher_hash=hashed,
                                                        created_at=now or time.time()))
                return attempt
            except exc.IntegrityError:
                if wanted:
                    raise ClassExists(f"A class with code {wanted} already exists.") from None
        raise ClassExists("No free class code was found; try again.")

    def get_class(self, code):
        """The class with this code, or None."""
        with self._read() as conn:
            return self._class(conn, clean_code(code))

    def is_teacher(self, code, token):
        """Whether token is the secret of this class's teacher link (False for a class made without one)."""
        with self._read() as conn:
            stored = conn.execute(select(classes.c.teacher_hash).where(classes.c.code == clean_code(code))).scalar()
        return bool(stored and token) and hmac.compare_digest(stored, token_hash(token))

    @staticmethod
    def _class(conn, code):
        row = conn.execute(select(classes).where(classes.c.code == code)).first()
        if row is None:
            return None
        return ClassInfo(row.code, Setup.from_json(row.setup), row.created_at, row.closed_at, row.revealed_at)

    def close_class(self, code, now=None):
        """Stop recording runs for this class (its board stays readable)."""
        with self._write() as conn:
            conn.execute(update(classes).where(classes.c.code == clean_code(code)).values(closed_at=now or time.time()))

    def clear_class(self, code):
        """Forget this class's runs and members (the class itself stays open)."""
        code = clean_code(code)
        with self._write() as conn:
            conn.execute(delete(runs).where(runs.c.class_code == code))
            conn.execute(delete(members).where(members.c.class_code == code))
            conn.execute(delete(registrations).where(registrations.c.class_code == code))
            conn.execute(delete(guesses).where(guesses.c.class_code == code))

    # ---- students -----------------------------------------------------------------------------
    def join(self, code, token, student, now=None):
        """Note that a student opened the class link; return their assigned cell (or None if none is assigned).

        A student who joins again keeps their cell. New students get the sweep's cells that nobody has
        covered yet, round robin; once every cell has a run, the least covered ones.
        """
        code = clean_code(code)
        student = clean_nickname(student)[0] or "student"
        with self._write() as conn:
            # Joins to one class take turns (PostgreSQL: a row lock; SQLite: BEGIN IMMEDIATE already), so two
            # students arriving together are not given the same value.
            conn.execute(select(classes.c.code).where(classes.c.code == code).with_for_update())
            info = self._class(conn, code)
            if info is None:
                raise UnknownClass(f"There is no class with code {code}.")
            old = conn.execute(select(members.c.id, members.c.cell).where(
                (members.c.class_code == code) & (members.c.token == token))).first()
            if old is not None:
                conn.execute(update(members).where(members.c.id == old.id).values(student=student))
                return json.loads(old.cell) if old.cell else None
            cell = self._next_cell(conn, info) if info.setup.assign else None
            conn.execute(insert(members).values(class_code=code, token=str(token)[:64], student=student,
                                                cell=json.dumps(cell) if cell else None, joined_at=now or time.time()))
            return cell

    def _next_cell(self, conn, info):
        setup = info.setup
        keys = setup.keys()
        done = {k: 0 for k in keys}
        for row in conn.execute(select(*[runs.c[c] for c in CONFIG_COLUMNS]).where(runs.c.class_code == info.code)):
            key = setup.value_of(config_of(row._mapping))
            if key in done:
                done[key] += 1
        given = {k: 0 for k in keys}
        for (cell,) in conn.execute(select(members.c.cell).where(members.c.class_code == info.code)):
            key = setup.value_of(setup.config(json.loads(cell))) if cell else None
            if key in given:
                given[key] += 1
        best = min(range(len(keys)), key=lambda i: (done[keys[i]] > 0, done[keys[i]] + given[keys[i]], i))
        return setup.cells()[best]

    # ---- runs ---------------------------------------------------------------------------------
    def record(self, rows, now=None):
        """Write finished runs in one transaction; one outcome per row: 'recorded', 'duplicate' or why not.

        A row with a "registration" key also closes that registration with its outcome, in the same
        transaction; a registration's run is recorded at most once, however often it is offered.
        """
        outcomes, infos = [], {}
        with self._write() as conn:
            for row in rows:
                reason = self._refusal(conn, row, infos)
                if reason:
                    outcomes.append(reason)
                else:
                    values = {**row, "student": _student(row["student"]),
                              "cell": infos[row["class_code"]].setup.cell_key(config_of(row))}
                    outcomes.append("recorded" if self._insert_new(conn, values) else "duplicate")
                if row.get("registration"):
                    self._close(conn, [row["registration"]], outcomes[-1], now)
        return outcomes

    # ---- guesses: what a student expects before their run --------------------------------------
    def guess(self, code, token, student, test_acc, best, cell=None, now=None):
        """Keep (or change) a student's guess; GuessRefused (one sentence) if malformed, or after their Train.

        cell: the student's own sweep point (their assigned value), which their expected accuracy is about.
        """
        code, now = clean_code(code), now or time.time()
        with self._write() as conn:
            info = self._class(conn, code)
            if info is None:
                raise UnknownClass(f"There is no class with code {code}.")
            try:
                acc, best = info.setup.check_guess(test_acc, best)
            except ValueError as err:
                raise GuessRefused(str(err)) from None
            where = (guesses.c.class_code == code) & (guesses.c.token == str(token)[:64])
            old = conn.execute(select(guesses.c.id, guesses.c.locked_at).where(where)).first()
            values = {"student": _student(student) or "student", "predicted_test_acc": acc, "predicted_best": best,
                      "cell": json.dumps(cell) if cell else None, "updated_at": now}
            if old is None:
                conn.execute(insert(guesses).values(class_code=code, token=str(token)[:64], **values))
            elif old.locked_at is not None:
                raise GuessRefused("Your guess is locked: you pressed Train after making it.")
            else:
                conn.execute(update(guesses).where(guesses.c.id == old.id).values(**values))
            return acc, best

    def guesses(self, code):
        """A class's guesses, oldest first: dicts of student, token, predicted_test_acc, predicted_best, locked."""
        with self._read() as conn:
            return self._guesses(conn, clean_code(code))

    @staticmethod
    def _guesses(conn, code):
        rows = conn.execute(select(guesses).where(guesses.c.class_code == code).order_by(guesses.c.id))
        return [{"student": r.student, "token": r.token, "predicted_test_acc": r.predicted_test_acc,
                 "predicted_best": r.predicted_best, "cell": json.loads(r.cell) if r.cell else None,
                 "locked": r.locked_at is not None} for r in rows]

    def reveal(self, code, now=None, revealed=True):
        """Show the class's results on the board (revealed=False hides them again)."""
        with self._write() as conn:
            conn.execute(update(classes).where(classes.c.code == clean_code(code))
                         .values(revealed_at=(now or time.time()) if revealed else None))

    # ---- registrations: class runs started, kept until their row lands ------------------------
    def register(self, key, code, student, token, config, server, now=None, lock_guess=True):
        """Note a class run a student started (before the page says it will be recorded); idempotent by key.

        The student's guess, if any, is locked and kept with the registration; returns it (a dict, or None).
        """
        now = now or time.time()
        values = {"key": key, "class_code": clean_code(code), "student": _student(student) or "student",
                  "token": str(token or "")[:64], "config": json.dumps(config), "created_at": now,
                  "server": server, "heartbeat_at": now}
        with self._write() as conn:
            info = self._class(conn, values["class_code"])
            if info is None:
                raise UnknownClass(f"There is no class with code {values['class_code']}.")
            old = conn.execute(select(registrations.c.guess).where(registrations.c.key == key)).first()
            if old is not None:  # offered again (e.g. from the spool): the same registration
                return json.loads(old.guess) if old.guess else None
            values["cell"] = _cell_key(info.setup, config)
            if values["student"] != SERVER and values["token"] and values["cell"]:
                self._check_counts(conn, info, values["token"], values["cell"])
            guess = self._lock_guess(conn, values["class_code"], values["token"], now) if lock_guess else None
            values["guess"] = json.dumps(guess) if guess else None
            upsert = UPSERTS.get(conn.dialect.name)
            if upsert is not None:
                conn.execute(upsert(registrations).values(**values).on_conflict_do_nothing())
            elif not conn.execute(select(registrations.c.key).where(registrations.c.key == key)).first():
                conn.execute(insert(registrations).values(**values))
            return guess

    @staticmethod
    def _check_counts(conn, info, token, cell):
        """NotCounted unless this member may still have a run of `cell` counted: one per member and value (a run
        that trains or waits, one recorded, or one they stopped), and with assigned values only their own."""
        code = info.code
        if info.setup.assign:
            assigned = conn.execute(select(members.c.cell).where((members.c.class_code == code) &
                                                                 (members.c.token == token))).scalar()
            if assigned and info.setup.cell_key(info.setup.config(json.loads(assigned))) != cell:
                raise NotCounted(f"The class gave you {_cell_words(info.setup, json.loads(assigned))}; a run of "
                                 "another value trains, but only your own value counts.")
        taken = conn.execute(select(registrations.c.key).where(
            (registrations.c.class_code == code) & (registrations.c.token == token) & (registrations.c.cell == cell) &
            (registrations.c.done_at.is_(None) | registrations.c.outcome.in_(("recorded", "duplicate"))))).first()
        taken = taken or conn.execute(select(runs.c.id).where((runs.c.class_code == code) & (runs.c.member == token)
                                                              & (runs.c.cell == cell))).first()
        if taken:
            raise NotCounted("Your run of this value already counts for the class; this one trains, but the board "
                             "keeps your first.")
        training = conn.execute(select(func.count()).select_from(registrations).where(
            (registrations.c.class_code == code) & (registrations.c.token == token) &
            registrations.c.done_at.is_(None))).scalar()
        if token and training >= OPEN_PER_MEMBER:
            raise NotCounted(f"You have {training} runs for the class still training or waiting; this one trains, "
                             "but counts only once one of those has finished.")

    @staticmethod
    def _lock_guess(conn, code, token, now):
        where = (guesses.c.class_code == code) & (guesses.c.token == token)
        row = conn.execute(select(guesses).where(where)).first()
        if row is None or not token:
            return None
        if row.locked_at is None:
            conn.execute(update(guesses).where(guesses.c.id == row.id).values(locked_at=now))
        return {"predicted_test_acc": row.predicted_test_acc, "predicted_best": row.predicted_best}

    def close_registrations(self, keys, outcome, now=None):
        """Mark registrations ended without a row to record (e.g. 'stopped'), if still open."""
        with self._write() as conn:
            self._close(conn, keys, outcome, now)

    @staticmethod
    def _close(conn, keys, outcome, now):
        conn.execute(update(registrations).where(registrations.c.key.in_(list(keys)) & registrations.c.done_at.is_(None))
                     .values(done_at=now or time.time(), outcome=str(outcome)[:200]))

    def heartbeat(self, server, keys, now=None):
        """This server still trains these open registrations (so no other server takes them over)."""
        if keys:
            with self._write() as conn:
                conn.execute(update(registrations).where(registrations.c.key.in_(list(keys)) &
                                                         registrations.c.done_at.is_(None))
                             .values(server=server, heartbeat_at=now or time.time()))

    def claim_orphans(self, server, older_than, now=None, limit=500):
        """Open registrations whose server stopped saying it trains them (no heartbeat since `older_than`), now
        claimed by `server`, each by exactly one claimant: [dict(key, class_code, student, token, config)]."""
        now = now or time.time()
        claimed = []
        with self._write() as conn:
            rows = conn.execute(select(registrations).where(registrations.c.done_at.is_(None) &
                                                            (registrations.c.heartbeat_at < older_than))
                                .order_by(registrations.c.created_at).limit(limit)).all()
            for row in rows:
                taken = conn.execute(update(registrations).where(
                    (registrations.c.key == row.key) & registrations.c.done_at.is_(None) &
                    (registrations.c.heartbeat_at < older_than)).values(server=server, heartbeat_at=now))
                if taken.rowcount == 1:
                    claimed.append({"key": row.key, "class_code": row.class_code, "student": row.student,
                                    "token": row.token, "config": json.loads(row.config),
                                    "guess": json.loads(row.guess) if row.guess else None})
        return claimed

    def registration_outcomes(self, code):
        """(open, {outcome: count}) of a class's registrations: how many still train, and how the others ended."""
        with self._read() as conn:
            rows = conn.execute(select(registrations.c.outcome, func.count()).where(
                registrations.c.class_code == clean_code(code)).group_by(registrations.c.outcome)).all()
        counts = {outcome: n for outcome, n in rows}
        return counts.pop(None, 0), counts

    def _refusal(self, conn, row, infos):
        code = row["class_code"]
        if code not in infos:
            infos[code] = self._class(conn, code)
        info = infos[code]
        if info is None:
            return f"there is no class {code}"
        if info.closed:
            return f"class {code} is closed"
        if not _student(row["student"]):
            return "the nickname is empty"
        try:
            return info.setup.mismatch(config_of(row))
        except ValueError as err:  # out-of-range values: not a run any page could have started
            return str(err)

    def _insert_new(self, conn, values):
        """Insert a run unless the same student already has the same run; True if a row was added."""
        upsert = UPSERTS.get(conn.dialect.name)
        if upsert is not None:
            added = conn.execute(upsert(runs).values(**values).on_conflict_do_nothing().returning(runs.c.id))
            return added.first() is not None
        try:
            with conn.begin_nested():
                conn.execute(insert(runs).values(**values))
            return True
        except exc.IntegrityError:
            return False

    def runs(self, code):
        """A class's runs, oldest first, as dicts (curve decoded)."""
        with self._read() as conn:
            return self._runs(conn, clean_code(code))

    @staticmethod
    def _runs(conn, code):
        rows = conn.execute(select(runs).where(runs.c.class_code == code).order_by(runs.c.id))
        return [{**row._mapping, "curve": json.loads(row.curve)} for row in rows]

    def snapshot(self, code):
        """Everything the board draws for a class, read in one transaction: (ClassInfo, runs, students joined).

        Students joined counts distinct nicknames (a reload opens a new browser session, not a new student).
        """
        info, rows, joined, _ = self.snapshot_with_guesses(code)
        return info, rows, joined

    def snapshot_with_guesses(self, code):
        """snapshot(code) and the class's guesses, in one transaction."""
        code = clean_code(code)
        with self._read() as conn:
            info = self._class(conn, code)
            if info is None:
                raise UnknownClass(f"There is no class with code {code}.")
            joined = conn.execute(select(func.count(members.c.student.distinct())).where(members.c.class_code == code))
            return info, self._runs(conn, code), joined.scalar(), self._guesses(conn, code)

    def export_csv(self, code):
        """A class's runs as CSV text, one row per run (cells a spreadsheet would run as formulas are quoted)."""
        info, rows, _ = self.snapshot(code)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for r in rows:
            finished = datetime.fromtimestamp(r["finished_at"], timezone.utc).isoformat(timespec="seconds")
            measured = r["train_acc"] is not None and r["test_acc"] is not None
            writer.writerow([info.code, _inert_cell(r["student"]), *[r[c] for c in CONFIG_COLUMNS],
                             *([round(r["train_acc"], 5), round(r["test_acc"], 5),
                                round(r["train_acc"] - r["test_acc"], 5)] if measured else ["", "", ""]),
                             r["seconds"], finished,
                             "" if r["predicted_test_acc"] is None else round(r["predicted_test_acc"], 5),
                             "" if r["predicted_best"] is None else f"{r['predicted_best']:g}",
                             "yes" if r.get("stopped_at") is not None else ""])
        return out.getvalue()


def _migrate_1_to_2(conn):
    """Schema 2: the registrations table (made by create_all), and each run's registration key."""
    conn.execute(text("ALTER TABLE runs ADD COLUMN registration VARCHAR(32)"))
    conn.execute(text("CREATE UNIQUE INDEX runs_registration ON runs (registration)"))


def _migrate_2_to_3(conn):
    """Schema 3: the guesses table (made by create_all), the reveal, and each run's and registration's guess."""
    statements = ["ALTER TABLE classes ADD COLUMN revealed_at FLOAT", "ALTER TABLE runs ADD COLUMN predicted_test_acc FLOAT",
                  "ALTER TABLE runs ADD COLUMN predicted_best FLOAT"]
    if "registrations" in sqlalchemy_inspect(conn).get_table_names():  # from schema 1, create_all makes it whole
        statements.append("ALTER TABLE registrations ADD COLUMN guess TEXT")
    for statement in statements:
        conn.execute(text(statement))


def _migrate_3_to_4(conn):
    """Schema 4: the teacher link's hash; each run's member, sweep point and stop, its accuracies nullable (a run
    stopped before its first check has none); each registration's sweep point. SQLite cannot drop NOT NULL, so
    its runs table is rebuilt (rows and ids kept)."""
    tables = set(sqlalchemy_inspect(conn).get_table_names())
    conn.execute(text("ALTER TABLE classes ADD COLUMN teacher_hash VARCHAR(64)"))
    if "registrations" in tables:
        conn.execute(text("ALTER TABLE registrations ADD COLUMN cell VARCHAR(64)"))
    if conn.dialect.name == "sqlite":
        kept = [c["name"] for c in sqlalchemy_inspect(conn).get_columns("runs")]
        conn.execute(text("ALTER TABLE runs RENAME TO runs_v3"))
        for index in sqlalchemy_inspect(conn).get_indexes("runs_v3"):
            if not index["name"].startswith("sqlite_"):  # names from the schema itself, never from input
                conn.execute(text(f'DROP INDEX IF EXISTS "{index["name"]}"'))
        runs.create(conn)
        shown = ", ".join(f'"{name}"' for name in kept)
        conn.execute(text(f"INSERT INTO runs ({shown}) SELECT {shown} FROM runs_v3"))
        conn.execute(text("DROP TABLE runs_v3"))
        return
    for statement in ("ALTER TABLE runs ALTER COLUMN train_acc DROP NOT NULL",
                      "ALTER TABLE runs ALTER COLUMN test_acc DROP NOT NULL",
                      "ALTER TABLE runs ADD COLUMN member VARCHAR(64)", "ALTER TABLE runs ADD COLUMN cell VARCHAR(64)",
                      "ALTER TABLE runs ADD COLUMN stopped_at FLOAT",
                      "CREATE UNIQUE INDEX runs_member_cell ON runs (class_code, member, cell)"):
        conn.execute(text(statement))


MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3, 3: _migrate_3_to_4}  # schema n -> n + 1


def config_of(row):
    """The TrainConfig of a stored run (or of a row about to be stored)."""
    return TrainConfig(**{c: row[c] for c in CONFIG_COLUMNS})


def _cell_key(setup, config):
    """The sweep point a registration's config counts for, or None when it is not one of the class's runs."""
    try:
        cfg = TrainConfig(**config)
    except (TypeError, ValueError):
        return None
    return None if setup.mismatch(cfg) else setup.cell_key(cfg)


def _cell_words(setup, cell):
    if setup.vary == "drop_prob":
        return f"p = {cell['drop_prob1']:g}"
    return f"{cell['train_size']:,} training images, {'without' if cell['drop_prob1'] == 0 else 'with'} dropout"


def _student(name):
    """A stored student name: a cleaned nickname, or the server's own pseudo-student (students cannot take it)."""
    return name if name == SERVER else clean_nickname(name)[0]


def _inert_cell(text):
    """A nickname made safe for spreadsheets: a leading =, +, -, @ would start a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
