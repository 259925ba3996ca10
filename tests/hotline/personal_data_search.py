"""What the no-personal-data test needs: every log record captured as the service's handler renders it, and a
search of log lines and stored rows for known numbers and personal-code digits."""
from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from hotline.log_privacy import PARAMETER_LOGGERS, private_handler

# every logger that could print what a call carries, opened to DEBUG: the product caps some of them, the test
# does not rely on the cap (the handler's masking and our own code are what is checked)
LOUD_LOGGERS = ("", *PARAMETER_LOGGERS, "sqlalchemy", "aiohttp", "asyncio", "ivr_flows", "telephony", "hotline",
                "core", "directory")


class CapturingHandler(logging.Handler):
    """Keeps each record as the text the service's handler would write (message, traceback, stack)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@contextlib.contextmanager
def captured_logs() -> Iterator[CapturingHandler]:
    """The service's handler (``private_handler``) on the root logger, every logger at DEBUG."""
    handler = private_handler(CapturingHandler())
    root = logging.getLogger()
    root.addHandler(handler)
    saved = {name: logging.getLogger(name).level for name in LOUD_LOGGERS}
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def open_every_logger() -> None:
    """Every logger at DEBUG, also those the service caps at WARNING when it starts (call after the start)."""
    for name in LOUD_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)


def spellings(e164: str) -> list[str]:
    """A Lithuanian number as it may be written anywhere: ``+370…``, ``370…``, national ``8…``, bare ``6…``."""
    assert e164.startswith("+370")
    subscriber = e164[4:]
    return [e164, e164[1:], "8" + subscriber, subscriber]


def digits_pattern(digits: str) -> re.Pattern[str]:
    """The digits as a token of their own: not inside a longer number, a hex id or a word."""
    return re.compile(rf"(?<![0-9A-Za-z]){re.escape(digits)}(?![0-9A-Za-z])")


def findings(texts: Iterable[str], numbers: Iterable[str], digits: Iterable[str]) -> list[str]:
    """Each text that holds one of ``numbers`` (any spelling, anywhere) or one of ``digits`` (as a token)."""
    needles = [spelling for number in numbers for spelling in spellings(number)]
    patterns = [digits_pattern(d) for d in digits]
    return [text for text in texts
            if any(n in text for n in needles) or any(p.search(text) for p in patterns)]


def stored_cells(database: Path) -> dict[tuple[str, str], list[str]]:
    """Every non-empty cell of every table of the SQLite file, as text, by (table, column)."""
    cells: dict[tuple[str, str], list[str]] = {}
    with contextlib.closing(sqlite3.connect(database)) as db:
        tables = [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if value is not None and value != "":
                        cells.setdefault((table, column), []).append(str(value))
    return cells
