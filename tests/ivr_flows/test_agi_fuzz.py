"""Raw-socket fuzzing of the FastAGI server: arbitrary bytes, EOF at every point of a real session, and floods of
slow connections — the server never crashes, ends every connection within its limits, and a well-behaved call
arriving meanwhile completes (bounded: ``GOOD_CALL_BOUND`` seconds, far above its normal few milliseconds)."""
from __future__ import annotations

import asyncio
import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr_flows import AgiLimits, AgiServer
from tests.ivr_flows.fake_pbx import FakeAgiCall, asterisk_headers, encode_headers

GOOD_CALL_BOUND = 5.0
FUZZ_LIMITS = AgiLimits(header_timeout=0.3, command_timeout=0.3, fallback_timeout=0.3, session_timeout=1.0,
                        handler_grace=0.1, max_line_bytes=1024, max_header_bytes=4096, max_header_lines=40)


async def menu(session) -> None:
    await session.answer()
    await session.set_variable("HOTLINE_QUEUE", "general_info")


async def start(limits: AgiLimits = FUZZ_LIMITS) -> AgiServer:
    server = AgiServer(limits)
    server.add_route("ivr", menu)
    await server.start("127.0.0.1", 0)
    return server


async def good_call(port: int) -> None:
    """A well-behaved session, from connect to close, within GOOD_CALL_BOUND."""
    async with asyncio.timeout(GOOD_CALL_BOUND):
        call = await FakeAgiCall.connect(port)
        assert await call.expect_args() == ["ANSWER"]
        await call.reply("200 result=0")
        assert await call.expect_args() == ["SET", "VARIABLE", "HOTLINE_QUEUE", "general_info"]
        await call.reply("200 result=1")
        assert await call.wait_closed() == b""


SESSION = encode_headers(asterisk_headers()) + b"200 result=0\n200 result=1\n"
pieces = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"\n", b"\r\n", b"HANGUP\n", b"200 result=1\n", b"100 result=0 Trying...\n", b"520-usage\n",
                     b"511 dead\n", b"agi_network_script: ivr\n", b"agi_uniqueid: 1.1\n", b"x" * 2000,
                     encode_headers(asterisk_headers())]),
)
fuzz = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(chunks=st.lists(pieces, max_size=8), close=st.booleans())
def test_arbitrary_bytes_never_disturb_a_good_call(chunks, close):
    async def scenario():
        server = await start()
        try:
            bad = await FakeAgiCall.open(server.port)
            for chunk in chunks:
                try:
                    await bad.send(chunk)
                except ConnectionError:  # the server already dropped it
                    break
            if close:
                bad.abort()
            await good_call(server.port)
            await asyncio.wait_for(server.wait_idle(), GOOD_CALL_BOUND)  # the bad one ended on its own, too
            bad.abort()
        finally:
            await server.stop()

    asyncio.run(scenario())


async def test_eof_at_every_point_of_a_session_is_handled(caplog):
    caplog.set_level(logging.ERROR)
    server = await start()
    try:
        for cut in range(len(SESSION)):
            call = await FakeAgiCall.open(server.port)
            await call.send(SESSION[:cut])
            call.writer.write_eof()
            await call.wait_closed()
            call.abort()
        await asyncio.wait_for(server.wait_idle(), GOOD_CALL_BOUND)
        await good_call(server.port)
    finally:
        await server.stop()
    header_bytes = len(encode_headers(asterisk_headers()))
    assert server.stats.refused == {"eof": header_bytes}  # every cut before the end of the blank line
    assert server.stats.sessions == len(SESSION) - header_bytes + 1  # every later cut ran, plus the good call
    assert "AGI connection failed" not in caplog.text  # no unexpected exception on any of them


async def test_a_flood_of_stalled_connections_leaves_the_server_responsive():
    server = await start(AgiLimits(header_timeout=60, command_timeout=60, session_timeout=120))
    stalled: list[FakeAgiCall] = []
    try:
        for _ in range(200):  # one byte of a header, then silence
            call = await FakeAgiCall.open(server.port)
            await call.send(b"a")
            stalled.append(call)
        for _ in range(50):  # complete headers, then never a reply
            call = await FakeAgiCall.connect(server.port)
            stalled.append(call)
        for call in stalled[200:]:
            assert await call.expect() == "ANSWER"
        await good_call(server.port)
        assert server.open_connections == 250
    finally:
        for call in stalled:
            call.abort()
        await server.stop()
