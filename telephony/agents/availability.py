"""An agent's availability changed from their phone (the dialplan's feature codes, through the IVR's
``agent_feature`` route): the same change as from the API or the CLI, then the queue membership it implies."""
from __future__ import annotations

from telephony.agents.control import LOGIN, LOGOUT, PAUSE, UNPAUSE, AgentControl, InvalidAgentChange
from telephony.agents.membership import QueueConfigurator


class PhoneAvailability:
    """``core.ports.AgentAvailability`` over :class:`AgentControl` and the queue membership."""

    def __init__(self, control: AgentControl, queues: QueueConfigurator) -> None:
        self.control = control
        self.queues = queues

    async def change(self, extension: str, action: str, reason: str, by: str) -> None:
        if action == PAUSE:
            await self.control.pause(extension, reason, by)
        elif action == UNPAUSE:
            await self.control.unpause(extension, by)
        elif action in (LOGIN, LOGOUT):
            await (self.control.login if action == LOGIN else self.control.logout)(extension, by)
            await self.queues.apply()   # logging in or out is membership: applied at once
        else:
            raise InvalidAgentChange(f"unknown availability change {action!r}")
