"""Engine and sessions. The same code runs on `sqlite:///…` and `postgresql+psycopg://…`.

`Database` owns the engine and the session factory. Tests swap the factory for one bound to a
connection whose outer transaction is rolled back after the test (see tests/conftest.py), so every
session the app opens — in a request, in the outbox sync, in a CLI command — sees the same data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and pysqlite's broken BEGIN handling fixed.

    pysqlite opens transactions lazily and never for SAVEPOINT, so we take over: autocommit at the
    driver level and an explicit BEGIN emitted by SQLAlchemy (the recipe in SQLAlchemy's docs).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - driver hook
        # A writing transaction takes the write lock up front, so concurrent writers wait on the busy
        # timeout instead of failing with SQLITE_BUSY when a reader tries to upgrade; readers stay
        # concurrent (WAL). Sessions opt in with Database.session(write=True).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "BEGIN")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.search_worker = None  # set by the app: woken after commits that wrote search outbox rows
        self.page_cache = None  # set by the app: cleared after commits that changed public data
        self._write_lock = threading.Lock()
        self.sessionmaker = sessionmaker(bind=self.engine, class_=Session, expire_on_commit=False, info={"db": self})

    @classmethod
    def bound_to(cls, connection: Connection, url: str) -> Database:
        """A Database whose sessions all run inside `connection`'s transaction (tests)."""
        db = cls.__new__(cls)
        db.url = url
        db.engine = connection.engine
        db.search_worker = None
        db.page_cache = None
        db._write_lock = nullcontext()  # tests: one shared connection; nothing to queue on
        db.sessionmaker = sessionmaker(
            bind=connection,
            class_=Session,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
            info={"db": db},
        )
        return db

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session; `write=True` marks a transaction that will write.

        SQLite allows one writer at a time. Writers of this process queue on a lock here (woken in
        turn) rather than in SQLite's busy handler, which sleeps and retries and lets unlucky requests
        wait seconds; BEGIN IMMEDIATE still guards against other processes (CLI, other workers)."""
        if not (write and self.is_sqlite):
            with self.sessionmaker() as session:
                yield session
            return
        with self._write_lock, self.sessionmaker() as session:
            session.connection(execution_options={"sqlite_write": True})
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.db.session(write=request.method not in SAFE_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
