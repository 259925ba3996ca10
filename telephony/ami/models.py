"""Vocabulary of the AMI client: its configuration and its counters (errors: ``exceptions``)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AmiConfig:
    host: str
    port: int
    username: str
    secret: str
    action_timeout: float = 10.0
    ping_interval: float = 3.0
    ping_timeout: float = 5.0
    reconnect_min: float = 0.5
    reconnect_max: float = 30.0
    #: a message growing past this many characters without its blank line is discarded (memory bound)
    max_message_bytes: int = 65536
    #: events waiting for the subscribers; when reached, reading from the PBX pauses until they drain
    max_queued_events: int = 10_000
    #: event names the PBX is asked not to send on this session (AMI ``Filter``): nothing here reads them, and
    #: with real phones they are most of the stream (every device, hint and RTCP report of every call)
    unread_events: tuple[str, ...] = (
        "DeviceStateChange", "ExtensionStatus", "PresenceStateChange", "RTCPSent", "RTCPReceived", "Newexten",
        "VarSet", "DTMFBegin", "DTMFEnd", "ChannelTalkingStart", "ChannelTalkingStop", "Cdr", "CEL",
    )


@dataclass
class AmiStats:
    last_error: str | None = None
    # the connection
    events_received: int = 0
    reconnects: int = 0
    auth_failures: int = 0
    #: wall-clock time (``time.time()``) of the current successful login, None while down
    connected_since: float | None = None
    # the stream: events a subscriber raised on, messages that could not be parsed or routed
    handler_errors: int = 0
    parse_errors: int = 0
    #: times reading from the PBX was paused because subscribers lagged behind
    read_pauses: int = 0
