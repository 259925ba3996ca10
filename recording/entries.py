"""The catalogue's writes in SQL core statements, a call's files at a time: registering three files is two multi-row
inserts, finalising them a select, one executemany update and one multi-row insert of their history.

The ORM's unit of work cost several milliseconds of the event loop per call here (the SIP benchmark measured the
catalogue at a third of the service's CPU), for rows that are written once and changed a few times.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from recording.exceptions import RecordingNotFound
from recording.models import RecordingHistoryRow, RecordingRow, RecordingView

COLUMNS = tuple(RecordingRow.__table__.columns.keys())


async def insert_missing(conn: AsyncConnection, rows: list[dict], actor: str, at: dt.datetime) -> None:
    """Insert the rows whose id is not there yet, each with its first history row (before: none): one insert that
    skips the ids already there and says which it added, then their history."""
    fresh = list({row["id"]: {name: row.get(name) for name in COLUMNS} for row in rows}.values())
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    added = set((await conn.scalars(dialect.insert(RecordingRow).values(fresh).on_conflict_do_nothing(
        index_elements=["id"]).returning(RecordingRow.id))).all())
    if added:
        await conn.execute(insert(RecordingHistoryRow), [
            {"recording_id": row["id"], "at": at, "actor": actor, "before": None, "after": row["state"],
             "changes": {"key": row["key"], "kind": row["kind"]}} for row in fresh if row["id"] in added])


async def current_rows(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, dict]:
    """Each entry's columns by id, in the order asked; an unknown id is an error."""
    wanted = list(ids)
    found = {row.id: dict(row._mapping)
             for row in (await conn.execute(select(RecordingRow).where(RecordingRow.id.in_(wanted)))).all()}
    if missing := [entry_id for entry_id in wanted if entry_id not in found]:
        raise RecordingNotFound(f"no recording {missing[0]}")
    return {entry_id: found[entry_id] for entry_id in wanted}


async def apply_changes(conn: AsyncConnection, changes: dict[str, tuple[str, dict]], actor: str,
                        at: dt.datetime) -> list[RecordingView]:
    """Each entry's new state and fields, with a history row each (the fields that changed, before and after
    state); the entries as they are now. Entries setting the same columns share one executemany update."""
    rows = await current_rows(conn, changes)
    history, updates = [], defaultdict(list)
    for entry_id, (state, fields) in changes.items():
        row = rows[entry_id]
        changed = {name: value for name, value in fields.items() if row[name] != value}
        values = {"state": state, **changed}
        updates[tuple(sorted(values))].append({"b_id": entry_id, **{f"b_{name}": v for name, v in values.items()}})
        history.append({"recording_id": entry_id, "at": at, "actor": actor, "before": row["state"], "after": state,
                        "changes": _jsonable(changed) or None})
        row.update(values)
    for columns, params in updates.items():
        stmt = update(RecordingRow).where(RecordingRow.id == bindparam("b_id")).values(
            {name: bindparam(f"b_{name}") for name in columns})
        await conn.execute(stmt, params)
    await conn.execute(insert(RecordingHistoryRow), history)
    return [RecordingView(**row) for row in rows.values()]

def _jsonable(changes: dict) -> dict:
    return {name: value.isoformat() if isinstance(value, dt.datetime) else value for name, value in changes.items()}
