"""The sandbox's desk phones: one SIP phone per demo agent and a few direct lines, played by the network Asterisk,
for the tests.

Each registers with digest authentication to the hotline PBX as endpoint ``sim<ext>`` and, rung, behaves as its
AstDB ``network/agent/<ext>/...`` says (answer delay, talk time; ``docker/asterisk-sandbox/network``). Its answer
delay comes from the network's dialplan, so it is as exact as the ring-count tests need; "unreachable" is a real
unregistration (AMI ``PJSIPUnregister`` on the network). Tests switch the hotline to them with
``DEVICE_TEMPLATE``; real softphones (baresip) keep the employees' own endpoints (``PJSIP/<ext>``).

The network sends its REGISTERs from a second transport on 127.0.0.2: from the trunk's address (127.0.0.1 and the
network's port) the hotline would take them for the trunk, which it identifies by address.
"""
from __future__ import annotations

import hashlib
import hmac

from hotline.pbx.render import DEMO_AGENTS
from telephony import password_digest

# the demo agents (queue members) and three direct lines that are no queue's agent
EXTENSIONS = (*DEMO_AGENTS, "150", "151", "152")
PREFIX = "sim"                                # endpoint, auth and AOR names on the hotline PBX: sim<ext>
DEVICE_TEMPLATE = f"PJSIP/{PREFIX}{{extension}}"
REALM = "hotline"                             # docker/asterisk/pjsip.conf default_realm
REGISTER_ADDRESS = "127.0.0.2"                # the network's transport for its phones' REGISTERs
TRANSPORT = "transport-desk-phones"
INCLUDE = "pjsip-desk-phones.conf"            # the hotline PBX's include with their endpoints (sandbox only)


def endpoint(extension: str) -> str:
    return f"{PREFIX}{extension}"


def password(hotline_secret: str, extension: str) -> str:
    """Each phone's password, derived from the hotline instance's own secret (no fixed password, even here)."""
    return hmac.new(hotline_secret.encode(), f"desk-phone:{extension}".encode(), hashlib.sha256).hexdigest()[:24]


def hotline_side(hotline_secret: str) -> str:
    """The phones' endpoints on the hotline PBX (the agent templates; only digests, as for employees)."""
    sections = []
    for extension in EXTENSIONS:
        name = endpoint(extension)
        digest = password_digest(name, REALM, password(hotline_secret, extension))
        sections.append(f"[{name}](hotline-agent,hotline-media)\nauth = {name}\naors = {name}\n"
                        f"callerid = <{extension}>\n\n"
                        f"[{name}](hotline-agent-auth)\nusername = {name}\npassword_digest = {digest}\n\n"
                        f"[{name}](hotline-agent-aor)\n")
    return "\n".join(sections)


def network_side(hotline_secret: str, hotline_sip_port: int, network_sip_port: int) -> str:
    """The network's registrations of the phones (their transport, auth and outbound registration)."""
    registrar = f"127.0.0.1:{hotline_sip_port}"
    sections = [f"[{TRANSPORT}]\ntype = transport\nprotocol = udp\nbind = {REGISTER_ADDRESS}:{network_sip_port}\n"]
    for extension in EXTENSIONS:
        name = endpoint(extension)
        sections.append(
            f"[{name}-auth]\ntype = auth\nauth_type = userpass\nusername = {name}\n"
            f"password = {password(hotline_secret, extension)}\nrealm = {REALM}\n\n"
            f"[{name}]\ntype = registration\ntransport = {TRANSPORT}\noutbound_auth = {name}-auth\n"
            f"server_uri = sip:{registrar}\nclient_uri = sip:{name}@{registrar}\ncontact_user = {name}\n"
            f"retry_interval = 1\nforbidden_retry_interval = 1\nexpiration = 300\nline = no\n")
    return "\n".join(sections)
