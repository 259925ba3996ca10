"""The analysis of one call from its two legs (caller, agent): who talked how long, silence, overlap, the caller's
longest monologue (LT-2021 §12.21), dead air and holds. Pure: speech intervals in, a result value out."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from core.analysis_policy import AnalysisPolicy
from recording.analysis import intervals as iv
from recording.analysis.intervals import Intervals

# bump on any change that can change a result for the same audio and policy: stored results keyed by an older
# version are re-analysed, those of this version are reused (re-analysis is idempotent)
ANALYSER_VERSION = 1


@dataclass(frozen=True)
class CallAnalysis:
    version: int
    key: str                           # analysis_key(): what the result is a function of
    caller_sha256: str
    agent_sha256: str
    detector: str                      # the profile's choice
    caller_detector: str               # what each leg got ("auto" picks per leg)
    agent_detector: str
    caller_snr_db: float | None        # estimated (audio.snr_db); a noisy leg's figures are less certain
    agent_snr_db: float | None
    duration_seconds: float
    caller_talk_seconds: float
    agent_talk_seconds: float
    overlap_seconds: float             # both talking at once
    silence_seconds: float             # neither talking (music on hold included)
    music_seconds: float               # the agent leg's unbroken sound taken for music on hold
    talk_ratio: float | None           # the agent's share of the talk, agent / (agent + caller); None: nobody spoke
    longest_caller_monologue_seconds: float
    long_monologue: bool               # over monologue_flag_seconds: a reviewer looks at it
    monologues: list[tuple[float, float]]   # the caller's monologues over the threshold
    dead_air: list[tuple[float, float]]     # nobody speaking, no music, over dead_air_seconds
    holds: list[tuple[float, float]]        # caller silent, agent leg silent or music, over hold_seconds
    caller_speech: list[tuple[float, float]]
    agent_speech: list[tuple[float, float]]
    music: list[tuple[float, float]]

    def to_dict(self) -> dict:
        """JSON-ready (intervals as [start, end] lists), as the recordings API serves it."""
        return json.loads(json.dumps(asdict(self)))


def analysis_key(caller_sha256: str, agent_sha256: str, policy: AnalysisPolicy) -> str:
    """Same files, same analyser version, same analysis policy: same key, same result."""
    recipe = json.dumps([ANALYSER_VERSION, caller_sha256, agent_sha256, policy.model_dump()], sort_keys=True)
    return hashlib.sha256(recipe.encode()).hexdigest()


def monologues(caller: Intervals, agent: Intervals, duration: float, policy: AnalysisPolicy) -> Intervals:
    """The caller's stretches of talk: speech joined over pauses up to ``monologue_pause_seconds``, ended by an
    agent turn longer than a backchannel (``backchannel_seconds``: "taip", "mhm" do not interrupt)."""
    turns = [(start, end) for start, end in agent if end - start > policy.backchannel_seconds]
    stretches = iv.subtract(iv.bridge(caller, policy.monologue_pause_seconds), turns, duration)
    out: Intervals = []
    for start, end in stretches:   # from the first to the last caller speech inside the stretch
        inside = iv.intersect(caller, [(start, end)])
        if inside:
            out.append((inside[0][0], inside[-1][1]))
    return out


def analyse_intervals(caller: Intervals, agent_raw: Intervals, duration: float, policy: AnalysisPolicy, *,
                      key: str = "", legs: tuple[tuple[str, str, float | None], ...] = ()) -> CallAnalysis:
    """``legs``: (sha256, detector, estimated SNR) of the caller's and the agent's leg, where known."""
    (caller_sha, caller_detector, caller_snr), (agent_sha, agent_detector, agent_snr) = legs or (
        ("", policy.detector, None), ("", policy.detector, None))
    music = [(start, end) for start, end in agent_raw if end - start >= policy.music_run_seconds]
    agent = [run for run in agent_raw if run not in music]
    talking = iv.union(caller, agent)
    talks = monologues(caller, agent, duration, policy)
    longest = max((end - start for start, end in talks), default=0.0)
    caller_turns = [(start, end) for start, end in caller if end - start > policy.backchannel_seconds]
    caller_talk, agent_talk = iv.total(caller), iv.total(agent)
    return CallAnalysis(
        version=ANALYSER_VERSION, key=key, caller_sha256=caller_sha, agent_sha256=agent_sha, detector=policy.detector,
        caller_detector=caller_detector, agent_detector=agent_detector, caller_snr_db=caller_snr,
        agent_snr_db=agent_snr,
        duration_seconds=_r(duration), caller_talk_seconds=_r(caller_talk), agent_talk_seconds=_r(agent_talk),
        overlap_seconds=_r(iv.total(iv.intersect(caller, agent))),
        silence_seconds=_r(duration - iv.total(talking)), music_seconds=_r(iv.total(music)),
        talk_ratio=_r(agent_talk / (agent_talk + caller_talk)) if caller_talk + agent_talk else None,
        longest_caller_monologue_seconds=_r(longest), long_monologue=longest > policy.monologue_flag_seconds,
        monologues=iv.longer_than(talks, policy.monologue_flag_seconds),
        dead_air=iv.longer_than(iv.gaps(iv.union(talking, music), duration), policy.dead_air_seconds),
        holds=iv.longer_than(iv.gaps(iv.union(caller_turns, agent), duration), policy.hold_seconds),
        caller_speech=caller, agent_speech=agent, music=music)


def _r(seconds: float) -> float:
    return round(seconds, 3)
