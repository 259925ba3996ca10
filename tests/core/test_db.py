"""core.db on SQLite and PostgreSQL: aware UTC times, SQLite pragmas, ping, and SKIP LOCKED claiming."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from core.db import Base, UTCDateTime, async_url, claim_for_update, is_transient_error, make_engine, ping

VILNIUS_SUMMER = dt.timezone(dt.timedelta(hours=3))

metadata = MetaData()
stamps = Table(
    "stamps", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=True),
    Column("label", String(16)),
)


@pytest.fixture
async def engine(db_url):
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def test_aware_datetimes_come_back_aware_in_utc(engine):
    local = dt.datetime(2025, 6, 2, 9, 30, 15, 123456, tzinfo=VILNIUS_SUMMER)
    async with engine.begin() as conn:
        await conn.execute(insert(stamps).values(at=local, label="a"))
        stored = (await conn.execute(select(stamps.c.at))).scalar_one()
    assert stored == local
    assert stored.utcoffset() == dt.timedelta(0)
    assert stored.hour == 6


async def test_null_datetime_stays_null(engine):
    async with engine.begin() as conn:
        await conn.execute(insert(stamps).values(at=None, label="none"))
        assert (await conn.execute(select(stamps.c.at))).scalar_one() is None


async def test_naive_datetime_is_refused(engine):
    async with engine.begin() as conn:
        with pytest.raises(StatementError, match="naive datetime refused"):
            await conn.execute(insert(stamps).values(at=dt.datetime(2025, 6, 2, 9, 30), label="naive"))


async def test_instants_given_in_different_offsets_order_by_instant(engine):
    # 10:00+03:00 is 07:00 UTC, earlier than 08:00 UTC although its wall clock reads later.
    async with engine.begin() as conn:
        await conn.execute(insert(stamps), [
            {"at": dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC), "label": "utc"},
            {"at": dt.datetime(2025, 6, 2, 10, 0, tzinfo=VILNIUS_SUMMER), "label": "vilnius"},
        ])
        labels = (await conn.execute(select(stamps.c.label).order_by(stamps.c.at))).scalars().all()
        after = (await conn.execute(
            select(stamps.c.label).where(stamps.c.at > dt.datetime(2025, 6, 2, 7, 30, tzinfo=dt.UTC))
        )).scalars().all()
    assert labels == ["vilnius", "utc"]
    assert after == ["utc"]


async def test_sqlite_engine_creates_its_directory_and_sets_pragmas(tmp_path):
    path = tmp_path / "deep" / "var" / "hotline.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        async with engine.connect() as conn:
            journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
            busy = (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one()
    finally:
        await engine.dispose()
    assert path.exists()
    assert (journal, foreign_keys, busy) == ("wal", 1, 5000)


def test_urls_without_a_driver_get_the_async_one():
    assert async_url("sqlite:///var/x.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql://u@h/db").drivername == "postgresql+asyncpg"
    assert async_url("postgresql+asyncpg://u@h/db").drivername == "postgresql+asyncpg"


def test_unsupported_database_is_a_clear_error():
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        make_engine("mysql+aiomysql://u@h/db")


def test_base_names_constraints_for_migrations():
    assert Base.metadata.naming_convention["uq"] == "uq_%(table_name)s_%(column_0_name)s"
    assert "fk" in Base.metadata.naming_convention and "ck" in Base.metadata.naming_convention


async def test_ping_reports_a_reachable_database(db_url):
    engine = make_engine(db_url)
    try:
        assert await ping(engine) == (True, "ok")
    finally:
        await engine.dispose()


async def test_ping_reports_an_unreachable_database_without_raising():
    engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    try:
        ok, detail = await ping(engine)
    finally:
        await engine.dispose()
    assert ok is False
    assert detail.startswith("database unreachable: ")


def test_claim_adds_skip_locked_on_postgresql_only():
    stmt = select(stamps.c.id).limit(1)
    pg_sql = str(claim_for_update(stmt, postgresql.dialect()).compile(dialect=postgresql.dialect()))
    sqlite_sql = str(claim_for_update(stmt, sqlite.dialect()).compile(dialect=sqlite.dialect()))
    assert pg_sql.endswith("FOR UPDATE SKIP LOCKED")
    assert "FOR UPDATE" not in sqlite_sql
    assert "SKIP LOCKED" in str(claim_for_update(stmt, "postgresql").compile(dialect=postgresql.dialect()))


async def test_two_postgresql_sessions_claim_different_rows(postgres_database_url):
    from tests.db_fixtures import _reset_schema

    await _reset_schema(postgres_database_url)
    engine = make_engine(postgres_database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(insert(stamps), [{"label": "first"}, {"label": "second"}])
        claim = select(stamps.c.label).order_by(stamps.c.id).limit(1)
        async with engine.connect() as one, engine.connect() as two:
            first = (await one.execute(claim_for_update(claim, one.dialect))).scalar_one()
            # Without SKIP LOCKED the second claim would wait for the first; lock_timeout turns that into an error.
            await two.execute(text("SET LOCAL lock_timeout = '5s'"))
            second = (await two.execute(claim_for_update(claim, two.dialect))).scalar_one()
            await one.rollback()
            await two.rollback()
    finally:
        await engine.dispose()
    assert (first, second) == ("first", "second")


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("error", "transient"), [
    (ConnectionRefusedError(), True),
    (OSError("network is unreachable"), True),
    (DBAPIError("SELECT 1", {}, _Orig("57P01")), True),     # admin shutdown
    (DBAPIError("SELECT 1", {}, _Orig("08006")), True),     # connection failure
    (DBAPIError("SELECT 1", {}, _Orig("55000")), True),     # not accepting connections now
    (DBAPIError("SELECT 1", {}, _Orig("40P01")), True),     # deadlock: the next try can pass
    (IntegrityError("INSERT", {}, _Orig("23505")), False),  # a duplicate: trying again changes nothing
    (DBAPIError("SELECT 1", {}, _Orig("42P01")), False),    # no such table: a bug
    (ValueError("bad data"), False),
])
def test_only_errors_that_say_not_now_are_transient(error, transient):
    assert is_transient_error(error) is transient
