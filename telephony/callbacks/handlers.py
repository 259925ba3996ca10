"""Every AMI binding of the callback dialer, in one ``subscribe()``: the events that tell a try's progress and end.

Every AMI event comes through ``on_event``, so it does only dict lookups unless a try is running.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from core import dialplan
from core.ports import AmiPort
from telephony.ami.causes import parse_cause
from telephony.ami.channels import leg_of
from telephony.ami.timestamps import event_time
from telephony.callbacks.attempt import CLIENT_NOT_DIALLED, NO_AGENT, RunningTries


class CallbackEventHandler:
    def __init__(self, ami: AmiPort, tries: RunningTries, on_login: Callable[[], None]) -> None:
        self.ami = ami
        self.tries = tries
        self.on_login = on_login   # after every (re)connect: the dialer reconciles its tries

    def subscribe(self) -> None:
        self.ami.on_event(self.on_event)
        self.ami.on_connected(self.on_connected)

    def on_event(self, event: Mapping) -> None:
        name = event.get("Event")
        if name == "Hangup":
            if not self.tries.by_client_leg:
                return
            attempt = self.tries.by_client_leg.get(leg_of(str(event.get("Channel", ""))))
            if attempt is not None and attempt.client_cause is None:
                attempt.client_cause = parse_cause(event.get("Cause"))
        elif name == "DialBegin":
            attempt = self.tries.by_call_id.get(str(event.get("Uniqueid", "")))
            if attempt is not None:   # the agent answered and the dialplan dials the client
                self.tries.client_dialled(attempt, leg_of(str(event.get("DestChannel", ""))), event_time(event))
        elif name == "DialEnd":
            attempt = self.tries.by_call_id.get(str(event.get("Uniqueid", "")))
            if attempt is not None and event.get("DialStatus") == "ANSWER":
                attempt.client_answered_at = event_time(event)
        elif name == "OriginateResponse":
            attempt = self.tries.by_call_id.get(str(event.get("Uniqueid", "")))
            if attempt is not None and event.get("Response") != "Success":
                attempt.end(NO_AGENT)
        elif name == "UserEvent" and event.get("UserEvent") == dialplan.USEREVENT_CALLBACK_RESULT:
            attempt = self.tries.by_call_id.get(str(event.get("Uniqueid", "")))
            if attempt is not None:
                attempt.end(str(event.get("DialStatus") or CLIENT_NOT_DIALLED))

    async def on_connected(self, reconnect: bool) -> None:
        self.on_login()   # only a flag: this runs in the AMI dispatch task, which must not wait on the dialer
