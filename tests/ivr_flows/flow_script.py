"""Drives a flow over the fake AGI client: the commands the flow must send, in order, and the PBX's replies; a
CallbackRequests port that remembers what the flows asked of it."""
from __future__ import annotations

from tests.ivr_flows.fake_pbx import FakeAgiCall


async def converse(call: FakeAgiCall, script: list[tuple[str, str]]) -> list[list[str]]:
    """For each (expected command start, reply): read the next command, check it, reply; the commands' args."""
    seen = []
    for expected, reply in script:
        line = await call.expect()
        assert line.startswith(expected), f"expected {expected!r}, the flow sent {line!r}"
        seen.append(line)
        await call.reply(reply)
    return seen


def digit_reply(key: str) -> str:
    """STREAM FILE / WAIT FOR DIGIT reply when ``key`` interrupted it."""
    return f"200 result={ord(key)} endpos=1000"


PLAYED = "200 result=0 endpos=8000"
OK = "200 result=0"
# the flow tells the call model that this call booked a callback (core.dialplan.USEREVENT_CALLBACK_BOOKED)
BOOKED = ('EXEC "UserEvent" "HotlineCallbackBooked,Task: ', OK)


class Requests:
    """A CallbackRequests port that remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    async def request_callback(self, number, reason, *, due_at=None, call_id=None, queue=None, extension=None):
        self.calls.append(dict(number=number, reason=reason, due_at=due_at, call_id=call_id, queue=queue))
        return len(self.calls)
