"""The sandbox's public network: a second Asterisk instance on loopback at the far side of the hotline PBX's
SIP trunk. Callers start there (AMI ``Originate PJSIP/<dialled>@hotline``) and reach the hotline through its
trunk; the hotline's fallback numbers and callbacks ring its phones. Every call between the two is real SIP with
RTP speech and RFC 4733 DTMF; the configs are ``docker/asterisk-sandbox/network/`` over ``docker/asterisk``.
"""
from __future__ import annotations

import array
import math
import shutil
import wave
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
# a leaky caller's keys in-band (network-leaky-keys): each digit's two tones (ITU-T Q.23), 120 ms at 8 kHz
KEY_TONES = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "4": (770, 1209), "5": (770, 1336),
             "6": (770, 1477), "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "0": (941, 1336)}
KEY_TONE_SECONDS = 0.12
KEY_TONE_RATE = 8000
KEY_TONE_AMPLITUDE = 4000   # each of the two tones, of 32767: about -18 dBm0, what a phone sends


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
    """The phrases the network's callers and phones say, in the profile's language, and the leaky callers' key
    tones, in the instance's sounds."""
    voice = load_profile(hotline.profile).language
    target = paths.host(sounds_dir(paths))
    target.mkdir(parents=True, exist_ok=True)
    for party in ("caller", "phone"):
        shutil.copyfile(phrase_wav(speech_cache(hotline), voice, PHRASES[voice][party]), target / f"{party}.wav")
    for key in KEY_TONES:
        write_samples(target / f"key-{key}.wav", key_tone(key))
    # the leaky caller's pause ("w"): silence as audio, as a phone's microphone sends it between keys
    write_samples(target / "pause.wav", array.array("h", [0] * (KEY_TONE_RATE // 2)))   # 0.5 s


def key_tone(key: str) -> array.array:
    """The in-band sound of DTMF ``key``, as a phone that leaks its keys into the audio sends it."""
    low, high = KEY_TONES[key]
    return array.array("h", (round(KEY_TONE_AMPLITUDE * (math.sin(2 * math.pi * low * n / KEY_TONE_RATE)
                                                        + math.sin(2 * math.pi * high * n / KEY_TONE_RATE)))
                             for n in range(round(KEY_TONE_SECONDS * KEY_TONE_RATE))))


def write_samples(path: Path, samples: array.array) -> None:
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(KEY_TONE_RATE)
        audio.writeframes(samples.tobytes())


def speech_cache(settings: Settings) -> Path:
    return settings.pbx_cache_dir / "speech"
