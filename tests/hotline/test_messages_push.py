"""A ``MessageLeft`` on the bus becomes a ``message`` push to that employee's softphone (and supervisors), not to
other agents; the caller's number is shown per role."""
from __future__ import annotations

import datetime as dt

from core.events import MessageLeft
from tests.hotline.push_fixtures import Connected

AT = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
CALLER = "+37060000001"


async def test_the_employee_gets_the_message_push_other_agents_do_not(pushing):
    bus, hub = pushing
    employee, other = Connected(hub, "agent", "101"), Connected(hub, "agent", "102")
    try:
        await bus.publish(MessageLeft(AT, message_id=7, extension="101", caller=CALLER, has_audio=True,
                                      call_id="1.1", callback_id=3))
        await bus.publish(MessageLeft(AT, message_id=8, extension="102", caller=None))
        got = await employee.next()
        assert got == {"type": "message", "at": AT.isoformat(), "message_id": 7, "extension": "101",
                       "queue": None, "caller": CALLER, "caller_name": None, "reason": "", "has_audio": True,
                       "call_id": "1.1", "callback_id": 3}
        assert (await other.next())["message_id"] == 8   # 102's own message is its first: nothing of 101's
    finally:
        await employee.stop()
        await other.stop()
