"""From two leg files to a ``CallAnalysis``: the job a worker process runs. Plain top-level functions taking and
returning picklable values, so a process pool (``Analyser``) or a persistent queue can call them alike."""
from __future__ import annotations

import os
from pathlib import Path

from core.analysis_policy import AnalysisPolicy
from recording.analysis.audio import read_leg, snr_db
from recording.analysis.detectors import chosen, detect
from recording.analysis.metrics import CallAnalysis, analyse_intervals, analysis_key
from recording.analysis.timeline import timeline_png


def analyse_call(caller_path: str | Path, agent_path: str | Path,
                 policy: AnalysisPolicy | None = None, start: float = 0.0) -> CallAnalysis:
    """The legs from ``start`` seconds on: the conversation, from the agent's answer (before it the agent's leg
    holds the IVR's prompts and the queue's music, which are nobody's talk)."""
    policy = policy or AnalysisPolicy()
    caller, agent = read_leg(caller_path).after(start), read_leg(agent_path).after(start)
    # MixMonitor's legs of one call start together; a shorter one ended early (silence after it)
    duration = max(caller.seconds, agent.seconds)
    snrs = snr_db(caller.pcm), snr_db(agent.pcm)
    detectors = chosen(policy, snrs[0]), chosen(policy, snrs[1])
    return analyse_intervals(detect(caller.pcm, policy, detectors[0]), detect(agent.pcm, policy, detectors[1]),
                             duration, policy, key=analysis_key(caller.sha256, agent.sha256, policy),
                             legs=((caller.sha256, detectors[0], snrs[0]), (agent.sha256, detectors[1], snrs[1])))


def analyse_job(caller_path: str, agent_path: str, policy: dict) -> dict:
    """The queue's job: paths and the profile's ``analysis`` section as a dict in, the JSON-ready result out."""
    return analyse_call(caller_path, agent_path, AnalysisPolicy.model_validate(policy)).to_dict()


def analyse_and_draw(caller_path: str, agent_path: str, policy: AnalysisPolicy,
                     start: float = 0.0) -> tuple[dict, bytes]:
    """The durable queue's job: the JSON-ready result and its timeline PNG, both made in the worker process (the
    drawing is CPU work too)."""
    result = analyse_call(caller_path, agent_path, policy, start)
    return result.to_dict(), timeline_png(result)


def warm_up() -> int:
    """Nothing but this module's imports (the decoder, the detectors, the drawing): run once per worker process at
    the service's start, so the first call's analysis does not pay for them; the worker's pid."""
    return os.getpid()
