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
