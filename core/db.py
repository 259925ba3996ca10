"""Database plumbing shared by every package: the declarative Base, engines, sessions and a UTC column type.

One code path serves SQLite (the default, a file under ``var/``) and PostgreSQL (for scale); everything that
differs between the two lives here so models and queries stay dialect-free.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Integer, MetaData, Select, event, false, select, text, update
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import DateTime, TypeDecorator

# Named constraints let Alembic drop and alter them on both dialects (SQLite batch mode needs names to find them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 5000

# Async drivers for URLs given without one, so operators may write postgresql://… or sqlite:///….
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}

S = TypeVar("S", bound=Select)
M = TypeVar("M")
V = TypeVar("V")

# A surrogate key: SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every hotline table; one metadata so Alembic sees all of them."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp stored as UTC on every dialect and always returned aware (UTC).

    SQLite has no timezone type and silently drops ``tzinfo``; storing UTC there keeps ordering and range queries
    correct. Naive datetimes are refused: their meaning would depend on the server's clock settings.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: give a timezone-aware datetime (e.g. datetime.now(UTC))")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def async_url(url: str | URL) -> URL:
    """The URL with an async driver (aiosqlite, asyncpg) filled in when it was given without one."""
    parsed = make_url(url)
    if parsed.drivername in _ASYNC_DRIVERS:
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[parsed.drivername])
    return parsed


def _sqlite_file(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


SQLITE_CACHED_STATEMENTS = 0


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (web API) proceed while the call store writes; foreign keys are off by default in SQLite;
    # busy_timeout makes a second writer wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, and far fewer fsyncs per event
    finally:
        cursor.close()


def make_engine(url: str | URL, **engine_kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``: SQLite (file, WAL, foreign keys) or PostgreSQL via asyncpg."""
    parsed = async_url(url)
    # a statement's parameters are callers' numbers and the like: never in an error's text (nor in a log)
    engine_kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # no prepared-statement cache (sqlite3 keeps 128 per connection): a batch's multi-row INSERT (below) is a
        # large prepared program for every distinct row count, and a full cache held ~80 MB (issue 11); preparing
        # a statement again costs microseconds
        engine_kwargs.setdefault("connect_args", {}).setdefault("cached_statements", SQLITE_CACHED_STATEMENTS)
        engine = create_async_engine(parsed, **engine_kwargs)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        # a batch of rows goes as multi-row INSERTs, not executemany: aiosqlite runs the statement in its own thread,
        # and executemany takes the GIL back from the busy event loop for every row (a convoy: seconds per batch
        # under load, with SQLite's write lock held); one statement per page of rows takes it once per page
        engine.sync_engine.dialect.use_insertmanyvalues_wo_returning = True
        return engine
    if parsed.get_backend_name() == "postgresql":
        engine_kwargs.setdefault("pool_pre_ping", True)  # a restarted server must not break the next request
        return create_async_engine(parsed, **engine_kwargs)
    raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")


# SQLSTATE classes and codes that mean "not now", not "wrong": connection exceptions, operator intervention (admin
# or crash shutdown, cannot connect now), insufficient resources (too many connections), serialization failures and
# deadlocks, and a database that does not accept connections at the moment
_TRANSIENT_SQLSTATE_CLASSES = ("08", "57", "53")
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55000"}


