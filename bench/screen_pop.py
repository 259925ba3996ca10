"""Benchmark: screen-pop latency under background AMI traffic, from the AgentCalled bytes leaving the AMI peer to
the ``screen_pop`` frame arriving at a WebSocket client, with 50 clients connected.

    .venv/bin/python bench/screen_pop.py                    # about 1.5 minutes; rewrites its BENCHMARKS.md section
    .venv/bin/python bench/screen_pop.py --seconds 15 --no-write                            # a quick look

Three processes, so the measured event loop shares nothing with the load or the measuring:
- the AMI peer (``bench/paced_replay.py``) replays ``bench/data/ami_stream.txt`` over loopback at ``--rate``
  events/s (default 1,000), every repetition with its own channel ids, noting when each AgentCalled left it;
- the service side, wired as ``hotline.service`` does: ``AmiClient`` -> all of ``telephony.setup`` (call tracker,
  ring meter, agents, callback detection and the dialer's AMI bindings, messages) -> bus -> call store and callback
  tasks (SQLite) and push (``hotline.push``) -> aiohttp ``/ws``; no IVR, and the dialer's loop is not started;
- the clients: ``--agents`` agent sockets spread over the stream's extensions (101-104) and supervisors up to
  ``--clients`` (default 50), each noting when each screen_pop arrived.
A sample is one delivery: (arrival at a client) - (AgentCalled sent by the peer), matched by ring id
(DestUniqueid). Target (issue 4): p99 <= 50 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import multiprocessing
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.ami_replay import START_ACTION  # noqa: E402
from bench.paced_replay import serve  # noqa: E402
from bench.report import REPORT, markers, write_section  # noqa: E402
from bench.whole_service import EXTENSIONS, client_tokens  # noqa: E402
from core.bus import EventBus  # noqa: E402
from core.db import make_engine  # noqa: E402
from core.deps import Dependencies  # noqa: E402
from core.policy import load_profile  # noqa: E402
from core.settings import Settings  # noqa: E402
from directory import setup as directory_setup  # noqa: E402
from hotline import migrate  # noqa: E402
from hotline.push import setup as push_setup  # noqa: E402
from hotline.web import HotlineMetrics, WebDeps, create_app, ws  # noqa: E402
from telephony import setup as telephony_setup  # noqa: E402
from telephony.ami import AmiClient, AmiConfig  # noqa: E402

STREAM = ROOT / "bench" / "data" / "ami_stream.txt"
START, END = markers("screen_pop")
TARGET_P99_MS = 50.0


# ---- the clients' process --------------------------------------------------------------------------------------
def run_clients(url: str, tokens: list[str], control) -> None:
    """Connect every socket, say "ready", note screen_pop arrivals until told to stop, send them back."""
    async def main() -> None:
        arrivals: list[tuple[str, int]] = []

        async def listen(socket_) -> None:
            async for message in socket_:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                at = time.monotonic_ns()
                if message.data.startswith('{"type": "screen_pop"'):
                    arrivals.append((json.loads(message.data)["ring_id"], at))

        async with aiohttp.ClientSession() as http:
            sockets = [await http.ws_connect(f"{url}?token={token}") for token in tokens]
            for socket_ in sockets:
                assert (await socket_.receive_json())["type"] == "hello"
            listeners = [asyncio.create_task(listen(s)) for s in sockets]
            control.send("ready")
            await asyncio.get_running_loop().run_in_executor(None, control.recv)   # "stop"
            for task in listeners:
                task.cancel()
            for socket_ in sockets:
                await socket_.close()
        control.send(arrivals)

    asyncio.run(main())


# ---- the service side ------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def measure(args, ami_port: int, stamps_pipe) -> dict:
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        await migrate.upgrade(url)
        engine = make_engine(url)
        settings = Settings(var_dir=Path(tmp), pbx_config_dir=Path(tmp))
        profile = load_profile(settings.profile)
        bus = EventBus()
        ami = AmiClient(AmiConfig("127.0.0.1", ami_port, "bench", "bench"))
        deps = Dependencies(settings, profile, bus, engine, ami)
        telephony = await telephony_setup(deps, directory_setup(deps), settings.pbx_config_dir)
        push = push_setup.setup(bus, engine, profile, live_calls=telephony.live_calls, members=telephony.queue_members)
        app = create_app(WebDeps.create(engine, HotlineMetrics().registry), [ws.routes(push.hub)])
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        http_port = free_port()
        await web.TCPSite(runner, "127.0.0.1", http_port).start()
        tokens = await client_tokens(engine, args.agents, args.clients - args.agents)

        parent, child = multiprocessing.get_context("fork").Pipe()
        clients = multiprocessing.get_context("fork").Process(
            target=run_clients, args=(f"http://127.0.0.1:{http_port}/ws", tokens, child), daemon=True)
        clients.start()
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, parent.recv) == "ready"

        done = loop.create_future()
        def on_end(event) -> None:
            if event.get("UserEvent") == "BenchEnd" and not done.done():
                done.set_result(None)

        ami.on_event(on_end)

        async def start_stream(_reconnect: bool) -> None:
            async def after_resync() -> None:
                while telephony.calls.handler.resyncs == 0:
                    await asyncio.sleep(0.01)
                await ami.action(dict(START_ACTION))
            asyncio.create_task(after_resync())

        ami.on_connected(start_stream)
        try:
            await bus.start()
            push.start()
            await ami.start()
            await asyncio.wait_for(done, args.seconds + 60)
            await bus.drain()
            stamps = await loop.run_in_executor(None, stamps_pipe.recv)
            await asyncio.sleep(0.5)   # frames in flight to the clients' process (not a synchronisation point)
            parent.send("stop")
            arrivals = await loop.run_in_executor(None, parent.recv)
            stats = push.hub.stats
        finally:
            clients.join(5)
            await push.close()
            await runner.cleanup()
            await ami.stop()
            await bus.stop()
            await telephony.close()
            await engine.dispose()
    return {"stamps": stamps, "arrivals": arrivals, "events": ami.stats.events_received,
            "overflows": stats.overflows, "published": stats.published}


# ---- figures ---------------------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def figures(result: dict, args) -> dict:
    stamps = result["stamps"]
    samples = [(at - stamps[ring_id]) / 1e6 for ring_id, at in result["arrivals"] if ring_id in stamps]
    per_ring = len(range(0, args.agents, len(EXTENSIONS)))   # agent sockets per extension
    return {"samples": samples, "rings": len(stamps), "expected": len(stamps) * per_ring,
            "p50": statistics.median(samples) if samples else float("nan"),
            "p99": percentile(samples, 99) if samples else float("nan"),
            "max": max(samples, default=float("nan")), **{k: result[k] for k in ("events", "overflows")}}


def section(f: dict, args) -> str:
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    met = "met" if f["p99"] <= TARGET_P99_MS else "**not met**"
    options = ("" if args.seconds == 60 else f" --seconds {args.seconds}") + (" --nagle" if args.nagle else "")
    command = f"`.venv/bin/python bench/screen_pop.py{options}`"
    return f"""{START}
