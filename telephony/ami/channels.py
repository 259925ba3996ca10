"""What a channel name says: which leg it is (Local halves ;1/;2 are one leg) and which device it rings."""
from __future__ import annotations

import re

# "Local/101@sandbox-agents-0000000f;1" -> device "Local/101@sandbox-agents"; "PJSIP/101-00000a3c" -> "PJSIP/101"
_UNIQUE_SUFFIX = re.compile(r"-[0-9a-f]{8}(;[12])?$")
_HALF = re.compile(r";[12]$")

UNKNOWN_CALLER_IDS = frozenset({"", "<unknown>", "anonymous", "Anonymous", "unknown"})


def leg_of(channel: str) -> str:
    """The leg a channel belongs to: both halves of a Local channel are the same leg."""
    return _HALF.sub("", channel)


def may_open_call(uniqueid: str, linkedid: str, channel: str) -> bool:
    """Whether a channel in an inbound context can be a caller's: the first channel of its Linkedid group (a SIP
    call from the trunk), or the dialplan half (``;2``) of a Local channel originated into it (the sandbox's
    simulated callers). A leg dialled out of another call to the trunk (a callback's client) lands in the trunk's
    inbound context too, and is neither."""
    return uniqueid == linkedid or channel.endswith(";2")


def device_of(channel: str) -> str:
    """The device (queue-member interface, endpoint) a channel was created for."""
    return _UNIQUE_SUFFIX.sub("", channel)


def caller_number(value: str | None) -> str:
    """The caller's number, or "" when the PBX does not know it (withheld, anonymous)."""
    return "" if value is None or value in UNKNOWN_CALLER_IDS else value


_INTERFACE_EXTENSION = re.compile(r"^[A-Za-z0-9_]+/([^@/;]+)")


def extension_of(interface: str | None) -> str | None:
    """The extension a queue-member interface or device rings (``Local/101@sandbox-agents`` -> ``101``)."""
    match = _INTERFACE_EXTENSION.match(device_of(interface or ""))
    return match.group(1) if match else None
