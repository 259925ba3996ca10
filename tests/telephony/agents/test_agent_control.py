"""Pausing and unpausing an agent (SQLite and PostgreSQL, a recording fake PBX): what the PBX is asked, the
history appended in order with who did it, and what is refused before the PBX is asked anything."""
from __future__ import annotations

import pytest

from telephony.agents.control import AgentControl, AgentNotFound, InvalidAgentChange
from telephony.ami.exceptions import AmiActionError


class RecordingAmi:
    def __init__(self, members: set[str]) -> None:
        self.members = members
        self.sent: list[dict] = []

    async def action(self, action: dict, *, timeout: float | None = None) -> dict:
        if action["Interface"] not in self.members:
            raise AmiActionError("Interface not found")
        self.sent.append(action)
        return {"Response": "Success"}


@pytest.fixture
def ami() -> RecordingAmi:
    return RecordingAmi({"Local/101@agent-reach"})


@pytest.fixture
def control(ami, db_engine) -> AgentControl:
    return AgentControl(ami, db_engine, lambda extension: f"Local/{extension}@agent-reach")


async def test_pause_and_unpause_reach_the_pbx_and_append_the_history(control, ami):
    await control.pause("101", "training", by="sup")
    await control.unpause("101", by="ona")
    assert [a["Paused"] for a in ami.sent] == ["true", "false"] and ami.sent[0]["Reason"] == "training"
    assert [(c.action, c.reason, c.by) for c in await control.history("101")] == [
        ("pause", "training", "sup"), ("unpause", "", "ona")]


async def test_an_extension_the_pbx_does_not_know_is_not_found_and_leaves_no_history(control):
    with pytest.raises(AgentNotFound):
        await control.unpause("102", by="sup")
    assert await control.history("102") == []


@pytest.mark.parametrize("extension, reason", [("101\r\nAction: Originate", "lunch"),
                                               ("101", "lunch\r\nAction: Originate"), ("101", "")])
async def test_what_would_break_the_ami_message_is_refused_before_the_pbx_is_asked(control, ami, extension,
                                                                                   reason):
    with pytest.raises(InvalidAgentChange):
        await control.pause(extension, reason, by="cli:root")
    assert ami.sent == [] and await control.history("101") == []


async def test_who_is_logged_out_follows_each_agents_latest_login_or_logout(control):
    await control.logout("101", by="ona")
    await control.logout("102", by="sup")
    await control.pause("101", "lunch", by="ona")   # a pause is no login
    await control.login("102", by="sup")
    assert await control.logged_out() == {"101"}
    await control.login("101", by="ona")
    assert await control.logged_out() == set()
    assert [c.action for c in await control.history("101")] == ["logout", "pause", "login"]
