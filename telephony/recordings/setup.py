"""Builds the recordings' controls from the deps (the AMI client they speak over)."""
from __future__ import annotations

from core.deps import Dependencies
from telephony.recordings.mute import AmiRecordingMute


def setup(deps: Dependencies) -> AmiRecordingMute:
    return AmiRecordingMute(deps.ami)
