"""The analysis of generated two-leg calls with speech at known times: talk per party, overlap, silence, the
caller's monologue flag (LT-2021 §12.21), dead air, holds, idempotence."""
from __future__ import annotations

import pytest

from core.analysis_policy import AnalysisPolicy
from recording.analysis import ANALYSER_VERSION, analyse_call
from recording.analysis.synthetic import place, write_wav
from tests.recording.analysis.calls import leg, monologue, phrase, phrase_seconds


@pytest.fixture
def conversation(tmp_path):
    """Caller at 1 s and 15 s, agent at 8 s and (talking over the caller) at 16 s; 28 s long."""
    caller, agent = phrase("caller"), phrase("agent")
    caller_path, caller_known = leg(tmp_path, "caller", [(1.0, caller), (15.0, caller)], 28.0)
    agent_path, agent_known = leg(tmp_path, "agent", [(8.0, agent), (16.0, agent)], 28.0)
    return caller_path, agent_path, caller_known, agent_known


@pytest.mark.parametrize("policy", [AnalysisPolicy(), AnalysisPolicy(frame_ms=10), AnalysisPolicy(aggressiveness=3),
                                    AnalysisPolicy(detector="silero")],
                         ids=["default", "10ms", "aggressiveness3", "silero"])
def test_talk_time_per_party_is_within_10_percent_of_the_known_speech(conversation, policy):
    caller_path, agent_path, caller_known, agent_known = conversation
    result = analyse_call(caller_path, agent_path, policy)
    assert result.caller_talk_seconds == pytest.approx(caller_known, rel=0.10)
    assert result.agent_talk_seconds == pytest.approx(agent_known, rel=0.10)
    assert result.talk_ratio == pytest.approx(agent_known / (agent_known + caller_known), abs=0.05)
    assert result.duration_seconds == 28.0


def test_overlap_and_silence_match_the_placed_speech(conversation):
    caller_path, agent_path, caller_known, agent_known = conversation
    result = analyse_call(caller_path, agent_path)
    # the caller's second phrase (15 s) and the agent's (16 s) overlap from 16 s to the caller's end
    known_overlap = 15.0 + phrase_seconds("caller") - 16.0
    assert result.overlap_seconds == pytest.approx(known_overlap, abs=0.5)
    known_silence = 28.0 - (caller_known + agent_known - known_overlap)
    assert result.silence_seconds == pytest.approx(known_silence, rel=0.10)
    assert result.dead_air == [] and result.holds == []


def test_a_three_and_a_half_minute_caller_monologue_is_flagged(tmp_path):
    caller, _ = leg(tmp_path, "caller", monologue("caller", 210.0), 215.0)
    agent, _ = leg(tmp_path, "agent", [], 215.0)
    result = analyse_call(caller, agent)
    assert result.long_monologue
    assert result.longest_caller_monologue_seconds > 200
    assert len(result.monologues) == 1


def test_a_two_minute_caller_monologue_is_not(tmp_path):
    caller, _ = leg(tmp_path, "caller", monologue("caller", 120.0), 125.0)
    agent, _ = leg(tmp_path, "agent", [], 125.0)
    result = analyse_call(caller, agent)
    assert not result.long_monologue
    assert 110 < result.longest_caller_monologue_seconds <= 120.5
    assert result.monologues == []


def test_the_agents_backchannels_do_not_end_a_monologue_but_a_turn_does(tmp_path):
    caller, _ = leg(tmp_path, "caller", monologue("caller", 210.0), 215.0)
    mhm = phrase("agent")[:5600]   # 0.7 s of the agent's phrase: a backchannel
    backchannels, _ = leg(tmp_path, "mhm", [(at, mhm) for at in (30.0, 90.0, 150.0)], 215.0)
    assert analyse_call(caller, backchannels).long_monologue
    turn, _ = leg(tmp_path, "turn", [(100.0, phrase("agent"))], 215.0)
    interrupted = analyse_call(caller, turn)
    assert not interrupted.long_monologue
    assert interrupted.longest_caller_monologue_seconds < 110


