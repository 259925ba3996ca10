"""Builds the agent side of telephony (state tracker, ring-out enforcement, queue membership) from the deps."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from core import dialplan
from core.deps import Dependencies
from core.events import PbxResynced
from core.ports import EmployeeDirectory
from telephony.agents.availability import PhoneAvailability
from telephony.agents.control import AgentControl
from telephony.agents.enforcement import RingOutEnforcer
from telephony.agents.membership import QueueConfigurator
from telephony.agents.notifier import AgentNotifier
from telephony.agents.tracker import AgentTracker, run_wrapup_timer


@dataclass
class AgentServices:
    tracker: AgentTracker
    enforcer: RingOutEnforcer
    queues: QueueConfigurator
    control: AgentControl
    availability: PhoneAvailability
    _timer: asyncio.Task | None = field(default=None, repr=False)

    @property
    def observers(self) -> list:
        """The EventObservers to hand to the CallEventHandler."""
        return [self.tracker, self.enforcer]

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
        await self.enforcer.close()


def setup(deps: Dependencies, directory: EmployeeDirectory) -> AgentServices:
    wake = asyncio.Event()
    tracker = AgentTracker(deps.profile, on_deadline=wake.set)
    enforcer = RingOutEnforcer(deps.profile, deps.ami, AgentNotifier(deps.bus.publish))
    template = deps.settings.agent_interface_template
    control = AgentControl(deps.ami, deps.engine, lambda extension: template.format(extension=extension))
    queues = QueueConfigurator(deps.ami, directory, deps.profile, template, logged_out=control.logged_out,
                               state_template=dialplan.STATE_INTERFACE_TEMPLATE)
    # membership is checked after every (re)connect's resync: the PBX may have restarted without our members
    deps.bus.subscribe("queue_membership", queues.on_resynced, PbxResynced)
    timer = asyncio.create_task(run_wrapup_timer(tracker, deps.bus.publish, wake), name="agent-wrapup-timer")
    return AgentServices(tracker, enforcer, queues, control, PhoneAvailability(control, queues), timer)
