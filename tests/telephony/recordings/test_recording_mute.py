"""The recording mute over AMI: one MixMonitorMute action, both directions, bounded in time."""
from __future__ import annotations

from telephony.recordings.mute import MUTE_TIMEOUT, AmiRecordingMute


class SentAmi:
    def __init__(self) -> None:
        self.sent: list[tuple[dict, float | None]] = []

    async def action(self, action: dict, *, timeout: float | None = None) -> dict:
        self.sent.append((action, timeout))
        return {"Response": "Success"}


async def test_mute_and_unmute_are_mixmonitormute_on_the_channel_in_both_directions():
    ami = SentAmi()
    mute = AmiRecordingMute(ami)
    await mute.set_muted("PJSIP/trunk-00000001", True)
    await mute.set_muted("PJSIP/trunk-00000001", False)
    assert ami.sent == [
        ({"Action": "MixMonitorMute", "Channel": "PJSIP/trunk-00000001", "Direction": "both", "State": "1"},
         MUTE_TIMEOUT),
        ({"Action": "MixMonitorMute", "Channel": "PJSIP/trunk-00000001", "Direction": "both", "State": "0"},
         MUTE_TIMEOUT)]
