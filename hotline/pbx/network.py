"""The sandbox's public network: a second Asterisk instance on loopback at the far side of the hotline PBX's
SIP trunk. Callers start there (AMI ``Originate PJSIP/<dialled>@hotline``) and reach the hotline through its
trunk; the hotline's fallback numbers and callbacks ring its phones. Every call between the two is real SIP with
RTP speech and RFC 4733 DTMF; the configs are ``docker/asterisk-sandbox/network/`` over ``docker/asterisk``.
"""
from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from core.policy import load_profile
from core.settings import Settings
from hotline.pbx.paths import InstancePaths
from hotline.pbx.render import HEADER, SANDBOX_SOURCE, manager_includes
from hotline.pbx import desk_phones
from hotline.pbx.sip import transports_conf
from hotline.pbx.speech import PHRASES, phrase_wav

NETWORK_SOURCE = SANDBOX_SOURCE / "network"
PEER_ENDPOINT = "hotline"      # the hotline PBX as the network's endpoint: Originate PJSIP/<dialled>@hotline
NETWORK_SUFFIX = "-net"


def network_settings(settings: Settings) -> Settings:
    """The network instance's own settings: its name, AMI and SIP ports, loopback only."""
    return settings.model_copy(update={
        "pbx_instance": f"{settings.pbx_instance}{NETWORK_SUFFIX}", "ami_port": settings.sandbox_network_ami_port,
        "sip_port": settings.sandbox_network_sip_port, "sip_bind": "127.0.0.1", "sip_media_address": "127.0.0.1",
        "ami_secret": "",
    })


def sounds_dir(paths: InstancePaths) -> PurePosixPath:
    return paths.lib / "sounds" / "network"


def network_includes(hotline: Settings, secret: str, paths: InstancePaths, hotline_secret: str) -> dict[str, str]:
    """The network's generated includes; ``hotline``: the hotline PBX's settings (its SIP port is the peer),
    ``hotline_secret`` its AMI secret (the desk phones' passwords derive from it)."""
    own = network_settings(hotline)
    peer = f"127.0.0.1:{hotline.sip_port}"
    files = {
        **manager_includes(own, secret, sandbox=True),   # a sandbox of its own: its tests watch every event
        "pjsip-transports.conf": transports_conf(own),
        "network-peer.conf": (f"[{PEER_ENDPOINT}](network-peer,hotline-media)\naors = {PEER_ENDPOINT}\n\n"
                              f"[{PEER_ENDPOINT}]\ntype = aor\ncontact = sip:{peer}\n\n"
                              f"[{PEER_ENDPOINT}]\ntype = identify\nendpoint = {PEER_ENDPOINT}\nmatch = {peer}\n"),
        "network-globals.conf": f"NETWORK_SOUNDS = {sounds_dir(paths)}\n",
        "network-desk-phones.conf": desk_phones.network_side(hotline_secret, hotline.sip_port, own.sip_port),
        "queues.conf": "",   # docker/asterisk's queues.conf includes it: the network has no queues
    }
    return {name: HEADER + content for name, content in files.items()}


def place_speech(hotline: Settings, paths: InstancePaths) -> None:
    """The phrases the network's callers and phones say, in the profile's language, in the instance's sounds."""
    voice = load_profile(hotline.profile).language
    target = paths.host(sounds_dir(paths))
    target.mkdir(parents=True, exist_ok=True)
    for party in ("caller", "phone"):
        shutil.copyfile(phrase_wav(speech_cache(hotline), voice, PHRASES[voice][party]), target / f"{party}.wav")


def speech_cache(settings: Settings) -> Path:
    return settings.pbx_cache_dir / "speech"
