"""Keeps personal data (phone numbers) out of the logs.

Our own code logs call ids, never numbers. Libraries are another matter: aiosqlite logs every statement with
its parameters at DEBUG, SQLAlchemy's engine logger does at INFO. They are capped at WARNING whatever the
service's level; as a second line of defence, the run command's log handler masks anything shaped like a phone
number that still slips through.
"""
from __future__ import annotations

import logging
import re

# loggers known to print SQL parameters or raw protocol data (which carry caller numbers)
PARAMETER_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "asyncpg", "panoramisk")

# +37061234567, 37061234567, 861234567 — but not call ids such as 1795441186.34 (digits then a dot and digits)
_PHONE_NUMBER = re.compile(r"(?<![\w.])\+?\d{7,15}(?![\w]|\.\d)")


def quiet_parameter_loggers() -> None:
    for name in PARAMETER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class MaskPhoneNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PHONE_NUMBER.sub("[number]", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskPhoneNumbers())
    quiet_parameter_loggers()
