"""Actions in flight: which reply completes which action, and how it ends (result, error, disconnect).

panoramisk decides completion in ``Action.multi``/``completed``, which raises ``KeyError: 'async'`` on an
"Originate successfully queued" reply and never completes ``QueueAdd`` ("Added interface to queue" looks like a
list start to it). Here the caller says what it expects: a single reply (the first ``Response`` completes it)
or a list (the events up to the ``...Complete`` event), so no guessing from message texts is needed.
"""
from __future__ import annotations

import asyncio

from panoramisk.actions import Action
from panoramisk.message import Message

from telephony.ami.exceptions import AmiActionError, AmiDisconnected


def build_action(fields: dict) -> Action:
    """A panoramisk Action with a fresh ActionID; refuses values that would inject extra AMI headers."""
    for key, value in fields.items():
        values = value if isinstance(value, (list, tuple)) else (value,)
        for item in (key, *values):
            text = str(item)
            if "\r" in text or "\n" in text:
                raise ValueError(f"AMI action field {key!r} contains a line break")
    if "action" not in {str(k).lower() for k in fields}:
        raise ValueError("an AMI action needs an 'Action' field")
    return Action(dict(fields))


class PendingAction:
    """One action waiting for its reply (``is_list=False``) or for its list of events (``is_list=True``)."""

    __slots__ = ("name", "future", "is_list", "events")

    def __init__(self, name: str, future: asyncio.Future, is_list: bool) -> None:
        self.name = name
        self.future = future
        self.is_list = is_list
        self.events: list[Message] = []

    def feed(self, message: Message) -> bool:
        """Take a message carrying this action's ActionID. Returns False when it is not part of the reply
        (an event such as OriginateResponse sent before the reply): the caller dispatches it as an event."""
        if self.future.done():
            return False
        if "Response" in message:
            return self._on_response(message)
        if not self.is_list:
            return False
        event = message.get("Event") or ""
        if event.endswith("Complete") or str(message.get("EventList", "")).lower() == "complete":
            self.future.set_result(self.events)
        else:
            self.events.append(message)
        return True

    def _on_response(self, message: Message) -> bool:
        status = str(message["response"]).lower()
        if status in ("error", "fail", "failure"):
            text = message.get("message") or f"AMI action {self.name} failed"
            self.future.set_exception(AmiActionError(str(text)))
        elif not self.is_list:
            self.future.set_result(message)
        elif not _announces_list(message):
            self.future.set_result([])  # a success without a list to follow: nothing to return
        return True

    def fail(self, reason: str) -> None:
        if not self.future.done():
            self.future.set_exception(AmiDisconnected(reason))


def _announces_list(response: Message) -> bool:
    return (str(response.get("eventlist", "")).lower() == "start"
            or "will follow" in str(response.get("message", "")).lower())
