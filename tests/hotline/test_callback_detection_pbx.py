"""Callback detection on the real sandbox PBX: a caller who gives up in the queue gets a pending callback task."""
from __future__ import annotations

import pytest

from tests.service_fixture import until

pytestmark = pytest.mark.pbx

CALLER = "+37060000088"   # made up


async def test_a_caller_abandoning_the_queue_gets_a_pending_abandoned_task(pbx, hotline_service):
    await pbx.set_all_agents(answer_after="never")
    placed = await pbx.originate(hotline_service.service.profile.public_number, CALLER, timeout=4)

    async def task_exists() -> bool:
        status, tasks = await hotline_service.get("/api/callbacks?reason=abandoned")
        return status == 200 and any(t["number"] == CALLER for t in tasks)

    await until(task_exists, timeout=60)
    _, tasks = await hotline_service.get("/api/callbacks?reason=abandoned")
    [task] = [t for t in tasks if t["number"] == CALLER]
    assert (task["state"], task["reasons"], task["call_id"]) == ("pending", ["abandoned"], placed.uniqueid)
