"""Resynchronise the call model with what the PBX really has, after every (re)connect.

State is never guessed across an outage: the PBX is asked (``CoreShowChannels``, ``QueueStatus``, ``Status``,
and ``PJSIPShowAors`` with ``PJSIPShowContacts`` for the softphones' registrations) and the trackers are made to
match. A call the PBX no longer has is closed with cause ``lost_during_outage``; a live call we did not know (the
service started mid-call) is adopted.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from core.events import CallOffered, CallState, CallStateChanged, DomainEvent, EndCause, PbxResynced
from core.ports import PbxActionRefused
from telephony.ami.channels import caller_number, leg_of, may_open_call
from telephony.calls.tracker import CallTracker, TrackedCall

log = logging.getLogger(__name__)

ListAction = Callable[[dict], Awaitable[list[Mapping]]]
CONTACT_UNREACHABLE = "Unreachable"   # a ContactList Status: registered, but not answering qualify's OPTIONS


@dataclass(frozen=True)
class LiveChannel:
    uniqueid: str
    linkedid: str
    channel: str
    context: str
    exten: str
    caller: str
    application: str
    bridged: bool
    age_seconds: float


@dataclass
class PbxSnapshot:
    channels: list[LiveChannel] = field(default_factory=list)
    queued_uniqueids: dict[str, str] = field(default_factory=dict)   # Uniqueid -> queue name
    queued_channels: dict[str, str] = field(default_factory=dict)    # channel name -> queue (old Asterisk)
    queue_members: list[Mapping] = field(default_factory=list)       # QueueStatus QueueMember entries (agents)
    # every configured PJSIP AOR -> whether a contact of it is registered and not found unreachable;
    # None: the PBX cannot tell (no res_pjsip), so nobody's registration is known
    registrations: dict[str, bool] | None = None


def _seconds(value: object) -> float:
    text = str(value or "0")
    try:
        if ":" in text:  # CoreShowChannels Duration is HH:MM:SS
            hours, minutes, seconds = (int(x) for x in text.split(":"))
            return hours * 3600 + minutes * 60 + seconds
        return float(text)
    except ValueError:
        return 0.0


def _live_channel(event: Mapping) -> LiveChannel | None:
    uniqueid, linkedid = event.get("Uniqueid"), event.get("Linkedid")
    if not uniqueid or not linkedid:
        return None
    return LiveChannel(
        uniqueid=uniqueid, linkedid=linkedid, channel=event.get("Channel") or "",
        context=event.get("Context") or "", exten=event.get("Exten") or "",
        caller=event.get("CallerIDNum") or "", application=event.get("Application") or "",
        bridged=bool(event.get("BridgeId") or event.get("BridgeID")),
        age_seconds=_seconds(event.get("Duration") or event.get("Seconds")),
    )


async def fetch_snapshot(list_action: ListAction) -> PbxSnapshot:
    """Ask the PBX for every live channel and queue entry."""
    snapshot = PbxSnapshot()
    seen: dict[str, LiveChannel] = {}
    for event in await list_action({"Action": "CoreShowChannels"}):
        if event.get("Event") == "CoreShowChannel" and (live := _live_channel(event)):
            seen[live.uniqueid] = live
    # Status fills in channels CoreShowChannels raced past (created between the two lists)
    for event in await list_action({"Action": "Status"}):
        if event.get("Event") == "Status" and (live := _live_channel(event)) and live.uniqueid not in seen:
            seen[live.uniqueid] = live
    for event in await list_action({"Action": "QueueStatus"}):
        if event.get("Event") == "QueueEntry":
            if event.get("Uniqueid"):
                snapshot.queued_uniqueids[event["Uniqueid"]] = event.get("Queue") or ""
            elif event.get("Channel"):
                snapshot.queued_channels[event["Channel"]] = event.get("Queue") or ""
        elif event.get("Event") == "QueueMember":
            snapshot.queue_members.append(event)
    snapshot.registrations = await _registrations(list_action)
    snapshot.channels = list(seen.values())
    return snapshot


async def _registrations(list_action: ListAction) -> dict[str, bool] | None:
    """AOR -> registered. PJSIPShowAors is the authority: it lists every configured AOR with its contacts
    (``<aor>/<uri>``, comma-separated, empty for none), where PJSIPShowContacts answers an error when nobody is
    registered and still lists the contacts of AORs no longer configured. PJSIPShowContacts only adds which
    contacts qualify found unreachable, which the live ``ContactStatus`` counts as gone too."""
    try:
        aors = [e for e in await list_action({"Action": "PJSIPShowAors"}) if e.get("Event") == "AorList"]
    except PbxActionRefused as exc:   # no res_pjsip (or not loaded yet, or no AOR at all): nobody is marked
        log.info("softphone registrations unknown after this resync (PBX said: %s)", exc)
        return None
    try:
        contacts = await list_action({"Action": "PJSIPShowContacts"})
    except PbxActionRefused:   # "No Contacts found": the AORs' own lists say it all
        contacts = []
    # ContactList names a contact "<aor>;@<hash>" beside its Uri; AorList names the same contact "<aor>/<uri>"
    unreachable = {f"{str(e.get('ObjectName') or '').partition(';@')[0]}/{e.get('Uri') or ''}" for e in contacts
                   if e.get("Event") == "ContactList" and e.get("Status") == CONTACT_UNREACHABLE}
    registrations: dict[str, bool] = {}
    for aor in aors:
        if name := str(aor.get("ObjectName") or ""):
            listed = [contact for contact in str(aor.get("Contacts") or "").split(",") if contact]
            registrations[name] = any(contact not in unreachable for contact in listed)
    return registrations


def reconcile(tracker: CallTracker, snapshot: PbxSnapshot, now: dt.datetime) -> list[DomainEvent]:
    """Make ``tracker`` match ``snapshot``; return the domain events that tell the rest of the system."""
    groups: dict[str, list[LiveChannel]] = {}
    for live in snapshot.channels:
        groups.setdefault(live.linkedid, []).append(live)
    out: list[DomainEvent] = []
    closed = 0
    for call in list(tracker.calls.values()):
        if call.linkedid not in groups:
            out.extend(tracker.end(call, EndCause.LOST_DURING_OUTAGE, now, detail="not on the PBX after reconnect"))
            closed += 1
    tracker.channel_linkedid = {live.uniqueid: live.linkedid for live in snapshot.channels}
    for linkedid, channels in groups.items():
        call = tracker.calls.get(linkedid)
        if call is None:
            call, offered = _adopt(tracker, linkedid, channels, now)
            out.extend(offered)
            if call is None:
                continue
        call.channels = {live.uniqueid for live in channels}
        if call.caller_uniqueid not in call.channels:  # restored from the database: find its caller again
            inbound = [c for c in channels if c.context in tracker.inbound_contexts] or channels
            caller = max(inbound, key=lambda c: c.age_seconds)
            call.caller_uniqueid, call.caller_leg = caller.uniqueid, leg_of(caller.channel)
        call.ringing &= call.channels
        out.extend(_catch_up(tracker, call, channels, snapshot, now))
    out.append(PbxResynced(at=now, live_calls=tracker.active_calls, closed_calls=closed,
                           details={"channels": len(snapshot.channels)}))
    return out


def _adopt(tracker: CallTracker, linkedid: str, channels: Iterable[LiveChannel],
           now: dt.datetime) -> tuple[TrackedCall | None, list[DomainEvent]]:
    inbound = [c for c in channels if c.context in tracker.inbound_contexts
               and may_open_call(c.uniqueid, c.linkedid, c.channel)]
    if not inbound:
        return None, []
    first = max(inbound, key=lambda c: c.age_seconds)
    call = TrackedCall(call_id=linkedid, linkedid=linkedid, caller_uniqueid=first.uniqueid,
                       caller_leg=leg_of(first.channel))
    tracker.calls[linkedid] = call
    started = now - dt.timedelta(seconds=first.age_seconds)
    return call, [
        CallOffered(at=started, call_id=linkedid, caller=caller_number(first.caller), dialed=first.exten,
                    channel=first.channel),
        CallStateChanged(at=started, call_id=linkedid, state=CallState.OFFERED, detail="adopted on resync"),
    ]


def _catch_up(tracker: CallTracker, call: TrackedCall, channels: list[LiveChannel], snapshot: PbxSnapshot,
              now: dt.datetime) -> list[DomainEvent]:
    """Move a live call forward to what the PBX shows (missed events during the outage)."""
    for live in channels:
        queue = snapshot.queued_uniqueids.get(live.uniqueid) or snapshot.queued_channels.get(live.channel)
        if queue:
            call.queue = queue
    bridged = sum(1 for live in channels if live.bridged)
    event = {"Timestamp": str(now.timestamp())}
    if bridged >= 2 and call.state is not CallState.ANSWERED:
        call.ringing.clear()
        return tracker.advance(call, CallState.ANSWERED, event)
    if call.queue and call.state is CallState.OFFERED:
        return tracker.advance(call, CallState.QUEUED, event)
    return []
