"""What the real-PBX catalogue tests share: the catalogue's finalised events as they come, and the answers of
``GET /api/recordings/{id}`` for a call's ``recording_ids``."""
from __future__ import annotations

import datetime as dt

from core.events import RecordingFinalised
from tests.service_fixture import RunningService, until


def keep_finalised(running: RunningService) -> list[RecordingFinalised]:
    finalised: list[RecordingFinalised] = []

    async def keep(event: RecordingFinalised) -> None:
        finalised.append(event)

    running.service.bus.subscribe("test_finalised", keep, RecordingFinalised)
    return finalised


async def wait_finalised(finalised: list[RecordingFinalised], count: int, timeout: float = 30.0) -> None:
    async def done() -> bool:
        return len(finalised) >= count
    await until(done, timeout)


async def catalogue_of(running: RunningService, call: dict) -> dict[str, dict]:
    """The call's catalogue entries through the API, by kind."""
    entries = {}
    for entry_id in call["recording_ids"]:
        status, body = await running.get(f"/api/recordings/{entry_id}")
        assert status == 200, body
        entries[body["kind"]] = body
    return entries


def recorded_span(call: dict, entry: dict) -> float:
    """Seconds from the recording's start to the call's end, as the service saw them."""
    return (dt.datetime.fromisoformat(call["ended_at"]) - dt.datetime.fromisoformat(entry["started_at"])
            ).total_seconds()
