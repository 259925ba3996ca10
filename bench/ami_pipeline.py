"""Benchmark: AMI events/s through hotline's full pipeline vs. bare panoramisk, on one replayed stream, in one run.

    .venv/bin/python bench/ami_pipeline.py                  # about 1.5 minutes on 2 cores; rewrites BENCHMARKS.md
    .venv/bin/python bench/ami_pipeline.py --events 50000 --repeat 1 --memory-events 0 --no-write   # a quick look

A loopback replay server (``bench/ami_replay.py``, in its own process so it does not share the measured event
loop) streams the recorded sandbox traffic (``bench/data/ami_stream.txt``) N times, each repetition with its own
channel ids, then a ``UserEvent: BenchEnd`` marker. The same stream and count go, in turn, to
- bare panoramisk: ``Manager`` + ``register_event('*', counter)`` — parsing and dispatch only: the peer;
- the pipeline as ``hotline.service`` wires it: ``AmiClient`` → ``CallEventHandler`` (``CallTracker``) →
  ``EventBus`` → ``CallStoreWriter``, on SQLite (temp file) and on PostgreSQL (a fresh ``hotline_bench_<pid>``
  database, dropped afterwards).
A rate is events / seconds from the first event delivered to the end marker fully processed: for the pipeline,
the marker seen after the handler, then ``bus.drain()`` and ``writer.flush()``, so every row is committed
(checked: ``calls`` rows = calls per repetition × repetitions). Then one longer run per database samples RSS
every 100 k events. Targets (issue 3): pipeline ≥ 50 % of bare panoramisk's events/s on both databases; memory
flat over 1 M events. ``bench/ami_pipeline_report.py`` turns the figures into the BENCHMARKS.md section.
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
from sqlalchemy import func, select  # noqa: E402

from bench.ami_pipeline_report import SAMPLE_EVERY, Run, describe, report, write_report  # noqa: E402
from bench.report import REPORT  # noqa: E402
from bench.ami_replay import START_ACTION, load_template, serve_forever  # noqa: E402
from core.bus import EventBus  # noqa: E402
from core.db import make_engine  # noqa: E402
from core.deps import Dependencies  # noqa: E402
from core.events import CallOffered  # noqa: E402
from core.policy import load_profile  # noqa: E402
from core.settings import Settings  # noqa: E402
from directory import setup as directory_setup  # noqa: E402
from hotline import migrate  # noqa: E402
from telephony import setup as telephony_setup  # noqa: E402
from telephony.ami import AmiClient, AmiConfig  # noqa: E402
from telephony.calls.models import CallRow  # noqa: E402
from telephony.calls.setup import INBOUND_CONTEXTS  # noqa: E402
from telephony.calls.tracker import CallTracker  # noqa: E402

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
STREAM = ROOT / "bench" / "data" / "ami_stream.txt"


async def _after_resync(handler, ami: AmiClient) -> None:
    while handler.resyncs == 0:
        await asyncio.sleep(0.01)
    await ami.action(dict(START_ACTION))


def rss_mb() -> float:
    with open("/proc/self/status") as status:  # tiny procfs read, once per 100 k events
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


def calls_per_repetition(template: bytes) -> int:
    """Hotline calls in one repetition of the stream, found by running the call tracker over it offline."""
    tracker = CallTracker(INBOUND_CONTEXTS)
    text = template.replace(b"R@@", b"r0.").decode()
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


async def run_pipeline(name: str, url: str, port: int, timeout: float) -> Run:
    """The pipeline as ``hotline.service`` wires it, on a freshly migrated database at ``url``."""
    run = Run(name)
    await migrate.upgrade(url)
    engine = make_engine(url)
    bus = EventBus()
    ami = AmiClient(AmiConfig("127.0.0.1", port, "bench", "bench"))  # the service's defaults otherwise
    settings = Settings()
    deps = Dependencies(settings, load_profile(settings.profile), bus, engine, ami)
    telephony = await telephony_setup(deps, directory_setup(deps))
    probe = EndProbe(run)
    ami.on_event(probe)

    async def start_stream(_reconnect: bool) -> None:
        # the resync runs beside the event stream: start the flood once it is done, as a PBX's traffic would
        # not wait for it either but is far smaller than this replay
        asyncio.create_task(_after_resync(telephony.calls.handler, ami))

    ami.on_connected(start_stream)
    gc.collect()
    run.rss_mb.append(rss_mb())
    try:
        await bus.start()
        await ami.start()
        await asyncio.wait_for(probe.done, timeout)
        await bus.drain()
        await telephony.calls.writer.flush()
        run.seconds = time.perf_counter() - probe.first
        run.rss_mb.append(rss_mb())
        tracker = telephony.calls.tracker
        run.leftovers = (len(tracker.calls), len(tracker.channel_linkedid))
        run.read_pauses = ami.stats.read_pauses
        async with engine.connect() as conn:
            run.rows = (await conn.execute(select(func.count()).select_from(CallRow))).scalar_one()
    finally:
        await ami.stop()
        await bus.stop()
        await telephony.close()
        await engine.dispose()
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


async def measure_pipeline(backend: str, port: int, events: int) -> Run:
    name = f"pipeline, {BACKENDS[backend]}"
    try:
        run = await with_database(backend, lambda url: run_pipeline(name, url, port, timeout_for(events)))
    except Exception as exc:  # e.g. PostgreSQL unreachable: say so in the report, keep the other figures
        run = Run(name, error=f"{type(exc).__name__}: {exc}")
    print(f"  {run.name}: {describe(run)}", flush=True)
    return run


def timeout_for(events: int) -> float:
    return 60 + events / 2_000  # far beyond any sane rate: a hang ends the benchmark instead of stalling it


async def main(args, rate_port: int, memory_port: int | None) -> None:
    print(f"rate: {args.events:,} events per run, {args.repeat} rounds", flush=True)
    rates: dict[str, list[Run]] = {key: [] for key in ["bare", *args.backends]}
    for _round in range(args.repeat):
        bare = await run_bare(rate_port, timeout_for(args.events))
        print(f"  {bare.name}: {describe(bare)}", flush=True)
        rates["bare"].append(bare)
        for backend in args.backends:
            rates[backend].append(await measure_pipeline(backend, rate_port, args.events))
    memory = []
    if memory_port is not None:
        print(f"memory: {args.memory_events:,} events per run", flush=True)
        memory = [await measure_pipeline(backend, memory_port, args.memory_events) for backend in args.backends]
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
    servers = [start_replay(arguments.events - 1)]
    if arguments.memory_events:
        servers.append(start_replay(arguments.memory_events - 1))
    try:
        asyncio.run(main(arguments, servers[0][1], servers[1][1] if len(servers) > 1 else None))
    finally:
        for process, _port in servers:
            process.kill()
            process.join()
