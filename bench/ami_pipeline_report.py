"""Results of ``bench/ami_pipeline.py`` and their section of ``BENCHMARKS.md`` (figures vs. the issue's targets)."""
from __future__ import annotations

import datetime as dt
import importlib.metadata
import math
import os
import platform
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import markers, write_section

ROOT = Path(__file__).resolve().parent.parent
START, END = markers("ami_pipeline")
TARGET_RATIO = 0.5
FLAT_LIMIT = 0.10  # "flat": RSS at the end within 10 % of RSS after the first 100 k events (warm-up)
SAMPLE_EVERY = 100_000


@dataclass
class Run:
    name: str
    events: int = 0
    seconds: float = math.nan
    rows: int | None = None           # rows in `calls` after the run (pipeline only)
    rss_mb: list[float] = field(default_factory=list)  # before, every SAMPLE_EVERY events, after
    leftovers: tuple[int, int] | None = None  # tracker.calls, tracker.channel_linkedid at the end
    sample_at: list[float] = field(default_factory=list)  # perf_counter at each sample
    read_pauses: int = 0              # times the AMI reader paused because the subscribers lagged behind
    error: str | None = None

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else math.nan


def describe(run: Run) -> str:
    if run.error:
        return f"FAILED ({run.error})"
    text = f"{run.events:,} events in {run.seconds:.2f} s = {run.rate:,.0f} events/s"
    if run.rows is not None:
        text += f", {run.rows:,} calls stored, AMI reader paused {run.read_pauses}×"
    if len(run.sample_at) > 1:  # the pace along the run: a slowing pipeline shows up here first
        pace = [SAMPLE_EVERY / (b - a) / 1000 for a, b in zip(run.sample_at, run.sample_at[1:])]
        text += f", k events/s per {SAMPLE_EVERY // 1000} k: {' '.join(f'{p:.0f}' for p in pace)}"
    return text


def median_run(runs: list[Run]) -> Run:
    good = sorted((r for r in runs if not r.error), key=lambda r: r.rate)
    return good[len(good) // 2] if good else runs[0]


def flatness(run: Run) -> tuple[float, float, bool]:
    """(RSS after warm-up, growth from there to the end in %, flat?) of a memory run."""
    warm = run.rss_mb[1] if len(run.rss_mb) > 2 else run.rss_mb[0]
    growth = (run.rss_mb[-1] - warm) / warm
    return warm, growth * 100, growth <= FLAT_LIMIT and run.leftovers == (0, 0)


def report(args, rates: dict[str, list[Run]], memory: list[Run]) -> str:
    bare = median_run(rates["bare"])
    lines = [START, "## AMI pipeline vs. bare panoramisk", "",
             f"Command: `.venv/bin/python bench/ami_pipeline.py{''.join(' ' + a for a in sys.argv[1:])}` — "
             f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} cores ({cpu_model()}), "
             f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
             f"panoramisk {version('panoramisk')}, SQLAlchemy {version('sqlalchemy')}, PostgreSQL on loopback.", "",
             f"Stream: `bench/data/ami_stream.txt`, {args.per_rep:,} real AMI events recorded from the sandbox "
             f"Asterisk 22 ({args.calls_per_rep} concurrent calls: queue calls answered and rung out, a direct "
             f"line), replayed over loopback by `bench/ami_replay.py` in its own process, {args.reps} repetitions "
             f"with distinct channel ids + an end marker. **Peer:** bare panoramisk (`Manager` + "
             f"`register_event('*', counter)`) on the same stream and count, in the same run. Each rate is the "
             f"median of {args.repeat} runs taken in turn (bare, SQLite, PostgreSQL, bare, …), from the first "
             f"event to the end marker processed — for the pipeline: handled, bus drained, rows committed. "
             f"**Target:** the pipeline keeps ≥ {TARGET_RATIO * 100:.0f} % of bare panoramisk's events/s.", "",
             "| run | events | events/s (median) | min – max | vs. bare panoramisk | target | calls stored |",
             "|---|---:|---:|---:|---:|---|---:|"]
    expected = (args.events - 1) // args.per_rep * args.calls_per_rep
    for key, runs in rates.items():
        run = median_run(runs)
        if run.error:
            lines.append(f"| {run.name} | | | | | not measured: {run.error} | |")
            continue
        ratio = run.rate / bare.rate
        spread = " – ".join(f"{r:,.0f}" for r in (min(x.rate for x in runs), max(x.rate for x in runs)))
        verdict = "peer" if key == "bare" else "met" if ratio >= TARGET_RATIO else "**missed**"
        stored = "—" if run.rows is None else f"{run.rows:,}" + ("" if run.rows == expected else " (WRONG)")
        lines.append(f"| {run.name} | {run.events:,} | {run.rate:,.0f} | {spread} | {ratio * 100:.0f} % | "
                     f"{verdict} | {stored} |")
    lines.append(f"\nExpected calls stored: {args.calls_per_rep} per repetition × {args.reps} = {expected:,}.")
    if memory:
        lines += ["", f"**Memory** over {memory[0].events:,} events through the pipeline (VmRSS sampled every "
                  f"{SAMPLE_EVERY:,} events). **Target:** flat — RSS at the end within {FLAT_LIMIT * 100:.0f} % of "
                  f"RSS after the first {SAMPLE_EVERY:,} events (warm-up), and no call or channel left in the "
                  f"tracker (`tracker.calls` / `tracker.channel_linkedid`).", "",
                  "| run | events/s | RSS start | after warm-up | peak | end | growth after warm-up | "
                  "calls / channels left | flat? |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for run in memory:
            if run.error:
                lines.append(f"| {run.name} | not measured: {run.error} | | | | | | | |")
                continue
            warm, growth, flat = flatness(run)
            lines.append(f"| {run.name} | {run.rate:,.0f} | {run.rss_mb[0]:.0f} MB | {warm:.0f} MB | "
                         f"{max(run.rss_mb):.0f} MB | {run.rss_mb[-1]:.0f} MB | {growth:+.1f} % | "
                         f"{run.leftovers[0]} / {run.leftovers[1]} | {'yes' if flat else '**no**'} |")
        lines += [""] + [f"RSS samples, {run.name} (MB): {' · '.join(f'{m:.0f}' for m in run.rss_mb)}"
                         for run in memory if not run.error]
    return "\n".join(lines + [END])


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
        return re.search(r"model name\s*:\s*(.+)", text).group(1).strip()
    except (OSError, AttributeError):
        return "unknown CPU"




def write_report(section: str) -> None:
    write_section("ami_pipeline", section)
