"""The feature-code route: codes parsed strictly, the agent taken from the endpoint, refusals heard as beeperr."""
from __future__ import annotations

import pytest

from ivr_flows.agent_feature import AgentFeatureFlow, parse
from telephony.agents.control import AgentNotFound


@pytest.mark.parametrize("code, wanted", [
    ("61", ("login", "")), ("62", ("logout", "")), ("63", ("pause", "break")), ("632", ("pause", "lunch")),
    ("634", ("pause", "admin_work")), ("64", ("unpause", "")),
    ("65", None), ("6", None), ("", None), ("611", None), ("639", None), ("6322", None), ("64#", None),
])
def test_codes(code, wanted):
    assert parse(code) == wanted


class Agents:
    def __init__(self, refuse: bool = False) -> None:
        self.changes: list[tuple] = []
        self.refuse = refuse

    async def change(self, extension, action, reason, by):
        if self.refuse:
            raise AgentNotFound("no member")
        self.changes.append((extension, action, reason, by))


class Session:
    def __init__(self, *args: str) -> None:
        self.request = type("Request", (), {"args": args})()
        self.played: list[str] = []
        self.hung_up = False

    async def answer(self):
        pass

    async def stream_file(self, name, escape_digits="", *, max_seconds=None):
        self.played.append(name)

    async def hangup(self):
        self.hung_up = True


async def test_a_code_changes_the_endpoints_agent_and_confirms():
    agents, session = Agents(), Session("101", "632")
    await AgentFeatureFlow(agents)(session)
    assert agents.changes == [("101", "pause", "lunch", "phone:101")]
    assert session.played == ["beep"] and session.hung_up


@pytest.mark.parametrize("args", [("101", "69"), ("", "61"), ("101\n", "61"), ("101",), ()])
async def test_garbage_is_refused_and_changes_nothing(args):
    agents, session = Agents(), Session(*args)
    await AgentFeatureFlow(agents)(session)
    assert agents.changes == [] and session.played == ["beeperr"] and session.hung_up


async def test_an_extension_that_is_no_agent_hears_the_refusal():
    session = Session("199", "61")
    await AgentFeatureFlow(Agents(refuse=True))(session)
    assert session.played == ["beeperr"] and session.hung_up
