"""The FastAGI server: routing, header limits, the allowlist, and the safety contract (HOTLINE_FALLBACK)."""
from __future__ import annotations

import asyncio
import logging

import pytest

from ivr_flows import AgiLimits, AgiServer, AgiSessionClosed
from tests.ivr_flows.conftest import TEST_LIMITS
from tests.ivr_flows.fake_pbx import CALLER, FakeAgiCall, asterisk_headers, encode_headers

FALLBACK = ["SET", "VARIABLE", "HOTLINE_FALLBACK"]


def limits(**changes) -> AgiLimits:
    return AgiLimits(**{**TEST_LIMITS.__dict__, **changes})


async def expect_fallback(call: FakeAgiCall, reason: str) -> None:
    assert await call.expect_args() == [*FALLBACK, reason]
    await call.reply("200 result=1")
    assert await call.wait_closed() == b""


async def test_unknown_script_sets_the_fallback_and_ends(start_agi):
    async def ivr(_session):
        raise AssertionError("not this route")

    server = await start_agi(routes={"ivr": ivr})
    for headers in ({"agi_network_script": "other"}, {"agi_network_script": ""},
                    {"agi_network_script": None, "agi_request": "agi://127.0.0.1"}):
        await expect_fallback(await FakeAgiCall.connect(server.port, **headers), "no_route")
    assert server.stats.fallbacks == {"no_route": 3}


@pytest.mark.parametrize("script", ["ivr", "/ivr", "ivr/", "ivr?lang=lt"])
async def test_script_name_variations_reach_the_route(start_agi, script):
    seen = asyncio.get_running_loop().create_future()

    async def ivr(session):
        seen.set_result((session.request.script, session.request.uniqueid))

    server = await start_agi(routes={"ivr": ivr})
    call = await FakeAgiCall.connect(server.port, agi_network_script=script)
    assert await seen == ("ivr", "1700000000.42")
    assert await call.wait_closed() == b""


async def test_a_raising_flow_gets_the_error_fallback(start_agi):
    async def ivr(session):
        await session.answer()
        raise RuntimeError("bug in a flow")

    server = await start_agi(routes={"ivr": ivr})
    call = await FakeAgiCall.connect(server.port)
    await call.expect()
    await call.reply("200 result=0")
    await expect_fallback(call, "error")
    assert server.stats.fallbacks == {"error": 1}


async def test_a_hanging_flow_is_cancelled_at_the_session_deadline(start_agi):
    cancelled = asyncio.Event()

    async def ivr(_session):
        try:
            await asyncio.Event().wait()  # a flow stuck on something that never comes
        finally:
            cancelled.set()

    server = await start_agi(limits(session_timeout=0.3), routes={"ivr": ivr})
    await expect_fallback(await FakeAgiCall.connect(server.port), "timeout")
    assert cancelled.is_set()


async def test_a_flow_that_ignores_cancellation_is_abandoned_and_silenced(start_agi):
    after_deadline = asyncio.get_running_loop().create_future()
    release = asyncio.Event()

    async def ivr(session):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await release.wait()  # a badly written flow: swallows the cancellation and goes on
        try:
            await session.set_variable("HOTLINE_QUEUE", "late")
        except AgiSessionClosed as exc:
            after_deadline.set_result(exc)

    server = await start_agi(limits(session_timeout=0.3), routes={"ivr": ivr})
    await expect_fallback(await FakeAgiCall.connect(server.port), "timeout")  # not held up by the stuck flow
    release.set()
    assert isinstance(await after_deadline, AgiSessionClosed)


async def test_a_command_timeout_gets_the_timeout_fallback_after_the_late_reply(start_agi):
    async def ivr(session):
        await session.get_variable("SLOW")

    server = await start_agi(limits(command_timeout=0.2), routes={"ivr": ivr})
    call = await FakeAgiCall.connect(server.port)
    assert await call.expect_args() == ["GET", "VARIABLE", "SLOW"]
    assert await call.expect_args() == [*FALLBACK, "timeout"]
    await call.reply("200 result=1 (late)", "200 result=1")
    assert await call.wait_closed() == b""
    assert server.stats.fallbacks == {"timeout": 1}


async def test_a_fallback_without_reply_still_ends_the_session(start_agi):
    async def ivr(_session):
        raise RuntimeError("bug")

    server = await start_agi(limits(fallback_timeout=0.2), routes={"ivr": ivr})
    call = await FakeAgiCall.connect(server.port)
    assert await call.expect_args() == [*FALLBACK, "error"]
    assert await call.wait_closed() == b""  # no reply came: closed anyway, the dialplan goes on
    assert server.stats.fallbacks == {}


