"""What the callback dialer asks the PBX: ring an agent for a task, which channels are up, and the result the
dialplan kept in AstDB (``hotline-callback/<call id>``) for a try whose events were lost."""
from __future__ import annotations

import contextlib
from collections.abc import Callable

from core import dialplan
from core.policy import PolicyProfile
from core.ports import PBX_ERRORS, AmiPort
from telephony.callbacks.models import CallbackTask


class CallbackPbx:
    def __init__(self, ami: AmiPort, profile: PolicyProfile, agent_interface: Callable[[str], str]) -> None:
        self.ami = ami
        self.profile = profile
        self.policy = profile.callbacks
        self.interface = agent_interface   # the agent's queue interface: the fallback number applies too

    @property
    def connected(self) -> bool:
        return self.ami.connected

    async def originate(self, task: CallbackTask, agent: str, call_id: str) -> None:
        """Ring ``agent``; once they answer, the ``hotline-callback`` dialplan dials the client (PBX errors)."""
        public = self.profile.public_number
        await self.ami.action({
            "Action": "Originate", "Channel": self.interface(agent),
            "Context": dialplan.CONTEXT_CALLBACK, "Exten": task.number, "Priority": "1",
            "CallerID": f'"Callback" <{public}>',
            "Timeout": str(self.policy.agent_ring_seconds * 1000), "Async": "true", "ChannelId": call_id,
            "Variable": [f"{dialplan.VAR_CALLBACK_TASK}={task.id}", f"{dialplan.VAR_CALLBACK_CLI}={public}",
                         f"{dialplan.VAR_CLIENT_RING}={self.policy.client_ring_seconds}"],
        })

    async def live_channels(self) -> set[str]:
        return {str(event.get("Uniqueid")) for event in await self.ami.action_list({"Action": "CoreShowChannels"})}

    async def channel_alive(self, call_id: str) -> bool:
        return call_id in await self.live_channels()

    async def kept_result(self, call_id: str) -> str | None:
        """The client's DialStatus the dialplan kept in AstDB for this call, if it ended."""
        try:
            events = await self.ami.action_list({"Action": "DBGet", "Family": dialplan.ASTDB_CALLBACK_FAMILY,
                                                 "Key": call_id})
        except PBX_ERRORS:   # "Database entry not found": the agent leg never reached the dialplan
            return None
        values = [str(event.get("Val")) for event in events if event.get("Val") is not None]
        return values[0] if values else None

    async def forget_kept_result(self, call_id: str) -> None:
        with contextlib.suppress(*PBX_ERRORS):   # absent, or AMI down: a stale key is harmless
            await self.ami.action({"Action": "DBDel", "Family": dialplan.ASTDB_CALLBACK_FAMILY, "Key": call_id})
