"""The log handler's last line of defence masks phone numbers but keeps call ids readable."""
from __future__ import annotations

import logging

from hotline.log_privacy import MaskPhoneNumbers, quiet_parameter_loggers


def rendered(message: str, *args) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)
    MaskPhoneNumbers().filter(record)
    return record.getMessage()


def test_numbers_are_masked_and_call_ids_kept():
    assert rendered("caller %s rang", "+37061234567") == "caller [number] rang"
    assert rendered("params ('sbx-1', '37060000042', '1883')") == "params ('sbx-1', '[number]', '1883')"
    assert rendered("call 1795441186.34 ended") == "call 1795441186.34 ended"
    assert rendered("5 live calls, queue general_info") == "5 live calls, queue general_info"


def test_libraries_that_log_sql_parameters_are_capped_at_warning():
    logging.getLogger("aiosqlite").setLevel(logging.DEBUG)
    quiet_parameter_loggers()
    assert not logging.getLogger("aiosqlite").isEnabledFor(logging.INFO)
    assert not logging.getLogger("sqlalchemy.engine").isEnabledFor(logging.INFO)


def test_a_traceback_is_masked_too_and_the_database_never_quotes_parameters(tmp_path):
    """A database error on a call with a known number, logged with its traceback as the service logs failures:
    neither the exception's text nor the rendered log line carries the number."""
    import asyncio
    import io

    from sqlalchemy import insert

    from core.db import make_engine
    from hotline import migrate
    from telephony.calls.models import CallRow

    number = "+37060000077"   # made up
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"

    async def failing_insert() -> Exception:
        await migrate.upgrade(url)
        engine = make_engine(url)
        row = {"id": "c1", "caller": number, "dialed": "1883", "started_at": None, "direction": "inbound"}
        try:
            async with engine.begin() as conn:
                await conn.execute(insert(CallRow.__table__), [row])   # started_at is required: refused
        except Exception as exc:   # noqa: BLE001 - the error is what the test looks at
            return exc
        finally:
            await engine.dispose()
        raise AssertionError("the insert should have failed")

    error = asyncio.run(failing_insert())
    assert number not in str(error) and "hidden" in str(error)

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPhoneNumbers())
    logger = logging.getLogger("test.log_privacy")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"caller {number} could not be parsed")   # an exception quoting its input
        except ValueError:
            logger.exception("AGI session failed for call %s", "1795441186.34")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "Traceback" in output and "1795441186.34" in output
    assert number not in output and number.lstrip("+") not in output