async def test_stop_cuts_running_flows_short_with_the_shutdown_fallback(start_agi):
    started = asyncio.Event()

    async def ivr(_session):
        started.set()
        await asyncio.Event().wait()

    server = await start_agi(routes={"ivr": ivr})
    call = await FakeAgiCall.connect(server.port)
    await started.wait()
    stopping = asyncio.create_task(server.stop())
    await expect_fallback(call, "shutdown")
    await stopping


@pytest.mark.parametrize(("data", "reason"), [
    (b"".join(b"agi_arg_%d: x\n" % i for i in range(200)) + b"\n", "header_size"),
    (b"agi_x: " + b"y" * 600 + b"\n" + b"agi_z: " + b"y" * 600 + b"\n\n", "header_size"),
    (b"agi_network_script: " + b"i" * 5000 + b"\n\n", "header_line"),
    (b"\n", "no_headers"),
    (b"garbage without headers\n\n", "no_headers"),
])
async def test_oversized_or_empty_headers_are_refused_without_a_command(start_agi, data, reason):
    server = await start_agi(limits(max_header_bytes=1024, max_header_lines=64, max_line_bytes=2048))
    call = await FakeAgiCall.open(server.port)
    await call.send(data)
    assert await call.wait_closed() == b""
    await server.wait_idle()
    assert server.stats.refused == {reason: 1} and server.stats.sessions == 0


async def test_slow_or_cut_headers_are_refused(start_agi):
    server = await start_agi(limits(header_timeout=0.3))
    slow = await FakeAgiCall.open(server.port)
    await slow.send(b"agi_network: yes\n")  # ...and nothing more
    assert await slow.wait_closed() == b""
    cut = await FakeAgiCall.open(server.port)
    await cut.send(b"agi_network: yes\nagi_netw")
    cut.writer.write_eof()
    assert await cut.wait_closed() == b""
    await server.wait_idle()
    assert server.stats.refused == {"header_timeout": 1, "eof": 1}


async def test_peers_outside_the_allowlist_are_dropped_before_reading(start_agi):
    async def ivr(_session):
        raise AssertionError("must not run")

    server = await start_agi(allowlist=["10.0.0.0/8", "192.0.2.1"], routes={"ivr": ivr})
    call = await FakeAgiCall.connect(server.port)
    assert await call.wait_closed() == b""
    await server.wait_idle()
    assert server.stats.refused == {"peer": 1} and server.stats.sessions == 0


async def test_allowlist_accepts_networks_and_mapped_addresses():
    server = AgiServer(allowlist=["127.0.0.0/8", "2001:db8::/32"])
    assert server._allowed(("127.5.5.5", 1)) and server._allowed(("::ffff:127.0.0.1", 1, 0, 0))
    assert server._allowed(("2001:db8::1%eth0", 1, 0, 0))
    assert not server._allowed(("10.0.0.1", 1)) and not server._allowed(("", 0)) and not server._allowed(None)
    with pytest.raises(ValueError):
        AgiServer(allowlist=["not-an-address"])


async def test_connections_beyond_max_sessions_are_refused(start_agi):
    started = asyncio.Event()

    async def ivr(_session):
        started.set()
        await asyncio.Event().wait()

    server = await start_agi(limits(max_sessions=1), routes={"ivr": ivr})
    await FakeAgiCall.connect(server.port)
    await started.wait()
    extra = await FakeAgiCall.connect(server.port)
    assert await extra.wait_closed() == b""
    assert server.stats.refused == {"busy": 1}


def test_routes_must_be_async_and_unique():
    server = AgiServer()

    async def ivr(_session):
        pass

    server.add_route("ivr", ivr)
    with pytest.raises(ValueError):
        server.add_route("ivr", ivr)
    with pytest.raises(TypeError):
        server.add_route("sync", lambda session: None)
    for bad in ("", "a b", "ivr?x=1"):
        with pytest.raises(ValueError):
            server.add_route(bad, ivr)


def test_server_built_from_settings_takes_its_limits_and_allowlist():
    from core.settings import Settings

    server = AgiServer.from_settings(Settings(agi_allowlist=["10.1.1.1"], agi_session_timeout=30))
    assert server.limits.session_timeout == 30 and server._allowed(("10.1.1.1", 5))


async def test_caller_numbers_never_reach_the_logs(start_agi, caplog):
    async def ivr(session):
        await session.get_variable("X")
        raise RuntimeError("bug")

    caplog.set_level(logging.DEBUG)
    server = await start_agi(routes={"ivr": ivr})
    call = await FakeAgiCall.connect(server.port)
    await call.expect()
    await call.reply("200 result=0")
    await expect_fallback(call, "error")
    unknown = await FakeAgiCall.connect(server.port, agi_network_script="nope")
    await expect_fallback(unknown, "no_route")
    assert "1700000000.42" in caplog.text  # the call id is what is logged
    assert CALLER not in caplog.text and "from-pstn" not in caplog.text


def test_encode_headers_ends_with_a_blank_line():
    assert encode_headers(asterisk_headers()).endswith(b"\n\n")
