"""Callback decisions kept on local disk when the service stops while its database is away, and taken back at the
next start (``CallbackLedger``): a callback owed is not lost to a stop that could not write it.

One JSON object per line, written atomically (a temporary file renamed over the spool), readable by the service's
user only: the decisions hold callers' numbers, as the database does. A decision taken back twice is harmless:
the ledger records a second ``Owed`` for the same call as a skip (``already_requested``).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from core.events import CallbackReason
from telephony.callbacks.decisions import Decision, NotOwed, Owed, Settled

FILE_NAME = "callbacks-owed.jsonl"


def _plain(decision: Decision) -> dict:
    fields = {name: value.isoformat() if isinstance(value, dt.datetime) else
              value.value if isinstance(value, CallbackReason) else value
              for name, value in vars(decision).items()}
    return {"kind": type(decision).__name__, **fields}


def _decision(data: dict) -> Decision:
    kind = data.pop("kind")
    for name in ("due_at", "at"):
        if name in data:
            data[name] = dt.datetime.fromisoformat(data[name])
    if kind == "Owed":
        data["reason"] = CallbackReason(data["reason"])
    elif kind == "NotOwed":
        data["cause"] = CallbackReason(data["cause"])
    return {"Owed": Owed, "Settled": Settled, "NotOwed": NotOwed}[kind](**data)


def keep(path: Path, decisions: list[Decision]) -> None:
    """Write ``decisions`` to ``path``, in place of what it held (they include it: it was taken back at start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(json.dumps(_plain(decision)) + "\n" for decision in decisions)
    os.replace(temporary, path)


def take_back(path: Path) -> list[Decision]:
    """The decisions kept in ``path`` (none when there is no such file); the file stays until they are written."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    return [_decision(json.loads(line)) for line in text.splitlines() if line.strip()]
