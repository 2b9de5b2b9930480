"""Engine set-up, migrations and the session factory."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


WRITE_LOCK = "labelwright_write_lock"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # The driver's own implicit transactions are switched off: _sqlite_begin opens them,
    # so a session can ask for the write lock up front.
    dbapi_conn.isolation_level = None
    # WAL lets readers run beside the writer; synchronous=FULL makes every
    # acknowledged commit survive a crash of the process or the machine.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # The log is copied into the database once it holds 64 MB rather than 4 MB: a bulk write
    # (an import's pages of a thousand revisions, a few MB each) would otherwise copy the
    # same index pages at nearly every commit; importing a million objects takes ~10 % less.
    cur.execute("PRAGMA wal_autocheckpoint=16384")
    cur.close()


def _sqlite_begin(conn) -> None:
    # BEGIN IMMEDIATE takes the write lock before the first read, so a read-then-write
    # (like claiming the next item of a queue) cannot act on what another writer changed.
    immediate = conn.get_execution_options().get(WRITE_LOCK, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _json_text(value: object) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for SQLite (file made on demand, pragmas set) or PostgreSQL."""
    # JSON columns (annotation bodies can be megabytes) are written compact and read with
    # orjson, several times faster than the json module both ways.
    kwargs.setdefault("json_serializer", _json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # psycopg would switch a statement to a server-side prepared one after 5 runs, and
    # PostgreSQL may then pick one generic plan for every filter value; a keyset page
    # whose best index depends on the values (batch, state) must be planned each time.
    kwargs.setdefault("connect_args", {"prepare_threshold": None})
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (safe to call on every start)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class WriterLock:
    """One SQLite writer at a time across threads and processes, queued by the kernel.

    SQLite lets a blocked writer poll with growing sleeps, which turns contention into
    long tail latencies; an flock() next to the database file wakes the next writer as
    soon as the previous one commits. Correctness still rests on BEGIN IMMEDIATE.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._thread = threading.local()
        self._fallback = threading.Lock()  # in-memory databases live in one process

    @classmethod
    def for_url(cls, url: str) -> WriterLock:
        """The lock for a SQLite URL (a lock file beside the database file)."""
        database = make_url(url).database
        if not database or database == ":memory:":
            return cls(None)
        return cls(Path(database).with_name(Path(database).name + ".writer-lock"))

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Wait for the writer slot; nested writing sessions in one thread are a bug."""
        if getattr(self._thread, "held", False):
            raise RuntimeError("a writing session was opened inside another one in this thread")
        self._thread.held = True
        try:
            if self.path is None:
                with self._fallback:
                    yield
                return
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the flock
        finally:
            self._thread.held = False


class Database:
    """One engine and its session factory; the store's entry point."""

    def __init__(self, url: str, *, run_migrations: bool = True, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        if run_migrations:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = WriterLock.for_url(url) if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error.

        On SQLite a writing session queues for the single writer slot first (see
        WriterLock) and then holds the write lock from its first statement, so a
        read-then-write never acts on stale data; `readonly=True` sessions skip both
        and run beside the writer. PostgreSQL code locks rows where it must.
        """
        if readonly or self._writer is None:
            with self._sessions() as sess, sess.begin():
                yield sess
            return
        with self._writer.hold(), self._sessions() as sess, sess.begin():
            sess.connection(execution_options={WRITE_LOCK: True})
            yield sess

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
