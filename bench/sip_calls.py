"""Benchmark: N concurrent real SIP calls through the IVR, a queue and recording, agents answering, with the
service running as ``hotline run`` (every subscriber wired, SQLite as ``make run`` has it).

    .venv/bin/python bench/sip_calls.py                     # N = 10, 30, 50: about 4 minutes; rewrites its section
    .venv/bin/python bench/sip_calls.py --calls 10 --no-write                                   # a quick look

Each round (``bench/sip_rig.py``): a fresh sandbox Asterisk rendered for real phones; N employees with SIP
accounts (``hotline phones provision``); ``hotline run``; one sipp registering the N agents (digest auth) and
answering their calls with speech; then N callers at once from a second sipp through the trunk: each speaks
through greeting and consent, presses 1 (RFC 4733) in the menu, is queued, recorded, answered, and hangs up.
Measured over the calls: hotline's and Asterisk's CPU seconds per call (``/proc``, all threads), the AMI event →
stored lag (``hotline_call_store_lag_seconds``, p99 from its buckets), and the calls the PBX's own queue_log
has that hotline did not store. Targets (issue 10): hotline ≤ ¼ of Asterisk's CPU per call, lag p99 ≤ 100 ms,
0 calls missing.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import markers, write_section  # noqa: E402
from bench.sip_rig import Rig, children_cpu_seconds, cpu_seconds  # noqa: E402
from core.policy import load_profile  # noqa: E402
from ivr_flows import cache_name  # noqa: E402

NAME = "sip_calls"
TALK_SECONDS = 30.0          # from the key press: the pre-verification prompt, the queue, the ring (1 s), the talk
LAG_TARGET, CPU_SHARE_TARGET = 0.100, 0.25


def prompt_seconds(rig: Rig, key: str) -> float:
    profile = load_profile(rig.settings.profile)
    sound = rig.paths.host(rig.paths.prompts) / f"{cache_name(profile.language, getattr(profile.prompts, key))}.sln"
    return sound.stat().st_size / 16000


def p99_from_histogram(metrics: str, name: str) -> tuple[float, int]:
    """The smallest bucket bound holding 99 % of the observations, and their count."""
    buckets = []
    for line in metrics.splitlines():
        if line.startswith(f"{name}_bucket"):
            bound = line.split('le="')[1].split('"')[0]
            buckets.append((float("inf") if bound == "+Inf" else float(bound), float(line.split()[-1])))
    count = buckets[-1][1] if buckets else 0
    bound = next((b for b, cumulative in buckets if cumulative >= 0.99 * count), float("inf"))
    return bound, int(count)


def queue_log_calls(rig: Rig) -> set[str]:
    lines = rig.paths.host(rig.paths.log / "queue_log").read_text().splitlines()
    return {line.split("|")[1] for line in lines if "|ENTERQUEUE|" in line}


def analyses_ended(rig: Rig) -> int:
    with sqlite3.connect(rig.work / "hotline.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM recording_analyses WHERE state IN ('done', 'skipped', 'failed')"
                          ).fetchone()[0]


def stored_calls(rig: Rig) -> tuple[set[str], int]:
    with sqlite3.connect(rig.work / "hotline.sqlite3") as db:
        ids = {row[0] for row in db.execute("SELECT id FROM calls")}
        answered = db.execute("SELECT COUNT(DISTINCT call_id) FROM call_states WHERE state = 'answered'").fetchone()
    return ids, answered[0]


async def measure(calls: int) -> dict:
    rig = Rig(calls)
    try:
        await rig.start_pbx()
        passwords = rig.provision()
        await rig.start_service()
        await rig.register_agents(passwords)
        menu = prompt_seconds(rig, "greeting") + prompt_seconds(rig, "consent") + 1.0
        hotline_pid, asterisk_pid = rig.service.pid, rig.asterisk_pid()
        await asyncio.sleep(2.0)     # the analysis processes the service starts with itself
        cpu_hotline, cpu_asterisk, started = cpu_seconds(hotline_pid), cpu_seconds(asterisk_pid), time.monotonic()
        cpu_pool = children_cpu_seconds(hotline_pid)
        totals = await rig.place_calls(menu, TALK_SECONDS)
        deadline = time.monotonic() + 30
        while 'hotline_calls_active 0.0' not in rig.metrics() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)     # the call store's last batch
        deadline = time.monotonic() + 60   # and every call's analysis, in the service's worker processes
        while analyses_ended(rig) < calls and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        wall = time.monotonic() - started
        cpu_hotline = cpu_seconds(hotline_pid) - cpu_hotline
        cpu_analysis = sum(cpu - cpu_pool.get(pid, 0.0) for pid, cpu in children_cpu_seconds(hotline_pid).items())
        cpu_asterisk = cpu_seconds(asterisk_pid) - cpu_asterisk
        lag_p99, lag_count = p99_from_histogram(rig.metrics(), "hotline_call_store_lag_seconds")
        queued, (stored, answered) = queue_log_calls(rig), stored_calls(rig)
        recordings = len(list(rig.paths.recordings_dir.glob("*.wav")))
        return {"calls": calls, "successful": totals["successful"], "failed": totals["failed"],
                "answered": answered, "queued": len(queued), "missing": len(queued - stored),
                "recordings": recordings, "analysed": analyses_ended(rig),
                "hotline_cpu": (cpu_hotline + cpu_analysis) / calls, "analysis_cpu": cpu_analysis / calls,
                "asterisk_cpu": cpu_asterisk / calls,
                "lag_p99": lag_p99, "lag_samples": lag_count, "wall": wall, "menu": menu}
    finally:
        await rig.close()


def report(rows: list[dict], command: str) -> str:
    start, end = markers(NAME)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [start, "## Real SIP calls through the IVR, a queue and recording", "",
             f"Command: `{command}` — {when}, {os.cpu_count()} cores ({platform.processor() or platform.machine()}),"
             f" Python {platform.python_version()}, Asterisk from the sandbox root, sipp and baresip from Debian.", "",
             "Each row: N callers at once from sipp through the trunk (speech, key 1 as RFC 4733 in the menu, "
             f"{TALK_SECONDS:g} s from the key to the hang-up), N agents registered by a second sipp (digest auth) "
             "answering after 1 s with speech; the service as `hotline run` runs it (SQLite). CPU is each "
             "process's user + system time over the calls, divided by N; hotline's is its own process and its "
             "analysis worker processes (every call's two legs analysed before the clock stops; the workers "
             "start with the service, before the calls). **Peer:** Asterisk in the same run. "
             "**Targets:** hotline ≤ ¼ of Asterisk's CPU per call; AMI event → stored lag p99 ≤ 100 ms (from the "
             "`hotline_call_store_lag_seconds` buckets); 0 calls in the PBX's queue_log missing in hotline's "
             "store.", "",
             "| N | calls completed (sipp) | answered (stored) | in queue_log | missing | recordings | analysed | "
             "hotline CPU s/call | of which analysis | Asterisk CPU s/call | hotline / Asterisk | lag p99 | wall |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        share = row["hotline_cpu"] / row["asterisk_cpu"] if row["asterisk_cpu"] else float("inf")
        lag = "≤ {:.0f} ms".format(row["lag_p99"] * 1000) if row["lag_p99"] != float("inf") else "> 10 s"
        lines.append(f"| {row['calls']} | {row['successful']} / {row['calls']} | {row['answered']} | "
                     f"{row['queued']} | {row['missing']} | {row['recordings']} | {row['analysed']} | "
                     f"{row['hotline_cpu']:.3f} | {row['analysis_cpu']:.3f} | {row['asterisk_cpu']:.3f} | "
                     f"{share:.0%} | {lag} ({row['lag_samples']} states) | "
                     f"{row['wall']:.0f} s |")
    lines += ["", *verdicts(rows), end]
    return "\n".join(lines)


def verdicts(rows: list[dict]) -> list[str]:
    """Each target, met or not, and the per-call CPU without each process's fixed cost (the slope between the
    smallest and the largest N: what one more call costs)."""
    cpu = all(r["hotline_cpu"] <= CPU_SHARE_TARGET * r["asterisk_cpu"] for r in rows)
    lag = all(r["lag_p99"] <= LAG_TARGET for r in rows)
    lost = all(r["missing"] == 0 and r["successful"] == r["calls"] == r["answered"] == r["analysed"] for r in rows)
    out = [f"- hotline ≤ ¼ of Asterisk's CPU per call: {'met' if cpu else 'NOT met'} in every row.",
           f"- lag p99 ≤ 100 ms: {'met' if lag else 'NOT met'}; every call completed, answered, stored and analysed, 0 "
           f"missing against queue_log: {'met' if lost else 'NOT met'}."]
    small, large = min(rows, key=lambda r: r["calls"]), max(rows, key=lambda r: r["calls"])
    if large["calls"] > small["calls"]:
        span = large["calls"] - small["calls"]
        slope = {key: (large[key] * large["calls"] - small[key] * small["calls"]) / span
                 for key in ("hotline_cpu", "asterisk_cpu")}
        out.append(f"- One more call (slope from N = {small['calls']} to {large['calls']}): hotline "
                   f"{slope['hotline_cpu']:.3f} s, Asterisk {slope['asterisk_cpu']:.3f} s "
                   f"({slope['hotline_cpu'] / slope['asterisk_cpu']:.0%}).")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, nargs="+", default=[10, 30, 50])
    parser.add_argument("--no-write", action="store_true", help="print the section, leave BENCHMARKS.md alone")
    args = parser.parse_args()
    rows = []
    for calls in args.calls:
        rows.append(asyncio.run(measure(calls)))
        print(rows[-1], flush=True)
    command = "python bench/sip_calls.py" + ("" if args.calls == [10, 30, 50] else
                                             " --calls " + " ".join(map(str, args.calls)))
    section = report(rows, command)
    print(section)
    if not args.no_write:
        write_section(NAME, section)


if __name__ == "__main__":
    main()
