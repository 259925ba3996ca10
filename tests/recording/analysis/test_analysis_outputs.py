"""The analysis's other faces: the process pool awaited from asyncio, the two-lane timeline PNG, the profile's
``[analysis]`` section, other sample rates, the Silero detector."""
from __future__ import annotations

import struct
import zlib

import pytest

from core.analysis_policy import AnalysisPolicy
from core.policy import ProfileError, load_profile
from recording.analysis import Analyser, analyse_call, analyse_job, timeline_png
from recording.analysis import timeline as tl
from recording.analysis.synthetic import write_wav
from tests.recording.analysis.calls import leg, phrase


@pytest.fixture
def call(tmp_path):
    caller, _ = leg(tmp_path, "caller", [(1.0, phrase("caller"))], 12.0)
    agent, _ = leg(tmp_path, "agent", [(7.0, phrase("agent"))], 12.0)
    return caller, agent


async def test_the_process_pool_analyses_from_asyncio_as_in_process(call):
    async with Analyser(workers=2) as analyser:
        results = [await analyser.analyse(*call), await analyser.analyse(*call)]
    assert results[0] == results[1] == analyse_call(*call)
    assert analyse_job(str(call[0]), str(call[1]), AnalysisPolicy().model_dump()) == results[0].to_dict()


def test_the_pool_has_one_worker_per_cpu_unless_told():
    import os
    assert Analyser().workers == os.cpu_count()
    assert Analyser(workers=0).workers == os.cpu_count()
    assert Analyser(workers=3).workers == 3


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert (depth, colour) == (8, 2)
    at, data = 8, b""
    while at < len(png):   # every chunk's CRC must hold
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        body = png[at + 8:at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + body)
        data += body if kind == b"IDAT" else b""
        at += 12 + length
    raw, stride = zlib.decompress(data), 1 + 3 * width
    return width, height, [raw[row * stride + 1:(row + 1) * stride] for row in range(height)]


def _at(rows: list[bytes], row: int, x: int) -> tuple[int, ...]:
    return tuple(rows[row][3 * x:3 * x + 3])


def test_the_timeline_is_a_valid_png_with_a_lane_per_party(call):
    result = analyse_call(*call)
    width, height, rows = _pixels(timeline_png(result))
    assert (width, height) == (tl.WIDTH, tl.HEIGHT)
    caller_row, agent_row = sum(tl.CALLER_LANE) // 2, sum(tl.AGENT_LANE) // 2
    caller_talks, agent_talks = tl.column(2.0, 12.0), tl.column(8.0, 12.0)
    assert _at(rows, caller_row, caller_talks) == tl.CALLER and _at(rows, agent_row, caller_talks) == tl.LANE
    assert _at(rows, agent_row, agent_talks) == tl.AGENT and _at(rows, caller_row, agent_talks) == tl.LANE
    quiet = tl.column(11.5, 12.0)
    assert _at(rows, caller_row, quiet) == _at(rows, agent_row, quiet) == tl.LANE


def test_the_timeline_marks_a_flagged_monologue_and_dead_air():
    from recording.analysis import analyse_intervals
    result = analyse_intervals([(0.0, 200.0)], [(230.0, 240.0)], 240.0, AnalysisPolicy())
    _, _, rows = _pixels(timeline_png(result))
    assert _at(rows, 2, tl.column(100.0, 240.0)) == tl.MONOLOGUE
    assert _at(rows, sum(tl.MARK_BAND) // 2, tl.column(215.0, 240.0)) == tl.DEAD_AIR
    assert _at(rows, 2, tl.column(235.0, 240.0)) == tl.BACKGROUND


def test_a_16_khz_stereo_leg_is_resampled_to_the_same_result(tmp_path, call):
    import wave
    with wave.open(str(call[0]), "rb") as source:
        mono8 = source.readframes(source.getnframes())
    import audioop
    mono16, _ = audioop.ratecv(mono8, 2, 1, 8000, 16000, None)
    stereo = audioop.tostereo(mono16, 2, 1, 1)
    path = tmp_path / "caller16.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(stereo)
    original, resampled = analyse_call(*call), analyse_call(path, call[1])
    assert resampled.caller_talk_seconds == pytest.approx(original.caller_talk_seconds, abs=0.1)
    assert resampled.duration_seconds == pytest.approx(12.0, abs=0.01)


def test_the_silero_detector_finds_the_same_speech(call):
    webrtc = analyse_call(*call)
    silero = analyse_call(*call, AnalysisPolicy(detector="silero"))
    assert silero.detector == "silero" and silero.key != webrtc.key
    assert silero.caller_talk_seconds == pytest.approx(webrtc.caller_talk_seconds, rel=0.15)
    assert silero.agent_talk_seconds == pytest.approx(webrtc.agent_talk_seconds, rel=0.15)


def test_an_unreadable_leg_is_a_clear_error(tmp_path, call):
    from recording.analysis import AudioError
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav")
    with pytest.raises(AudioError, match="bad.wav"):
        analyse_call(bad, call[1])


def test_the_shipped_profiles_carry_the_analysis_section():
    for name in ("lt-employment-1883", "lv-social-insurance"):
        analysis = load_profile(name).analysis
        assert (analysis.detector, analysis.monologue_flag_seconds, analysis.dead_air_seconds,
                analysis.hold_seconds) == ("webrtcvad", 180.0, 10.0, 120.0)


@pytest.mark.parametrize(("line", "reason"), [
    ("aggressiveness = 4", "analysis.aggressiveness"),
    ("frame_ms = 25", "not one of 10, 20, 30"),
    ('detector = "pyannote"', "analysis.detector"),
])
def test_a_bad_analysis_section_stops_the_profile_naming_the_field(tmp_path, line, reason):
    from core.policy import PROFILE_DIR
    text = (PROFILE_DIR / "lt-employment-1883.toml").read_text(encoding="utf-8")
    key = line.split(" = ")[0]
    lines = [f"{line}" if row.startswith(f"{key} = ") and "[analysis]" in text[:text.index(row)] else row
             for row in text.splitlines()]
    path = tmp_path / "bad.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ProfileError, match=reason):
        load_profile(path)


def test_silence_only_legs_give_no_talk_ratio(tmp_path):
    silent = write_wav(tmp_path / "silent.wav", bytes(16000 * 3))
    result = analyse_call(silent, silent)
    assert result.talk_ratio is None and result.caller_speech == [] and result.silence_seconds == 3.0


def test_silero_starts_each_leg_afresh_so_the_order_of_legs_does_not_matter(call):
    policy = AnalysisPolicy(detector="silero")
    once = analyse_call(*call, policy)
    analyse_call(call[1], call[0], policy)   # the process's model has heard other audio since
    assert analyse_call(*call, policy) == once


async def test_warming_starts_every_worker_process_before_the_first_job():
    # the service starts them with itself (HOTLINE_ANALYSIS_WARM_START), so the first calls' analyses do not wait
    import os
    async with Analyser(workers=2) as analyser:
        await analyser.warm()
        processes = list(analyser._executor()._processes.values())
        assert len(processes) == 2 and all(p.is_alive() and p.pid != os.getpid() for p in processes)
