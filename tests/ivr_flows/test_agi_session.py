"""The per-call command channel over a real socket: each reply case Asterisk produces, and the flow API."""
from __future__ import annotations

import asyncio

import pytest

from ivr_flows import (AgiCommandError, AgiCommandFailed, AgiConnectionLost, AgiHangup, AgiLimits, AgiProtocolError,
                       AgiReply, AgiRequest, AgiTimeout)
from ivr_flows.agi_session import AgiSession
from tests.ivr_flows.conftest import TEST_LIMITS
from tests.ivr_flows.fake_pbx import FakeAgiCall, asterisk_headers

USAGE = ["520-Invalid command syntax.  Proper usage follows:", " Usage: STREAM FILE <filename> <escape_digits>",
         "  Send the given file, allowing playback to be interrupted by the given digits.", "",
         "520 End of proper usage."]


async def start_flow(start_agi, flow, limits: AgiLimits = TEST_LIMITS, **headers):
    """Serve ``flow`` on route "ivr" and connect a fake PBX; ``outcome`` gets the flow's value or exception."""
    outcome = asyncio.get_running_loop().create_future()

    async def handler(session):
        try:
            value = await flow(session)
        except Exception as exc:
            outcome.set_result(exc)
            raise
        outcome.set_result(value)

    server = await start_agi(limits, routes={"ivr": handler})
    call = await FakeAgiCall.connect(server.port, **headers)
    return server, call, outcome


async def test_a_menu_session_end_to_end(start_agi):
    async def menu(session):
        await session.answer()
        key = await session.stream_file("hotline/welcome", "12")
        choice = await session.get_data("hotline/menu", 3000, 1)
        await session.set_variable("HOTLINE_QUEUE", f"queue {choice}\"")
        lang = await session.get_variable("CHANNEL(language)")
        unset = await session.get_variable("NOT_SET")
        played = await session.exec("Playback", "beep,noanswer")
        return key, choice, lang, unset, played

    server, call, outcome = await start_flow(start_agi, menu)
    script = [
        (["ANSWER"], "200 result=0"),
        (["STREAM", "FILE", "hotline/welcome", "12"], "200 result=50 endpos=1200"),
        (["GET", "DATA", "hotline/menu", "3000", "1"], "200 result=3"),
        (["SET", "VARIABLE", "HOTLINE_QUEUE", 'queue 3"'], "200 result=1"),
        (["GET", "VARIABLE", "CHANNEL(language)"], "200 result=1 (lt)"),
        (["GET", "VARIABLE", "NOT_SET"], "200 result=0"),
        (["EXEC", "Playback", "beep,noanswer"], "200 result=0"),
    ]
    for expected, reply in script:
        assert await call.expect_args() == expected
        await call.reply(reply)
    assert await outcome == ("2", "3", "lt", None, "0")
    assert await call.wait_closed() == b""  # ended cleanly: no fallback
    assert server.stats.fallbacks == {}


async def test_intermediate_100_trying_is_skipped_until_the_final_reply(start_agi):
    _, call, outcome = await start_flow(start_agi, lambda s: s.exec("Record", "x.wav"))
    await call.expect()
    await call.reply("100 result=0 Trying...", "100 result=0 Trying...", "200 result=7")
    assert await outcome == "7"


@pytest.mark.parametrize("replies", [["511 Command Not Permitted on a dead channel or intercept routine"],
                                     ["HANGUP"], ["HANGUP", "200 result=0"]])
async def test_a_gone_channel_raises_hangup_and_gets_no_fallback(start_agi, replies):
    server, call, outcome = await start_flow(start_agi, lambda s: s.answer())
    await call.expect()
    await call.reply(*replies)
    assert isinstance(await outcome, AgiHangup)
    assert await call.wait_closed() == b""  # nothing sent to a channel that is gone
    assert server.stats.fallbacks == {}


