"""Keeps personal data (phone numbers) out of the logs.

Our own code logs call ids, never numbers. Libraries are another matter: aiosqlite logs every statement with
its parameters at DEBUG, SQLAlchemy's engine logger does at INFO. They are capped at WARNING whatever the
service's level, and the database engines never put parameters in their errors (``core.db.make_engine``,
``hide_parameters``). As a last line of defence, the run command's log handler masks anything shaped like a phone
number that still slips through, in messages and in the tracebacks they carry.
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


def mask_numbers(text: str) -> str:
    return _PHONE_NUMBER.sub("[number]", text)


class MaskPhoneNumbers(logging.Filter):
    """Masks numbers in the message, and in the traceback and stack a record carries: an exception's text quotes
    what it failed on (a driver error its statement's parameters, a parse error its input)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # rendered here, masked, and kept where the handler's formatter takes it instead of rendering again
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_numbers(record.stack_info)
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def private_handler(handler: logging.Handler) -> logging.Handler:
    """``handler`` as the service's log handler: its line format, numbers masked (tests install the same)."""
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(MaskPhoneNumbers())
    return handler


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, handlers=[private_handler(logging.StreamHandler())])
    quiet_parameter_loggers()
