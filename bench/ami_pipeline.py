"""Benchmark: AMI events/s through the whole service, as ``hotline run`` wires it, vs. bare panoramisk, on one
replayed stream of recorded real traffic, in one run.

    .venv/bin/python bench/ami_pipeline.py                  # a few minutes on 2 cores; rewrites BENCHMARKS.md
    .venv/bin/python bench/ami_pipeline.py --events 50000 --repeat 1 --memory-events 0 --no-write   # a quick look

A loopback replay server (``bench/ami_replay.py``, in its own process so it does not share the measured event
loop) streams the recorded sandbox traffic (``bench/data/ami_stream.txt``: abandons, ring-outs, answers, direct
lines) N times, each repetition with its own channel ids and callers, then a ``UserEvent: BenchEnd`` marker. The
same stream and count go, in turn, to
- bare panoramisk: ``Manager`` + ``register_event('*', counter)`` — parsing and dispatch only: the peer;
- the whole service (``bench/whole_service.py``: ``hotline.service.build_service`` and ``start()``, so every part
  and bus subscriber — call model and store, ring meter, agents and ring-out enforcement, callback detection and
  the dialer, messages, IVR server, push with WebSocket clients connected, metrics, web server), on SQLite (temp
  file) and on PostgreSQL (a fresh ``hotline_bench_<pid>`` database, dropped afterwards).
A rate is events / seconds from the first event delivered to everything the events caused committed: the end
marker seen after every AMI handler, then ``service.settle()`` (every bus subscriber served, every batch written).
What was committed (calls, states, rings, callback tasks and their history, skips) is checked against a one-
repetition calibration run × repetitions. Then one longer run per database samples RSS every 100 k events.
Targets (issue 11): the service keeps ≥ 50 % of bare panoramisk's events/s on both databases; memory flat over
1 M events. ``bench/ami_pipeline_report.py`` turns the figures into the BENCHMARKS.md section.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import math
import multiprocessing
import os
import re
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from panoramisk import Manager  # noqa: E402
from panoramisk.message import Message  # noqa: E402

from bench.ami_pipeline_report import SAMPLE_EVERY, Run, describe, report, write_report  # noqa: E402
from bench.ami_replay import START_ACTION, load_template, repetition, serve_forever  # noqa: E402
from bench.report import REPORT  # noqa: E402
from bench.screen_pop import run_clients  # noqa: E402
from bench.whole_service import Committed, bench_settings, client_tokens, committed, running_service  # noqa: E402
from core.events import CallOffered  # noqa: E402
from telephony.calls.setup import INBOUND_CONTEXTS  # noqa: E402
from telephony.calls.tracker import CallTracker  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
STREAM = ROOT / "bench" / "data" / "ami_stream.txt"


def rss_mb() -> float:
    with open("/proc/self/status") as status:  # tiny procfs read, once per 100 k events
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


def calls_per_repetition(template: bytes) -> int:
    """Hotline calls in one repetition of the stream, found by running the call tracker over it offline."""
    tracker = CallTracker(INBOUND_CONTEXTS)
    text = repetition(template, 0).decode()
    offered = sum(isinstance(e, CallOffered) for part in text.split("\r\n\r\n") if part.strip()
                  for e in tracker.handle(Message.from_line(part.strip())))
    assert not tracker.calls, "the recorded stream must end with every call hung up"
    return offered


def start_replay(total: int) -> tuple[multiprocessing.Process, int]:
    """A replay server process streaming ``total`` events to each connection; forked before the loop starts."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    process = multiprocessing.get_context("fork").Process(target=serve_forever, args=(sock, str(STREAM), total),
                                                          daemon=True, name=f"ami-replay-{total}")
    process.start()
    port = sock.getsockname()[1]
    sock.close()  # the child holds its own copy
    return process, port


def is_end_marker(event) -> bool:
    return event.get("Event") == "UserEvent" and event.get("UserEvent") == "BenchEnd"


async def run_bare(port: int, timeout: float) -> Run:
    """Bare panoramisk: parse and dispatch every event to one trivial counting callback."""
    run = Run("bare panoramisk")
    loop = asyncio.get_running_loop()
    done: asyncio.Future[float] = loop.create_future()
    first: list[float] = []

    def count(_manager, event) -> None:
        if not first:
            first.append(time.perf_counter())
        run.events += 1
        if is_end_marker(event):
            done.set_result(time.perf_counter())

    manager = Manager(host="127.0.0.1", port=port, username="bench", secret="bench", ping_delay=3600,
                      ping_interval=3600, loop=loop, on_login=lambda m: m.send_action(dict(START_ACTION)))
    manager.register_event("*", count)
    manager.connect()
    try:
        run.seconds = await asyncio.wait_for(done, timeout) - first[0]
    finally:
        manager.close()
    return run