async def test_hangup_line_between_commands_is_seen_by_the_next_command(start_agi):
    async def flow(session):
        await session.answer()
        await session.stream_file("x")

    _, call, outcome = await start_flow(start_agi, flow)
    await call.expect()
    await call.reply("200 result=0", "HANGUP")
    await call.expect()  # STREAM FILE was sent before the HANGUP line was read
    await call.reply("511 Command Not Permitted on a dead channel or intercept routine")
    assert isinstance(await outcome, AgiHangup)


async def test_510_is_a_command_error_and_the_failed_flow_gets_the_fallback(start_agi):
    server, call, outcome = await start_flow(start_agi, lambda s: s.command("NOT A COMMAND"))
    await call.expect()
    await call.reply("510 Invalid or unknown command")
    error = await outcome
    assert isinstance(error, AgiCommandError) and error.code == 510
    assert await call.expect_args() == ["SET", "VARIABLE", "HOTLINE_FALLBACK", "error"]
    await call.reply("200 result=1")
    assert await call.wait_closed() == b""
    assert server.stats.fallbacks == {"error": 1}


async def test_520_usage_block_is_read_to_its_end_and_the_channel_stays_in_step(start_agi):
    async def flow(session):
        try:
            await session.command("STREAM FILE")
        except AgiCommandError as error:
            return error.code, error.usage, await session.get_variable("X")

    _, call, outcome = await start_flow(start_agi, flow)
    await call.expect()
    await call.reply(*USAGE)
    assert await call.expect_args() == ["GET", "VARIABLE", "X"]
    await call.reply("200 result=1 (after usage)")
    code, usage, value = await outcome
    assert (code, value) == (520, "after usage")
    assert "Usage: STREAM FILE" in usage


async def test_single_line_520_is_a_command_error(start_agi):
    _, call, outcome = await start_flow(start_agi, lambda s: s.command("EXEC"))
    await call.expect()
    await call.reply("520 Invalid command syntax.  Proper usage not available.")
    assert (await outcome).code == 520


async def test_endless_usage_block_is_a_protocol_error(start_agi):
    limits = AgiLimits(**{**TEST_LIMITS.__dict__, "max_usage_lines": 5})
    _, call, outcome = await start_flow(start_agi, lambda s: s.command("EXEC"), limits)
    await call.expect()
    await call.reply("520-usage follows", *(["more usage"] * 10))
    assert isinstance(await outcome, AgiProtocolError)


@pytest.mark.parametrize("partial", [b"", b"200 res", b"520-Invalid command syntax.\n usage\n"])
async def test_eof_mid_reply_is_connection_lost(start_agi, partial):
    server, call, outcome = await start_flow(start_agi, lambda s: s.answer())
    await call.expect()
    await call.send(partial)
    call.writer.write_eof()
    assert isinstance(await outcome, AgiConnectionLost)
    await server.wait_idle()
    assert server.stats.fallbacks == {}


async def test_oversized_or_foreign_reply_lines_are_protocol_errors(start_agi):
    limits = AgiLimits(**{**TEST_LIMITS.__dict__, "max_line_bytes": 256})
    for reply in (b"200 result=1 (" + b"x" * 1000 + b")\n", b"hello there\n", b"300 result=1\n", b"200 oops\n"):
        _, call, outcome = await start_flow(start_agi, lambda s: s.answer(), limits)
        await call.expect()
        await call.send(reply)
        assert isinstance(await outcome, AgiProtocolError), reply


async def test_a_late_reply_is_never_taken_for_the_next_command(start_agi):
    limits = AgiLimits(**{**TEST_LIMITS.__dict__, "command_timeout": 0.2})

    async def flow(session):
        with pytest.raises(AgiTimeout):
            await session.get_variable("SLOW")
        return await session.get_variable("FAST")

    _, call, outcome = await start_flow(start_agi, flow, limits)
    assert await call.expect_args() == ["GET", "VARIABLE", "SLOW"]
    assert await call.expect_args() == ["GET", "VARIABLE", "FAST"]  # sent after SLOW timed out
    await call.reply("200 result=1 (slow)", "200 result=1 (fast)")
    assert await outcome == "fast"