def is_transient_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is unreachable for now (a restart, a killed connection, a network cut),
    not that the statement is wrong: trying again later can succeed."""
    if isinstance(exc, (OperationalError, InterfaceError, ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, DBAPIError):
        state = str(getattr(exc.orig, "sqlstate", None) or "")
        return bool(exc.connection_invalidated) or state.startswith(_TRANSIENT_SQLSTATE_CLASSES) \
            or state in _TRANSIENT_SQLSTATES
    return isinstance(exc, OSError)


_SQLITE_WRITE_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def write_lock(engine: AsyncEngine) -> contextlib.AbstractAsyncContextManager:
    """Held around a write transaction by the writers that run often (the call store, callback tasks).

    SQLite takes one writer at a time: without this, two writers of this process meet inside SQLite, where the
    second sleeps in its busy handler while the first needs several turns of a busy event loop to finish its
    transaction, and each such wait makes the next longer. Queued here, in order, each transaction runs alone.
    PostgreSQL locks rows, not the database: nothing to hold there."""
    if engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    lock = _SQLITE_WRITE_LOCKS.get(engine.sync_engine)
    if lock is None:
        lock = _SQLITE_WRITE_LOCKS[engine.sync_engine] = asyncio.Lock()
    return lock


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after commit without a hidden (async-incompatible) reload.
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine, timeout: float = 3.0) -> tuple[bool, str]:
    """Readiness probe: ``(True, "ok")`` when the database answers ``SELECT 1`` within ``timeout`` seconds."""

    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(probe(), timeout)
    except TimeoutError:
        return False, f"database did not answer within {timeout:g} s"
    except Exception as exc:  # any driver error means "not ready"; the type is enough to diagnose
        return False, f"database unreachable: {type(exc).__name__}"
    return True, "ok"


def for_update(stmt: S, dialect: Dialect | str, *, skip_locked: bool = False) -> S:
    """Lock the selected rows for the rest of the transaction (``FOR UPDATE``, with ``SKIP LOCKED`` if asked).

    PostgreSQL only: SQLite has no row locks and serves a single instance (one file, one writer at a time), so the
    statement is returned unchanged there; a process-level lock of the caller serialises what must be.
    """
    name = dialect if isinstance(dialect, str) else dialect.name
    if name == "postgresql":
        return stmt.with_for_update(skip_locked=skip_locked)
    return stmt


def claim_for_update(stmt: S, dialect: Dialect | str) -> S:
    """Lock the selected rows so concurrent service instances never take the same work item.

    PostgreSQL gets ``FOR UPDATE SKIP LOCKED``: other instances skip rows already claimed (see ``for_update``).
    """
    return for_update(stmt, dialect, skip_locked=True)


async def hold_sqlite_writes(conn: AsyncConnection, table: Any) -> None:
    """On SQLite, take the database's write lock at once (an update of ``table`` that changes nothing), so the rows
    the transaction reads next cannot change under it before it ends: SQLite's claim, where another engine's
    connection would otherwise read the same rows (PostgreSQL claims rows with ``claim_for_update`` instead)."""
    if conn.dialect.name == "sqlite":
        column = next(iter(table.primary_key.columns))
        await conn.execute(update(table).where(false()).values({column.name: column}))


async def rows_by_key(engine: AsyncEngine, key: Any, keys: Iterable[Any], *order_by: Any,
                      view: Callable[[Any], V]) -> dict[Any, list[V]]:
    """For each of ``keys``, the rows whose ``key`` column (e.g. ``CallRingRow.call_id``) equals it, in
    ``order_by`` order, each made a value by ``view``; a key without rows maps to an empty list."""
    wanted = list(keys)
    out: dict[Any, list[V]] = {value: [] for value in wanted}
    if not wanted:
        return out
    stmt = select(key.class_).where(key.in_(wanted)).order_by(*order_by)
    async with make_sessionmaker(engine)() as session:
        for row in (await session.scalars(stmt)).all():
            out[getattr(row, key.key)].append(view(row))
    return out


def _no_row(model: type) -> Callable[[Any], Exception]:
    return lambda key: LookupError(f"no {model.__tablename__} row {key}")


@contextlib.asynccontextmanager
async def locked_row(engine: AsyncEngine, model: type[M], key: Any,
                     not_found: Callable[[Any], Exception] | None = None) -> AsyncIterator[tuple[AsyncSession, M]]:
    """``(session, row)`` of ``model`` with primary key ``key`` in one transaction, the row locked on PostgreSQL
    (someone else may be changing it at the same time); raises ``not_found(key)`` (default ``LookupError``) when
    there is no such row."""
    stmt = for_update(select(model).where(model.__mapper__.primary_key[0] == key), engine.dialect)
    async with make_sessionmaker(engine)() as session, session.begin():
        row = await session.scalar(stmt)
        if row is None:
            raise (not_found or _no_row(model))(key)
        yield session, row
