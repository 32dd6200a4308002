"""Engine and sessions. The same code runs on `sqlite:///…` and `postgresql+psycopg://…`.

Reading and writing are separate on purpose (the single-writer pattern datasette uses for SQLite):

- A request's session (`SessionDep`) only reads. It never takes the write lock, whatever the HTTP
  method, and a write through it raises `WriteOutsideTransaction` (so a test catches the mistake).
- Code that writes opens a short transaction of its own, and does nothing slow inside it — parse,
  hash passwords, stage uploads, call the search engine and render outside:

      with db.write() as session:          # SQLite: this process's writers queue on a lock, then BEGIN IMMEDIATE
          service.update_zone(session, zone=session.get(Zone, zone_id), ...)
      # committed here (rolled back if the block raised)

  Objects read in the request's session belong to it: inside the block, load what you change from
  the write session (`session.get(Model, id)`); optimistic version checks catch a change in between.

`Database` owns the engine and the session factories. Tests bind one to a connection whose outer
transaction is rolled back after the test (see tests/conftest.py); every session the app opens then
runs in a SAVEPOINT of that transaction.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, sessionmaker
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session, create_engine


class WriteOutsideTransaction(RuntimeError):
    """A read-only session was asked to write: writes belong in `Database.write()`."""


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
        # A writing transaction takes the write lock up front, so a writer never fails with
        # SQLITE_BUSY when it would upgrade a read snapshot; readers stay concurrent (WAL).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_write") else "BEGIN")


def make_engine(url: str, *, writer: bool = False) -> Engine:
    """The engine for reads, or (`writer=True`) the small one for writes.

    Writes have a pool of their own so that a request holding a read connection while it waits its
    turn to write can never starve the writer of a connection (with one shared pool, every connection
    can end up held by a reader waiting for a writer that waits for a connection). SQLite: one writer
    connection, as SQLite allows one writer at a time."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": 1, "max_overflow": 0} if writer else {"pool_size": 20, "max_overflow": 20}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, pool_timeout=10, **pool)
        _sqlite_pragmas(engine)
        return engine
    pool = {"pool_size": 4, "max_overflow": 4} if writer else {"pool_size": 10, "max_overflow": 5}
    return create_engine(url, pool_pre_ping=True, pool_timeout=10, **pool)


class Database:
    def __init__(self, url: str, *, engine: Engine | None = None, write_engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.write_engine = write_engine or (make_engine(url, writer=True) if engine is None else self.engine)
        self.bound = False
        self._write_lock = threading.Lock()
        self.sessionmaker = sessionmaker(bind=self.engine, class_=Session, expire_on_commit=False, info={"db": self})
        self.write_sessionmaker = sessionmaker(
            bind=self.write_engine, class_=Session, expire_on_commit=False, info={"db": self}
        )

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()

    @classmethod
    def bound_to(cls, connection: Connection, url: str) -> Database:
        """A Database whose sessions all run inside `connection`'s transaction (tests).

        One connection serves every session, so there is nothing to queue on and no BEGIN IMMEDIATE
        inside a SAVEPOINT; the read-only guard still applies. A background worker must never use
        such a Database from another thread (`bound` tells it)."""
        db = cls.__new__(cls)
        db.url = url
        db.engine = connection.engine
        db.bound = True
        db.write_engine = connection.engine
        db._write_lock = nullcontext()
        db.sessionmaker = sessionmaker(
            bind=connection,
            class_=Session,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
            info={"db": db},
        )
        db.write_sessionmaker = db.sessionmaker
        return db

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session for reading (CLI and tests may also write through it and commit themselves).

        `read_only=True` (request sessions): any write raises WriteOutsideTransaction. In a bound
        test database a session ends by releasing its SAVEPOINT rather than rolling it back: the
        writes that `write()` made meanwhile sit inside it and must stay, as they would in production."""
        with self.sessionmaker() as session:
            if read_only:
                session.info["read_only"] = True
            yield session
            if self.bound and session.in_transaction():
                session.commit()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One short write transaction, committed when the block ends (rolled back if it raises).

        SQLite allows one writer at a time: writers of this process queue on a lock here (woken in
        turn) rather than in SQLite's busy handler, which sleeps and retries; BEGIN IMMEDIATE still
        guards against other processes (CLI, other workers). PostgreSQL: a plain transaction."""
        lock = self._write_lock if self.is_sqlite else nullcontext()
        with lock, self.write_sessionmaker() as session:
            if self.is_sqlite and not self.bound:
                session.connection(execution_options={"sqlite_write": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@event.listens_for(Session, "before_flush")
def _no_flush_when_read_only(session: Session, _context, _instances) -> None:
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise WriteOutsideTransaction("this session only reads; write inside `with db.write() as session:`")


@event.listens_for(Session, "do_orm_execute")
def _no_dml_when_read_only(state: ORMExecuteState) -> None:
    if not state.session.info.get("read_only"):
        return
    statement = state.statement
    writes = state.is_insert or state.is_update or state.is_delete
    if isinstance(statement, TextClause):
        writes = not statement.text.lstrip().upper().startswith(("SELECT", "WITH", "PRAGMA", "EXPLAIN"))
    if writes:
        raise WriteOutsideTransaction("this session only reads; write inside `with db.write() as session:`")


def release(session: Session) -> None:
    """End a read session's transaction and give its connection back to the pool, before a slow call
    (the search engine): nothing is held while waiting. Loaded objects stay usable; the next read takes
    a connection again."""
    if session.in_transaction():
        session.commit()  # a read-only session has nothing to write: this only ends the transaction


def get_database(request: Request) -> Database:
    return request.app.state.db


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: reads only, whatever the HTTP method (see the module docstring).

    An async dependency: opening a session touches no connection, so it costs no trip through the thread
    pool. Its end does (the transaction's rollback, or a test's RELEASE SAVEPOINT): on the event loop only
    for a SQLite file (no network), else in the thread pool; nothing to end, nothing to wait for."""
    db: Database = request.app.state.db
    session = db.sessionmaker()
    session.info["read_only"] = True
    try:
        yield session
    except BaseException:
        await _end(db, session, session.close)
        raise
    else:
        await _end(db, session, lambda: _end_read(db, session))


def _end_read(db: Database, session: Session) -> None:
    try:
        if db.bound and session.in_transaction():
            session.commit()  # keep what `write()` did inside the test's SAVEPOINT (see Database.session)
    finally:
        session.close()


async def _end(db: Database, session: Session, end) -> None:
    if not session.in_transaction() or (db.is_sqlite and not db.bound):
        end()
    else:
        await anyio.to_thread.run_sync(end)


SessionDep = Annotated[Session, Depends(get_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]