async def test_a_value_with_a_line_break_is_refused_before_anything_is_sent(start_agi):
    _, call, outcome = await start_flow(start_agi, lambda s: s.set_variable("HOTLINE_QUEUE", "q\nHANGUP"))
    assert isinstance(await outcome, ValueError)
    assert await call.expect_args() == ["SET", "VARIABLE", "HOTLINE_FALLBACK", "error"]  # the only command


@pytest.mark.parametrize("reply", ["200 result=-1 endpos=0", "200 result=abc"])
async def test_failed_playback_on_a_live_channel_is_a_command_failure(start_agi, reply):
    _, call, outcome = await start_flow(start_agi, lambda s: s.stream_file("missing"))
    await call.expect()
    await call.reply(reply)
    assert await call.expect_args() == ["CHANNEL", "STATUS"]   # is the caller still there?
    await call.reply("200 result=6")                            # up: the prompt itself failed
    assert isinstance(await outcome, AgiCommandFailed)


@pytest.mark.parametrize("flow", [lambda s: s.stream_file("consent"), lambda s: s.get_data("menu", 3000, 1)],
                         ids=["stream_file", "get_data"])
@pytest.mark.parametrize("channel_gone", ["HANGUP", "511 Command Not Permitted on a dead channel"])
async def test_a_prompt_that_fails_because_the_caller_hung_up_is_a_hangup_not_a_fault(start_agi, flow,
                                                                                        channel_gone):
    server, call, outcome = await start_flow(start_agi, flow)
    await call.expect()
    await call.reply("200 result=-1")
    assert await call.expect_args() == ["CHANNEL", "STATUS"]
    await call.reply(channel_gone)
    assert isinstance(await outcome, AgiHangup)


async def test_unknown_application_is_a_command_failure(start_agi):
    _, call, outcome = await start_flow(start_agi, lambda s: s.exec("NoSuchApp"))
    await call.expect()
    await call.reply("200 result=-2")
    assert isinstance(await outcome, AgiCommandFailed)


async def test_linkedid_is_asked_from_the_channel_only_when_no_header_carries_it(start_agi):
    async def flow(session):
        return await session.linkedid(), await session.linkedid()

    _, call, outcome = await start_flow(start_agi, flow)
    assert await call.expect_args() == ["GET", "VARIABLE", "CHANNEL(linkedid)"]
    await call.reply("200 result=1 (1700000000.40)")
    assert await outcome == ("1700000000.40", "1700000000.40")  # asked once

    _, call, outcome = await start_flow(start_agi, flow, agi_linkedid="1700000000.1")
    assert await outcome == ("1700000000.1", "1700000000.1")
    assert await call.wait_closed() == b""


class SpySession(AgiSession):
    """Records the timeout each high-level call gives its command, replying at once."""

    def __init__(self, reply: str) -> None:
        request = AgiRequest.from_headers(asterisk_headers())
        super().__init__(request, None, None, AgiLimits(command_timeout=10, command_margin=5, prompt_seconds=60))
        self.reply, self.timeouts = reply, []

    async def command(self, verb, *args, timeout=None):
        self.timeouts.append(timeout)
        return AgiReply(self.reply)


async def test_play_and_wait_commands_get_their_own_duration_plus_a_margin():
    session = SpySession("0")
    await session.wait_for_digit(30_000)
    await session.stream_file("long-prompt", max_seconds=90)
    await session.stream_file("prompt")
    await session.get_data("menu", 4000, 2, prompt_seconds=20)
    assert session.timeouts == [35, 95, 65, 20 + 4 * 3 + 5]
    for bad in (lambda: session.wait_for_digit(-1), lambda: session.get_data("m", 0, 1),
                lambda: session.get_data("m", 1000, 0)):
        with pytest.raises(ValueError):
            await bad()


def test_fake_headers_look_like_asterisk():
    assert asterisk_headers()["agi_network_script"] == "ivr"
