"""Group commit: items written in order, many per write, kept and tried again after a failure, never twice."""
from __future__ import annotations

import asyncio
import logging

from core.group_commit import GroupCommit


class FlakyStore:
    """A store whose next ``failures`` writes fail."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.batches: list[list[int]] = []

    async def write(self, items: list[int]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database away")
        self.batches.append(list(items))


async def test_items_written_in_background_batches_in_order_and_a_failed_write_loses_none(monkeypatch):
    monkeypatch.setattr("core.group_commit.RETRY_MIN", 0.01)
    store = FlakyStore(failures=2)
    batches = GroupCommit("test", store.write, batch_size=3, max_delay=0.01)
    for item in range(7):
        await batches.add(item)
    async with asyncio.timeout(5):
        while batches.pending:
            await asyncio.sleep(0.01)
    assert [item for batch in store.batches for item in batch] == list(range(7))   # each once, in order
    assert batches.failed_writes == 2 and batches.written == 7


async def test_a_stop_with_the_database_away_says_what_it_could_not_write_and_returns(caplog):
    store = FlakyStore(failures=99)
    batches = GroupCommit("test", store.write, batch_size=100, max_delay=3600)
    await batches.add(1, 2)
    with caplog.at_level(logging.ERROR, logger="core.group_commit"):
        await batches.close()
    assert "2 items not written at stop" in caplog.text and batches.pending == 2
