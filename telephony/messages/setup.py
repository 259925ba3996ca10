"""Builds message taking: the ``core.ports.MessageDrop`` service, which also asks for a callback per message."""
from __future__ import annotations

from core.deps import Dependencies
from core.ports import CallbackRequests
from telephony.messages.notifier import MessageNotifier
from telephony.messages.service import MessageService


def setup(deps: Dependencies, callbacks: CallbackRequests) -> MessageService:
    return MessageService(deps.engine, callbacks, MessageNotifier(deps.bus.publish))
