"""Domain events: what happened on the phone system, in our words, independent of AMI's vocabulary.

Events are immutable dataclasses. Times are timezone-aware UTC datetimes taken from the PBX's event stamps when
it gives them, so ordering and durations do not depend on how fast we read.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class CallState(StrEnum):
    OFFERED = "offered"      # the PBX created the call's first channel
    QUEUED = "queued"        # waiting in a skill queue
    RINGING = "ringing"      # at least one agent or extension is ringing
    ANSWERED = "answered"    # talking to an agent or employee
    ENDED = "ended"


class EndCause(StrEnum):
    COMPLETED = "completed"                  # answered, ended normally
    ABANDONED = "abandoned"                  # caller hung up before anyone answered
    DROPPED = "dropped"                      # answered, ended with a network or failure cause
    UNANSWERED = "unanswered"                # ended by the PBX without an answer (no one available, timeout)
    LOST_DURING_OUTAGE = "lost_during_outage"  # the PBX no longer knew the call after we reconnected
    CLOSED = "closed"                        # the line was closed (outside hours, a holiday): nobody was rung
    CALLBACK_BOOKED = "callback_booked"      # unanswered, but the caller booked a callback during the call


@dataclass(frozen=True, slots=True)
class DomainEvent:
    at: dt.datetime


class CallDirection(StrEnum):
    INBOUND = "inbound"      # a caller rang the hotline (the public number or a direct line)
    OUTBOUND = "outbound"    # the hotline called a client back (the callback dialer)


@dataclass(frozen=True, slots=True)
class CallOffered(DomainEvent):
    call_id: str
    caller: str          # personal data: never log it. Outbound: the client called (the other party)
    dialed: str          # inbound: the number dialled; outbound: the hotline number presented to the client
    channel: str
    direction: CallDirection = CallDirection.INBOUND


@dataclass(frozen=True, slots=True)
class CallStateChanged(DomainEvent):
    call_id: str
    state: CallState
    queue: str | None = None
    target: str | None = None   # agent interface / extension when ringing or answered
    cause: EndCause | None = None
    detail: str = ""            # e.g. the Asterisk hangup cause text; never personal data


@dataclass(frozen=True, slots=True)
class CallRelinked(DomainEvent):
    """The PBX changed the call's Linkedid (after a bridge/transfer): ``old_id`` now continues as ``new_id``."""

    old_id: str
    new_id: str


@dataclass(frozen=True, slots=True)
class PbxConnected(DomainEvent):
    reconnect: bool


@dataclass(frozen=True, slots=True)
class PbxDisconnected(DomainEvent):
    reason: str


@dataclass(frozen=True, slots=True)
class PbxResynced(DomainEvent):
    live_calls: int
    closed_calls: int = 0
    details: dict[str, int] = field(default_factory=dict)


# --- rings, agents and SLA -------------------------------------------------------------------------------------
class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    PAUSED = "paused"
    RINGING = "ringing"
    IN_CALL = "in_call"
    WRAP_UP = "wrap_up"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class RingStarted(DomainEvent):
    """One offered ring began: a queue member (AgentCalled) or a direct line (DialBegin)."""

    call_id: str
    ring_id: str            # the ringing channel's Uniqueid (DestUniqueid)
    target: str             # device/interface rung, e.g. Local/101@sandbox-agents or PJSIP/101
    extension: str | None   # the employee's extension when known
    queue: str | None       # None for a direct line


class RingEndReason(StrEnum):
    """Why a ring ended: what the ring-SLA figures count against the one who was rung, and what not."""

    ANSWERED = "answered"
    TIMEOUT = "timeout"                        # it rang out (the queue moved on, the direct line gave up)
    CALLER_LEFT = "caller_left"                # the caller hung up while it rang
    UNREACHABLE = "unreachable"                # busy, unavailable, congestion: it could not ring
    ANSWERED_ELSEWHERE = "answered_elsewhere"  # another member of a ringall answered first
    UNKNOWN = "unknown"                        # cut by an outage, or an end nobody reported


@dataclass(frozen=True, slots=True)
class RingEnded(DomainEvent):
    call_id: str
    ring_id: str
    target: str
    extension: str | None
    queue: str | None
    started_at: dt.datetime
    answered: bool
    ring_count: int         # from the profile's cadence: ring n starts at (n-1) * period
    within_sla: bool
    reason: RingEndReason = RingEndReason.UNKNOWN

    def __post_init__(self) -> None:
        if self.answered and self.reason is RingEndReason.UNKNOWN:   # an answered ring says why it ended
            object.__setattr__(self, "reason", RingEndReason.ANSWERED)


@dataclass(frozen=True, slots=True)
class AgentStateChanged(DomainEvent):
    extension: str
    interface: str
    state: AgentState
    reason: str = ""        # pause reason, e.g. "ring_no_answer"; never personal data