def test_dead_air_over_10_seconds_is_reported_and_shorter_pauses_are_not(tmp_path):
    caller_pcm = phrase("caller")
    length = len(caller_pcm) / 16000
    # caller talks at 1 s, then 8 s of silence (not dead air), talks again, then 14 s of silence before the agent
    second = 1.0 + length + 8.0
    caller, _ = leg(tmp_path, "caller", [(1.0, caller_pcm), (second, caller_pcm)], 60.0)
    agent_at = second + length + 14.0
    agent, _ = leg(tmp_path, "agent", [(agent_at, phrase("agent"))], agent_at + 5.0)
    result = analyse_call(caller, agent)
    assert len(result.dead_air) == 2   # the 14 s gap and the tail after the agent
    start, end = result.dead_air[0]
    assert start == pytest.approx(second + length, abs=0.3) and end == pytest.approx(agent_at, abs=0.1)
    assert result.holds == []


def test_silence_over_two_minutes_is_a_hold_and_music_on_the_agent_leg_too(tmp_path):
    caller_pcm, agent_pcm = phrase("caller"), phrase("agent")
    caller, _ = leg(tmp_path, "caller", [(1.0, caller_pcm), (140.0, caller_pcm)], 150.0)
    agent, _ = leg(tmp_path, "agent", [(6.0, agent_pcm)], 150.0)
    silent = analyse_call(caller, agent)
    assert len(silent.holds) == 1 and silent.holds[0][1] - silent.holds[0][0] > 120
    music = write_wav(tmp_path / "moh.wav", place([(6.0, agent_pcm), (12.0, _music(126.0))], 150.0))
    held = analyse_call(caller, music)
    assert len(held.holds) == 1 and held.music_seconds > 100
    assert held.agent_talk_seconds < 10   # the music is not the agent talking
    assert held.dead_air == []   # the caller heard music: not dead air


def _music(seconds: float) -> bytes:
    """A chord of steady tones, loud enough for the detector to call it voiced: music on hold's stand-in."""
    import array
    import math
    rate, notes = 8000, (262, 330, 392)
    return array.array("h", [int(6000 * sum(math.sin(2 * math.pi * note * n / rate) for note in notes) / 3)
                             for n in range(int(seconds * rate))]).tobytes()


def test_re_analysis_is_idempotent_and_keyed_by_the_files_the_version_and_the_policy(conversation):
    caller_path, agent_path, _, _ = conversation
    first, second = analyse_call(caller_path, agent_path), analyse_call(caller_path, agent_path)
    assert first == second and first.to_dict() == second.to_dict()
    assert first.version == ANALYSER_VERSION
    other = analyse_call(caller_path, agent_path, AnalysisPolicy(aggressiveness=3))
    assert other.key != first.key
    swapped = analyse_call(agent_path, caller_path)
    assert swapped.key != first.key and swapped.caller_sha256 == first.agent_sha256


def test_a_new_analyser_version_gives_a_new_key(conversation, monkeypatch):
    from recording.analysis import metrics
    caller_path, agent_path, _, _ = conversation
    before = analyse_call(caller_path, agent_path)
    monkeypatch.setattr(metrics, "ANALYSER_VERSION", metrics.ANALYSER_VERSION + 1)
    after = analyse_call(caller_path, agent_path)
    assert after.key != before.key and after.version == before.version + 1


def test_auto_takes_silero_for_a_noisy_leg_where_webrtcvad_hears_speech_everywhere(tmp_path):
    import array
    import random
    from recording.analysis.synthetic import labels, mix_noise, speech_rms
    rng = random.Random(13)
    hiss = array.array("h", [int(rng.gauss(0, 3000)) for _ in range(8000 * 10)]).tobytes()
    clean = place([(1.0, phrase("caller")), (15.0, phrase("caller"))], 28.0)
    truth = labels(clean)
    known = sum(end - start for start, end in truth)
    noisy = write_wav(tmp_path / "noisy.wav", mix_noise(clean, hiss, 5.0, speech_rms(clean, truth)))
    agent, _ = leg(tmp_path, "agent", [(8.0, phrase("agent"))], 28.0)
    auto = analyse_call(noisy, agent, AnalysisPolicy(detector="auto"))
    assert (auto.caller_detector, auto.agent_detector) == ("silero", "webrtcvad")
    assert auto.caller_snr_db < 20 < auto.agent_snr_db
    assert auto.caller_talk_seconds == pytest.approx(known, rel=0.15)
    webrtc = analyse_call(noisy, agent)
    assert webrtc.caller_detector == "webrtcvad" and webrtc.caller_talk_seconds > 2 * known
