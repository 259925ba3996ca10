"""``core.ports.RecordingMute`` over AMI: ``MixMonitorMute`` on the channel that runs the recording."""
from __future__ import annotations

from core.ports import AmiPort

MUTE_TIMEOUT = 2.0   # seconds: the IVR waits for this answer before asking for digits, with the caller on the line


class AmiRecordingMute:
    """Mutes both directions (the caller's audio and what the caller hears) of every MixMonitor on a channel.
    A refusal (no recording on the channel) raises ``PbxActionRefused``; no connection or no answer in time,
    ``PbxUnavailable``."""

    def __init__(self, ami: AmiPort, timeout: float = MUTE_TIMEOUT) -> None:
        self.ami = ami
        self.timeout = timeout

    async def set_muted(self, channel: str, muted: bool) -> None:
        await self.ami.action({"Action": "MixMonitorMute", "Channel": channel, "Direction": "both",
                               "State": "1" if muted else "0"}, timeout=self.timeout)
