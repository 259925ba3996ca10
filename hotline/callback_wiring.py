"""Wires callback tasks and messages: the telephony services behind core's ports, the detector that turns call
events into callback tasks, the IVR routes that use them (callback offer, employee unavailable), and their web
routes. Called by the composition root (``hotline.service``).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from core.deps import Dependencies
from core.directory import get_employee
from core.events import CallOffered, CallRelinked, CallStateChanged
from core.policy import PolicyProfile
from hotline.web import callbacks as callback_routes, callbacks_page, messages as message_routes
from ivr_flows import callback_offer, message_flow
from ivr_flows.agi_server import AgiServer
from ivr_flows.prompts import PromptSet
from telephony.callback_detection import CallbackDetector, stored_call_lookup
from telephony.callbacks import CallbackService
from telephony.messages import MessageService


class DirectoryCompetences:
    """``core.ports.EmployeeCompetences`` over the employee directory."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def competences(self, extension: str) -> Sequence[str]:
        employee = await get_employee(self.engine, extension)
        return employee.competences if employee is not None and employee.active else ()


@dataclass
class CallbackParts:
    callbacks: CallbackService
    messages: MessageService
    profile: PolicyProfile

    def web_routes(self) -> list:
        return [functools.partial(callback_routes.register_routes, callbacks=self.callbacks, profile=self.profile),
                callbacks_page.routes(self.profile),
                functools.partial(message_routes.register_routes, messages=self.messages)]


def setup(deps: Dependencies, server: AgiServer | None = None, prompts: PromptSet | None = None) -> CallbackParts:
    """The services; with an AGI server, also its ``callback_offer``, ``callback_request`` and ``unavailable``
    routes."""
    callbacks = CallbackService(deps.engine)
    messages = MessageService(deps.engine, callbacks, deps.bus.publish)
    # durable: a missed caller's callback must not be lost to a full queue
    detector = CallbackDetector(callbacks, deps.profile, lookup=stored_call_lookup(deps.engine))
    deps.bus.subscribe("callback_detection", detector, CallOffered, CallStateChanged, CallRelinked, durable=True)
    if server is not None:
        prompts = prompts or PromptSet()
        offer = callback_offer.CallbackOfferFlow(deps.profile, prompts, callbacks, deps.bus.publish)
        unavailable = message_flow.MessageFlow(deps.profile, prompts, messages, DirectoryCompetences(deps.engine),
                                               deps.bus.publish)
        server.add_route(callback_offer.ROUTE, offer)
        server.add_route(callback_offer.REQUEST_ROUTE, callback_offer.CallbackRequestFlow(
            deps.profile, prompts, callbacks, deps.bus.publish))
        server.add_route(message_flow.ROUTE, unavailable)
    return CallbackParts(callbacks, messages, profile=deps.profile)