@dataclass(frozen=True, slots=True)
class SlaAlert(DomainEvent):
    """Something a supervisor must see now (e.g. an agent auto-paused after letting calls ring out)."""

    kind: str               # "ring_no_answer_pause", ...
    message: str            # human-readable, no personal data
    extension: str | None = None
    queue: str | None = None


class IvrStep(StrEnum):
    ENTERED = "entered"        # the IVR took the call
    GREETING = "greeting"
    CONSENT = "consent"        # the recording-consent announcement played to its end
    MENU = "menu"              # one menu round: choice = the key pressed ("" none), outcome = queue or "invalid"
    PREVERIFY = "preverify"    # outcome "provided" / "skipped"; the digits themselves are never in an event
    QUEUED = "queued"          # the IVR handed the call to a queue (outcome = queue, topic)
    CALLBACK_OFFER = "callback_offer"  # choice = key; outcome "booked" / "declined" / "no_valid_number"
    CALLBACK_REQUEST = "callback_request"  # pressed 1 while waiting in a queue; outcome "booked"/"no_valid_number"
    UNAVAILABLE = "unavailable"        # employee did not answer: choice = key; outcome "message" / "colleague"
    QUEUE_FAILED = "queue_failed"      # the queue could not take the caller: apology; outcome "booked" / "declined"
    CLOSED = "closed"                  # the line was closed: choice = key; outcome "message" / "booked" / "goodbye"


@dataclass(frozen=True, slots=True)
class IvrStepRecorded(DomainEvent):
    """One step of a call through the IVR, for the call's history (never carries personal data)."""

    call_id: str
    step: IvrStep
    choice: str = ""           # the menu key, never pre-verification digits
    outcome: str = ""
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class RecordingStarted(DomainEvent):
    """MixMonitor started on the call (after the consent announcement); paths as the PBX sees them."""

    call_id: str
    path: str
    caller_leg: str = ""
    agent_leg: str = ""


@dataclass(frozen=True, slots=True)
class RecordingFinalised(DomainEvent):
    """The recordings catalogue closed its entry for one file: ``state`` ready (closed, measured, hashed) or an
    error state (missing, empty, truncated). ``key`` is the file's name in the recording store."""

    recording_id: str
    call_id: str | None
    kind: str               # mix, caller, agent, voice_message
    state: str
    key: str
    answered_after: float | None = None   # seconds into the file the agent answered (None: never, or a message)


# --- callbacks and messages ------------------------------------------------------------------------------------
class CallbackState(StrEnum):
    PENDING = "pending"
    DIALING = "dialing"
    DONE = "done"              # called back: the client answered
    SATISFIED = "satisfied"    # no call needed any more: the client called in again and was answered
    FAILED = "failed"
    CANCELLED = "cancelled"


class CallbackReason(StrEnum):
    """Why a client is owed a call (REQUIREMENTS §5): the vocabulary of every part that asks for one."""

    MISSED = "missed"
    ABANDONED = "abandoned"
    DROPPED = "dropped"
    AGREED_TIME = "agreed_time"
    HOLD_REFUSED = "hold_refused"
    QA_CORRECTION = "qa_correction"
    MESSAGE = "message"
    AFTER_HOURS = "after_hours"    # booked in the closed-line flow: due when the line opens


# a number has at most one task in these states
OPEN_STATES = (CallbackState.PENDING.value, CallbackState.DIALING.value)


@dataclass(frozen=True, slots=True)
class MessageLeft(DomainEvent):
    """A caller left a message for an employee who could not answer (LT-2021 §12.18)."""

    message_id: int
    extension: str | None       # None: left for a queue (the closed public number), supervisors see it
    caller: str | None          # personal data: never log it
    caller_name: str | None = None
    reason: str = ""
    has_audio: bool = False
    call_id: str | None = None
    callback_id: int | None = None
    queue: str | None = None
    audio_path: str | None = None   # the voice file as the PBX named it (holds an extension, never a number)


@dataclass(frozen=True, slots=True)
class CallbackAssigned(DomainEvent):
    """The dialer gave a callback task to an agent and is ringing them; the client is dialled once they answer.

    The agent's softphone shows why the client is called back and when they called (LT-2021 §12.15.1)."""

    task_id: int
    extension: str
    number: str                 # personal data: never log it
    reasons: tuple[str, ...]
    call_id: str                # the call this try produces (its Linkedid)
    origin_call_id: str | None  # the call that asked for the callback
    queue: str | None
    requested_at: dt.datetime
    attempt: int
    agreed_at: dt.datetime | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CallbackResult(DomainEvent):
    """How one try of a callback task ended, and the task's state after it (``failed``: a supervisor must act)."""

    task_id: int
    outcome: str                # answered, busy, no_answer, failed, or no_agent (the client was not dialled)
    state: str                  # pending, done, failed, ...
    extension: str | None
    call_id: str | None
    attempts: int
