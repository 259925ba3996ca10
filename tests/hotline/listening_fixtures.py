"""What the listening tests share: a recorded call whose three files are generated WAVs (the caller speaking in the
first half, the agent in the second), catalogued through the call's events, and the web app serving the recording,
its audio, listen-only sessions and their links over that catalogue."""
from __future__ import annotations

import array
import functools
import io
import math
import wave
from dataclasses import dataclass
from pathlib import Path

from core.policy import PolicyProfile, load_profile
from core.recording_policy import RecordingAccess
from hotline.web import HotlineMetrics, WebDeps, create_app, listen_link, listen_sessions, listening, recordings
from recording import ListenSessions
from tests.recording.catalogue_fixtures import Catalogued

RATE = 8000
SECONDS = 4.0


def voice(frequency: float, start: float, end: float, seconds: float = SECONDS) -> bytes:
    """A leg silent but for a steady voice-like tone from ``start`` to ``end``."""
    samples = [int(8000 * math.sin(2 * math.pi * frequency * i / RATE)) if start * RATE <= i < end * RATE else 0
               for i in range(int(seconds * RATE))]
    return array.array("h", samples).tobytes()


def write_wav(path: Path, frames: bytes) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)


def samples_of(data: bytes) -> array.array:
    with wave.open(io.BytesIO(data)) as audio:
        return array.array("h", audio.readframes(audio.getnframes()))


def rms(samples) -> float:
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if len(samples) else 0.0


@dataclass(frozen=True)
class Recorded:
    call_id: str
    ids: dict[str, str]     # kind -> recording id
    paths: dict[str, Path]


async def record_call(catalogued: Catalogued, call_id: str = "c1") -> Recorded:
    """The caller speaks 0.2-1.8 s (300 Hz), the agent 2.2-3.8 s (500 Hz); the mix holds both."""
    await catalogued.start_recording(call_id)
    caller, agent = voice(300, 0.2, 1.8), voice(500, 2.2, 3.8)
    mix = array.array("h", (a + b for a, b in zip(array.array("h", caller), array.array("h", agent)))).tobytes()
    paths = dict(zip(("mix", "caller", "agent"), (catalogued.monitor / name for name in catalogued.names(call_id))))
    for kind, frames in (("mix", mix), ("caller", caller), ("agent", agent)):
        write_wav(paths[kind], frames)
    await catalogued.answer(call_id)
    await catalogued.hang_up(call_id)
    await catalogued.events.drain()
    return Recorded(call_id, {kind: view.id for kind, view in (await catalogued.by_kind(call_id)).items()}, paths)


def profile_with(**recordings) -> PolicyProfile:
    """The LT profile with its ``[recordings]`` section changed."""
    profile = load_profile("lt-employment-1883")
    return profile.model_copy(update={"recordings": RecordingAccess(**{**profile.recordings.model_dump(),
                                                                       **recordings})})


def listening_app(db_engine, catalogued: Catalogued, listen_dir: Path, profile: PolicyProfile):
    sessions = ListenSessions(db_engine, catalogued.catalogue, listen_dir)
    catalogue = catalogued.catalogue
    app = create_app(WebDeps.create(db_engine, HotlineMetrics().registry), [
        functools.partial(recordings.register_routes, catalogue=catalogue),
        functools.partial(listening.register_routes, catalogue=catalogue, profile=profile),
        functools.partial(listen_sessions.register_routes, sessions=sessions, profile=profile),
        functools.partial(listen_link.register_routes, sessions=sessions, language=profile.language,
                          timezone=profile.tz),
    ])
    return app, sessions