class EndProbe:
    """Subscribed after the call handler: stamps the first event, samples RSS, resolves on the end marker."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.first = 0.0
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def __call__(self, event) -> None:
        run = self.run
        if not run.events:
            self.first = time.perf_counter()
        run.events += 1
        if run.events % SAMPLE_EVERY == 0:
            run.rss_mb.append(rss_mb())
            run.sample_at.append(time.perf_counter())
        if is_end_marker(event):
            self.done.set_result(None)


class Clients:
    """The WebSocket clients (agents and supervisors) in their own process, connected before the stream starts."""

    def __init__(self, url: str, tokens: list[str]) -> None:
        self.parent, child = multiprocessing.get_context("fork").Pipe()
        self.process = multiprocessing.get_context("fork").Process(target=run_clients, args=(url, tokens, child),
                                                                    daemon=True)

    async def start(self) -> None:
        self.process.start()
        assert await asyncio.get_running_loop().run_in_executor(None, self.parent.recv) == "ready"

    async def stop(self) -> None:
        self.parent.send("stop")
        await asyncio.get_running_loop().run_in_executor(None, self.parent.recv)   # what they received
        self.process.join(5)


async def run_pipeline(name: str, url: str, port: int, timeout: float, clients: tuple[int, int]) -> Run:
    """The whole service (``bench/whole_service.py``) on a freshly migrated database at ``url``."""
    run = Run(name)
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        async with running_service(bench_settings(Path(tmp), url, port)) as service:
            sockets = Clients(f"{service.base_url}/ws", await client_tokens(service.engine, *clients))
            await sockets.start()
            probe = EndProbe(run)
            service.ami.on_event(probe)   # after every handler of the service: sees the marker once they have
            before = await committed(service)
            gc.collect()
            run.rss_mb.append(rss_mb())
            try:
                await service.ami.action(dict(START_ACTION))
                await asyncio.wait_for(probe.done, timeout)
                await service.settle()
                run.seconds = time.perf_counter() - probe.first
                run.rss_mb.append(rss_mb())
            finally:
                await sockets.stop()
            tracker = service.telephony.calls.tracker
            run.leftovers = (len(tracker.calls), len(tracker.channel_linkedid))
            run.read_pauses = service.ami.stats.read_pauses
            run.committed = await committed(service) - before
            run.bus_failures = sum(stats.failed for stats in service.bus.stats().values())
            run.bus_drops = sum(stats.dropped for stats in service.bus.stats().values())
    return run


async def with_database(backend: str, work) -> Run:
    """``await work(url)`` on a fresh database of ``backend`` (SQLite temp file, or a PostgreSQL database that is
    created for the run and dropped after it)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
            return await work(f"sqlite+aiosqlite:///{tmp}/bench.sqlite3")
    name = f"hotline_bench_{os.getpid()}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
        return await work(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def measure_pipeline(backend: str, port: int, events: int, args) -> Run:
    name = f"service, {BACKENDS[backend]}"
    clients = (args.agents, args.supervisors)
    try:
        run = await with_database(backend, lambda url: run_pipeline(name, url, port, timeout_for(events), clients))
    except Exception as exc:  # e.g. PostgreSQL unreachable: say so in the report, keep the other figures
        run = Run(name, error=f"{type(exc).__name__}: {exc}")
    print(f"  {run.name}: {describe(run)}", flush=True)
    return run


def timeout_for(events: int) -> float:
    return 60 + events / 1_000  # far beyond any sane rate: a hang ends the benchmark instead of stalling it


async def main(args, ports: dict[str, int]) -> None:
    calibration = await measure_pipeline("sqlite", ports["calibration"], args.per_rep + 1, args)
    args.per_rep_committed = calibration.committed or Committed()
    print(f"one repetition commits: {args.per_rep_committed.describe()}", flush=True)
    print(f"rate: {args.events:,} events per run, {args.repeat} rounds", flush=True)
    rates: dict[str, list[Run]] = {key: [] for key in ["bare", *args.backends]}
    for _round in range(args.repeat):
        bare = await run_bare(ports["rate"], timeout_for(args.events))
        print(f"  {bare.name}: {describe(bare)}", flush=True)
        rates["bare"].append(bare)
        for backend in args.backends:
            rates[backend].append(await measure_pipeline(backend, ports["rate"], args.events, args))
    memory = []
    if "memory" in ports:
        print(f"memory: {args.memory_events:,} events per run", flush=True)
        memory = [await measure_pipeline(backend, ports["memory"], args.memory_events, args)
                  for backend in args.backends]
    section = report(args, rates, memory)
    print("\n" + section.split("\n", 3)[3].rsplit("\n", 1)[0])
    if args.write:
        write_report(section)
        print(f"\nwritten to {REPORT.relative_to(ROOT)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="events per rate run (rounded up to whole "
                        "repetitions of the recorded stream)")
    parser.add_argument("--memory-events", type=int, default=1_000_000, help="events of the memory runs; 0 = skip")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of rate runs; the report gives medians")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--agents", type=int, default=8, help="agents' WebSocket clients (softphone panes)")
    parser.add_argument("--supervisors", type=int, default=2, help="supervisors' WebSocket clients (wallboards)")
    parser.add_argument("--no-write", dest="write", action="store_false", help="print only; keep BENCHMARKS.md")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if unknown := set(args.backends) - set(BACKENDS):
        parser.error(f"unknown backend(s) {', '.join(sorted(unknown))}: use {','.join(BACKENDS)}")
    template, args.per_rep = load_template(str(STREAM))
    args.calls_per_rep = calls_per_repetition(template)
    # the replay server streams whole repetitions, then the end marker (itself an event both sides receive)
    args.reps = math.ceil(args.events / args.per_rep)
    args.events = args.reps * args.per_rep + 1
    if args.memory_events:
        args.memory_events = math.ceil(args.memory_events / args.per_rep) * args.per_rep + 1
    return args


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)  # the expected "connection lost: client stopped" is not news
    arguments = parse_args()
    totals = {"calibration": arguments.per_rep, "rate": arguments.events - 1}
    if arguments.memory_events:
        totals["memory"] = arguments.memory_events - 1
    servers = {name: start_replay(total) for name, total in totals.items()}
    try:
        asyncio.run(main(arguments, {name: port for name, (_process, port) in servers.items()}))
    finally:
        for process, _port in servers.values():
            process.kill()
            process.join()
