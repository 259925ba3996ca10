"""Wires the callback dialer (``telephony.callback_dialer``): its worker name, the free agents from the agent
tracker, the business calendar, the AMI subscription. Called by the composition root (``hotline.service``)."""
from __future__ import annotations

import functools
import socket

from core.calendar import next_business_moment
from core.deps import Dependencies
from core.ports import CallbackRequests
from telephony.agent_setup import AgentServices
from telephony.callback_dialer import CallbackDialer, free_agents_of


def worker_name(settings) -> str:
    """Stable across restarts of one instance, so a restarted service finds the tries it left."""
    return settings.dialer_worker or f"{socket.gethostname()}:{settings.http_port}"


def setup(deps: Dependencies, agents: AgentServices | None, requests: CallbackRequests) -> CallbackDialer | None:
    """The dialer, subscribed to AMI (call ``start()`` once AMI is started); None when switched off or when there
    are no agents to call from."""
    if not deps.settings.callback_dialer or agents is None:
        return None
    dialer = CallbackDialer(
        deps.engine, deps.ami, deps.profile, worker=worker_name(deps.settings),
        free_agents=free_agents_of(agents.tracker.snapshot), publish=deps.bus.publish,
        agent_interface=lambda extension: deps.settings.agent_interface_template.format(extension=extension),
        open_at=functools.partial(next_business_moment, profile=deps.profile), requests=requests,
        poll_seconds=deps.settings.callback_poll_seconds)
    dialer.subscribe()
    return dialer
