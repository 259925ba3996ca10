"""Benchmark: FastAGI turn latency and sessions/s of hotline's AGI server, 50 concurrent menu sessions over loopback.

    .venv/bin/python bench/agi_turns.py                       # ~20 s on 2 cores; rewrites its BENCHMARKS.md section
    .venv/bin/python bench/agi_turns.py --sessions 1000 --repeat 1 --no-write          # a quick look

The server is ``ivr_flows.AgiServer`` with one menu-like route (answer, play a greeting, GET DATA for the menu
choice, read the channel language, set the queue and the topic: 6 commands). A scripted client in its own process
(so it does not share the measured event loop) plays Asterisk: it keeps ``--concurrency`` sessions open at once,
sends real Asterisk 22 headers and answers each command at once with a canned reply.

What is measured is what the PBX waits for: a **turn** is the time from the client's last bytes written (the
headers, or the reply to the previous command) to the next command line received — the server's parsing, the
flow's code, the next command's formatting and both loops' scheduling. (The server-side time from sending a
command to reading its reply would measure the client, not us.) Sessions/s is sessions completed (connect to
the server's close) per second of the run. Target (issue 5): p99 turn ≤ 10 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import markers, write_section  # noqa: E402
from ivr_flows import AgiLimits, AgiServer, AgiSession  # noqa: E402

START, END = markers("agi_turns")
TARGET_P99_MS = 10.0
REPLIES = {  # command verb → the reply Asterisk would give
    "ANSWER": "200 result=0", "STREAM FILE": "200 result=0 endpos=16000", "GET DATA": "200 result=2",
    "GET VARIABLE": "200 result=1 (lt)", "SET VARIABLE": "200 result=1", "EXEC": "200 result=0",
}
COMMANDS_PER_SESSION = 6


async def menu(session: AgiSession) -> None:
    """The shape of the IVR menu flow: greeting, menu choice, queue and topic."""
    await session.answer()
    await session.stream_file("hotline/lt/greeting", "")
    choice = await session.get_data("hotline/lt/menu", 3000, 1)
    language = await session.get_variable("CHANNEL(language)")
    await session.set_variable("HOTLINE_QUEUE", {"1": "general_info", "2": "unemployment"}.get(choice, "general_info"))
    await session.set_variable("HOTLINE_TOPIC", f"menu-{choice}-{language}")


# --- the client (its own process) -------------------------------------------------------------------------------

def headers(port: int, n: int) -> bytes:
    fields = {
        "agi_network": "yes", "agi_network_script": "ivr", "agi_request": f"agi://127.0.0.1:{port}/ivr",
        "agi_channel": f"Local/1883@from-pstn-{n:08x};2", "agi_language": "lt", "agi_type": "Local",
        "agi_uniqueid": f"1700000000.{n}", "agi_version": "22.0.0", "agi_callerid": "37060000000",
        "agi_calleridname": "unknown", "agi_callingpres": "0", "agi_callingani2": "0", "agi_callington": "0",
        "agi_callingtns": "0", "agi_dnid": "unknown", "agi_rdnis": "unknown", "agi_context": "hotline-public",
        "agi_extension": "1883", "agi_priority": "3", "agi_enhanced": "0.0", "agi_accountcode": "",
        "agi_threadid": "140000000000000",
    }
    return "".join(f"{key}: {value}\n" for key, value in fields.items()).encode() + b"\n"


async def one_session(port: int, n: int, turns: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(headers(port, n))
    written = time.perf_counter()
    commands = 0
    while line := await reader.readline():
        turns.append(time.perf_counter() - written)
        verb = b" ".join(line.rstrip().split(b" ", 2)[:2]).decode()
        reply = REPLIES.get(verb) or REPLIES[verb.split(" ")[0]]
        writer.write(reply.encode() + b"\n")
        written = time.perf_counter()
        commands += 1
    writer.close()
    if commands != COMMANDS_PER_SESSION:
        raise RuntimeError(f"session {n}: {commands} commands, expected {COMMANDS_PER_SESSION}")


async def run_sessions(port: int, sessions: int, concurrency: int) -> tuple[list[float], float]:
    turns: list[float] = []
    numbers = iter(range(sessions))

    async def worker() -> None:
        for n in numbers:
            await one_session(port, n, turns)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return turns, time.perf_counter() - started


def client_main(args: argparse.Namespace) -> None:
    """``--client PORT``: run the sessions, print [[turn seconds…], run seconds] per run as JSON on stdout."""
    async def main() -> list[tuple[list[float], float]]:
        await run_sessions(args.client, args.warmup, args.concurrency)
        return [await run_sessions(args.client, args.sessions, args.concurrency) for _ in range(args.repeat)]

    json.dump(asyncio.run(main()), sys.stdout)


# --- the server side and the report -----------------------------------------------------------------------------

@dataclass
class Run:
    sessions: int
    seconds: float
    turns_ms: list[float]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.turns_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def rate(self) -> float:
        return self.sessions / self.seconds


async def measure(args: argparse.Namespace) -> list[Run]:
    server = AgiServer(AgiLimits())
    server.add_route("ivr", menu)
    await server.start("127.0.0.1", 0)
    try:
        client = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--client", str(server.port), "--sessions", str(args.sessions),
            "--concurrency", str(args.concurrency), "--warmup", str(args.warmup), "--repeat", str(args.repeat),
            stdout=asyncio.subprocess.PIPE,
        )
        output, _ = await client.communicate()
    finally:
        await server.stop()
    if client.returncode != 0:
        raise RuntimeError(f"the client process failed (exit code {client.returncode})")
    raw = json.loads(output)
    if server.stats.fallbacks:
        raise RuntimeError(f"fallbacks during the benchmark: {dict(server.stats.fallbacks)}")
    return [Run(args.sessions, seconds, [t * 1000 for t in turns]) for turns, seconds in raw]


def report(args: argparse.Namespace, runs: list[Run]) -> str:
    median = sorted(runs, key=lambda run: run.percentile(99))[len(runs) // 2]
    met = "met" if median.percentile(99) <= TARGET_P99_MS else "**not met**"
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START, "## FastAGI turns (ivr_flows.AgiServer)", "",
        f"Command: `.venv/bin/python bench/agi_turns.py` — {when}, {multiprocessing.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}.", "",
        f"{args.concurrency} concurrent FastAGI sessions over loopback from a scripted client in its own process "
        f"(Asterisk 22 headers, instant canned replies), each a menu-like flow of {COMMANDS_PER_SESSION} commands "
        "(ANSWER, STREAM FILE, GET DATA, GET VARIABLE, 2 × SET VARIABLE); "
        f"{args.warmup} warm-up sessions, then {args.repeat} runs of {args.sessions:,} sessions. A **turn** is the "
        "time from the client's reply (or headers) written to the next command received: what the PBX waits for "
        f"on us. **Target:** p99 turn ≤ {TARGET_P99_MS:g} ms.", "",
        "| run | sessions | turns | turn p50 | turn p99 | turn max | sessions/s | commands/s | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for number, run in enumerate(runs, 1):
        mark = met if run is median else ("met" if run.percentile(99) <= TARGET_P99_MS else "**not met**")
        lines.append(f"| {number}{' (median p99)' if run is median else ''} | {run.sessions:,} | "
                     f"{len(run.turns_ms):,} | {run.percentile(50):.2f} ms | {run.percentile(99):.2f} ms | "
                     f"{max(run.turns_ms):.2f} ms | {run.rate:,.0f} | {run.rate * COMMANDS_PER_SESSION:,.0f} | "
                     f"{mark} |")
    lines += ["", f"Median over runs: p50 {statistics.median(r.percentile(50) for r in runs):.2f} ms, "
                  f"p99 {statistics.median(r.percentile(99) for r in runs):.2f} ms, "
                  f"{statistics.median(r.rate for r in runs):,.0f} sessions/s.", END]
    return "\n".join(lines)


def write_report(section: str) -> None:
    write_section("agi_turns", section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5000, help="sessions per measured run")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print the section, leave BENCHMARKS.md alone")
    parser.add_argument("--client", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the client process
    args = parser.parse_args()
    if args.client:
        client_main(args)
        return 0
    section = report(args, asyncio.run(measure(args)))
    print(section)
    if not args.no_write:
        write_report(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
