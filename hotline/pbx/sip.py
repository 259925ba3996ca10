"""The SIP half of the rendered PBX configuration: the transports and the trunk (``docker/asterisk/pjsip.conf``
includes them). The agents' endpoints are not rendered here: they follow the employee directory and are written by
the service (``telephony.phones``).
"""
from __future__ import annotations

import re

from core import dialplan
from core.settings import Settings

TRANSPORT_PREFIX = "transport-"   # + udp / tcp
# An address rendered into pjsip.conf as-is must not be able to break out of its line or its value.
_ADDRESS = re.compile(r"^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:.]+\]$|^[0-9A-Fa-f:]+$")
_HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d{1,5}))?$")


def check_address(value: str, what: str) -> str:
    if not _ADDRESS.match(value):
        raise ValueError(f"{what} {value!r} is not a host name or an IP address")
    return value


def check_host_port(value: str, what: str) -> str:
    match = _HOST_PORT.match(value)
    if not match or (match["port"] and not 1 <= int(match["port"]) <= 65535):
        raise ValueError(f"{what} {value!r} is not host or host:port")
    return value


def transports_conf(settings: Settings) -> str:
    bind = check_address(settings.sip_bind, "HOTLINE_SIP_BIND")
    host = f"[{bind}]" if ":" in bind and not bind.startswith("[") else bind
    media = []
    if settings.sip_media_address:
        address = check_address(settings.sip_media_address, "HOTLINE_SIP_MEDIA_ADDRESS")
        # RTP bound to the media address too: the sandbox keeps every packet on loopback
        media = [f"media_address = {address}", "bind_rtp_to_media_address = yes"]
    sections = []
    for protocol in ("udp", "tcp"):
        sections.append("\n".join([
            f"[{TRANSPORT_PREFIX}{protocol}]", "type = transport", f"protocol = {protocol}",
            f"bind = {host}:{settings.sip_port}",
        ]) + "\n")
    # pjsip.conf has no per-transport media address: endpoints take it from the agent and trunk templates' copy
    return "\n".join(sections) + _media_templates(media)


def _media_templates(media: list[str]) -> str:
    """``[hotline-media](!)`` carries the media address for the endpoint templates that inherit from it."""
    return "\n".join(["[hotline-media](!)", *media]) + "\n"


def trunk_conf(settings: Settings) -> str:
    """The trunk endpoint, its AOR (where calls out go) and its identify (calls in from that address and port are
    the public network's). Without a trunk address there is no trunk: fallback numbers and callbacks cannot be
    dialled (the dialplan's Dial ends CHANUNAVAIL and the flows go on as for an unreachable phone)."""
    if not settings.sip_trunk_address:
        return "; no trunk configured (HOTLINE_SIP_TRUNK_ADDRESS is empty)\n"
    address = check_host_port(settings.sip_trunk_address, "HOTLINE_SIP_TRUNK_ADDRESS")
    name = dialplan.TRUNK_ENDPOINT
    return (
        f"[{name}](hotline-trunk,hotline-media)\naors = {name}\n\n"
        f"[{name}]\ntype = aor\ncontact = sip:{address}\n\n"
        f"[{name}]\ntype = identify\nendpoint = {name}\nmatch = {address}\n"
    )
