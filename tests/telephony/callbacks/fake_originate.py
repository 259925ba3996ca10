"""A fake PBX for the callback dialer (and ``dialer_for``, the dialer over it): records every Originate and answers
it as a scripted phone network would.

``outcomes`` maps a number to how its try ends: a client DialStatus ("ANSWER", "BUSY", "NOANSWER", ...), or
``AGENT_NO_ANSWER`` (the agent leg's OriginateResponse fails), or ``HOLD`` (nothing happens until the test says).
Events go to the dialer's ``on_event`` as the AMI client would deliver them.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from core import dialplan
from telephony.ami.exceptions import AmiActionError
from telephony.callbacks.dialer import CallbackDialer, DialerConfig
from telephony.callbacks.notifier import CallbackNotifier
from telephony.callbacks.pbx import CallbackPbx
from telephony.callbacks.service import CallbackService

AGENT_NO_ANSWER = "agent_no_answer"
HOLD = "hold"


class FakeOriginateAmi:
    def __init__(self, outcomes: Mapping[str, str] | None = None, default: str = "ANSWER") -> None:
        self.outcomes = dict(outcomes or {})
        self.default = default
        self.connected = True
        self.originates: list[dict] = []
        self.live: set[str] = set()            # channel ids "up" (CoreShowChannels)
        self.kept: dict[str, str] = {}         # AstDB hotline-callback/<call id>
        self.deleted: list[str] = []
        self._handlers: list[Callable] = []

    # --- AmiPort ---
    def on_event(self, handler) -> None:
        self._handlers.append(handler)

    def on_connected(self, handler) -> None:
        pass

    def on_disconnected(self, handler) -> None:
        pass

    async def action(self, action: dict, *, timeout: float | None = None) -> dict:
        name = action["Action"]
        if name == "Originate":
            self.originates.append(action)
            outcome = self.outcomes.get(action["Exten"], self.default)
            if outcome != HOLD:
                asyncio.get_running_loop().call_soon(self.finish, action["ChannelId"], outcome)
            return {"Response": "Success"}
        if name == "DBDel":
            self.deleted.append(action["Key"])
            return {"Response": "Success"}
        raise AmiActionError(f"unexpected action {name}")

    async def action_list(self, action: dict, *, timeout: float | None = None) -> list[dict]:
        if action["Action"] == "CoreShowChannels":
            return [{"Event": "CoreShowChannel", "Uniqueid": uid} for uid in self.live]
        if action["Action"] == "DBGet":
            if action["Key"] in self.kept:
                return [{"Event": "DBGetResponse", "Val": self.kept[action["Key"]]}]
            raise AmiActionError("Database entry not found")
        raise AmiActionError(f"unexpected action {action['Action']}")

    # --- the network ---
    def finish(self, call_id: str, outcome: str) -> None:
        """End the try of ``call_id`` as ``outcome`` (see the module docstring)."""
        self.live.discard(call_id)
        if outcome == AGENT_NO_ANSWER:
            self.emit({"Event": "OriginateResponse", "Response": "Failure", "Uniqueid": call_id, "Reason": "3"})
            return
        client = f"PJSIP/trunk-{call_id}"   # the agent answered; the dialplan dials the client
        self.emit({"Event": "DialBegin", "Uniqueid": call_id, "DestChannel": client})
        self.emit({"Event": "DialEnd", "Uniqueid": call_id, "DestChannel": client, "DialStatus": outcome})
        if outcome == "ANSWER":
            self.emit({"Event": "Hangup", "Channel": client, "Cause": "16"})
        self.emit({"Event": "UserEvent", "UserEvent": dialplan.USEREVENT_CALLBACK_RESULT, "Uniqueid": call_id,
                   "DialStatus": outcome})

    def emit(self, event: dict) -> None:
        for handler in self._handlers:
            handler(event)

    def tasks_originated(self) -> list[int]:
        """The task id of every Originate, in order."""
        prefix = f"{dialplan.VAR_CALLBACK_TASK}="
        return [int(next(v for v in o["Variable"] if v.startswith(prefix))[len(prefix):]) for o in self.originates]


def dialer_for(engine, ami, profile, worker: str, free_agents, publish, *, open_at=lambda at: at,
               queues_of=lambda _extension: ()) -> CallbackDialer:
    """A dialer over ``ami`` (a fake) as ``telephony.callbacks.setup`` builds one, always open unless ``open_at``
    says otherwise; agents are rung at ``Local/<ext>@agent-reach``."""
    pbx = CallbackPbx(ami, profile, lambda extension: f"Local/{extension}@agent-reach")
    return CallbackDialer(CallbackService(engine), pbx, profile, free_agents, CallbackNotifier(publish),
                          DialerConfig(worker=worker, open_at=open_at, queues_of=queues_of))