## Screen-pop latency under AMI load

Command: {command} — {when}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, SQLite.

Load: `bench/data/ami_stream.txt` replayed over loopback by `bench/paced_replay.py` (own process) at {args.rate:,.0f}
AMI events/s for {args.seconds} s ({f['events']:,} events received), every repetition with its own channel ids. The
service side is wired as `hotline.service` does (all of `telephony.setup`: call tracker, ring meter, agents,
callback detection, messages; call store and callback tasks on SQLite; push; no IVR, the dialer's loop not
started); {args.clients} WebSocket clients in a third process: {args.agents} agents (extensions 101–104) and
{args.clients - args.agents} supervisors. **Measured:** from the `AgentCalled` bytes written by the peer to the
`screen_pop` frame received by an agent's socket (CLOCK_MONOTONIC on both sides), one sample per delivery.
**Target:** p99 ≤ {TARGET_P99_MS:.0f} ms.

| AgentCalled sent | deliveries (expected) | p50 | p99 | max | target |
|---:|---:|---:|---:|---:|---|
| {f['rings']:,} | {len(f['samples']):,} ({f['expected']:,}) | {f['p50']:.1f} ms | {f['p99']:.1f} ms | {f['max']:.1f} ms | {met} |

Client outbox overflows during the run: {f['overflows']}. The peer's socket has TCP_NODELAY
{"off (`--nagle`)" if args.nagle else "on"}: with Nagle's algorithm on, an AgentCalled written right after other
events waits for the client's delayed ACK, which puts ~40 ms on a part of the samples before hotline sees a byte.
{END}"""


def write_report(section: str) -> None:
    write_section("screen_pop", section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="AMI events per second (default 1000)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the replay (default 60)")
    parser.add_argument("--clients", type=int, default=50, help="WebSocket clients (default 50)")
    parser.add_argument("--agents", type=int, default=40, help="of which agents (default 40, 10 per extension)")
    parser.add_argument("--no-write", dest="write", action="store_false", help="print only; keep BENCHMARKS.md")
    parser.add_argument("--nagle", action="store_true", help="leave Nagle's algorithm on at the peer's socket")
    parser.add_argument("--verbose", action="store_true", help="also print the spread of the samples")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    stamps_out, stamps_in = multiprocessing.get_context("fork").Pipe()
    peer = multiprocessing.get_context("fork").Process(
        target=serve, args=(sock, str(STREAM), args.rate, args.seconds, stamps_in, args.nagle), daemon=True)
    peer.start()
    port = sock.getsockname()[1]
    sock.close()
    try:
        result = asyncio.run(measure(args, port, stamps_out))
    finally:
        peer.kill()
        peer.join()
    f = figures(result, args)
    if args.verbose:
        print("samples (ms):", " ".join(f"{v:.1f}" for v in sorted(f["samples"])[::max(1, len(f["samples"]) // 60)]))
    text = section(f, args)
    print(text)
    if args.write:
        write_report(text)
        print(f"written to {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
