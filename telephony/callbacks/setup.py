"""Builds the callback capability: the task service (``core.ports.CallbackRequests``), the detector that turns
call events into tasks, what people do to tasks (admin), and the dialer (unless switched off, or there are no
agents to call from; call ``start()`` once AMI is started)."""
from __future__ import annotations

import functools
import socket
from dataclasses import dataclass

from core.calendar import next_business_moment
from core.db import is_transient_error
from core.deps import Dependencies
from core.events import CallOffered, CallRelinked, CallStateChanged
from core.settings import Settings
from telephony.agents.setup import AgentServices
from telephony.callbacks import spool
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.detection import CallbackDetector, stored_call_lookup
from telephony.callbacks.dialer import CallbackDialer, DialerConfig, free_agents_of, queues_of_agents
from telephony.callbacks.notifier import CallbackNotifier
from telephony.callbacks.pbx import CallbackPbx
from telephony.callbacks.service import CallbackService


@dataclass
class CallbackServices:
    service: CallbackService
    admin: CallbackAdmin
    detector: CallbackDetector
    dialer: CallbackDialer | None

    def start(self) -> None:
        if self.dialer is not None:
            self.dialer.start()

    async def close(self) -> None:
        if self.dialer is not None:
            await self.dialer.close()   # running tries stay `dialing`; the next start reconciles them


def worker_name(settings: Settings) -> str:
    """Stable across restarts of one instance, so a restarted service finds the tries it left."""
    return settings.dialer_worker or f"{socket.gethostname()}:{settings.http_port}"


def setup(deps: Dependencies, agents: AgentServices | None) -> CallbackServices:
    service = CallbackService(deps.engine)
    detector = CallbackDetector(service, deps.profile, lookup=stored_call_lookup(deps.engine),
                                spool_file=deps.settings.var_dir / spool.FILE_NAME)
    detector.ledger.take_back()   # what a stop with the database away kept on disk, first
    # durable: a missed caller's callback must not be lost to a full queue, nor to a database that went away
    deps.bus.subscribe("callback_detection", detector, CallOffered, CallStateChanged, CallRelinked, durable=True,
                       retry=is_transient_error)
    dialer = None
    if deps.settings.callback_dialer and agents is not None:
        template = deps.settings.agent_interface_template
        pbx = CallbackPbx(deps.ami, deps.profile, lambda extension: template.format(extension=extension))
        config = DialerConfig(worker=worker_name(deps.settings),
                              open_at=functools.partial(next_business_moment, profile=deps.profile),
                              poll_seconds=deps.settings.callback_poll_seconds,
                              rescan_seconds=deps.settings.callback_rescan_seconds,
                              queues_of=queues_of_agents(agents.tracker.snapshot))
        dialer = CallbackDialer(service, pbx, deps.profile, free_agents_of(agents.tracker.snapshot),
                                CallbackNotifier(deps.bus.publish), config)
        dialer.subscribe()
    return CallbackServices(service, CallbackAdmin(service, deps.profile), detector, dialer)
