"""The menu flow's scripted PBX: the AGI side replying like Asterisk (``Pbx``), the recording's mute port
(``Mute``, logging into the same command list so their order shows), and ``run_flow`` for one call."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from core.events import IvrStepRecorded
from core.policy import load_profile
from ivr_flows.flows import MenuFlow
from ivr_flows.preverify import PreVerifications
from ivr_flows.prompts import PromptSet
from tests.ivr_flows.fake_pbx import FakeAgiCall, parse_agi_args

LT = load_profile("lt-employment-1883")
PROMPTS = PromptSet(names={key: f"/snd/{key}" for key in LT.prompts.model_dump()},
                    seconds={key: 1.0 for key in LT.prompts.model_dump()})
UNIQUEID = "1700000000.42"   # fake_pbx's agi_uniqueid
CHANNEL = "Local/1883@from-pstn-00000001;2"   # fake_pbx's agi_channel


class Pbx:
    """Replies like Asterisk; ``keys`` are what the caller presses at each GET DATA, in order; ``hang_up_on``: the
    prompt (STREAM FILE or GET DATA) during which the caller hangs up."""

    def __init__(self, keys: list[str], *, hang_up_on: str | None = None) -> None:
        self.keys = list(keys)
        self.hang_up_on = hang_up_on
        self.commands: list[list[str]] = []

    def answer(self, args: list[str]) -> list[str]:
        if args[:2] == ["GET", "VARIABLE"]:
            return ["200 result=0"]                       # no linkedid: the flow uses the uniqueid
        if args[:2] == ["STREAM", "FILE"] and args[2] == self.hang_up_on:
            return ["HANGUP", "200 result=-1 endpos=8000"]
        if args[:2] == ["GET", "DATA"]:
            if args[2] == self.hang_up_on:
                return ["HANGUP", "200 result=-1"]
            keys = self.keys.pop(0) if self.keys else ""
            return [f"200 result={keys}" if keys else "200 result= (timeout)"]
        return ["200 result=0 endpos=8000" if args[0] == "STREAM" else "200 result=1" if args[0] == "SET"
                else "200 result=0"]

    async def serve(self, call: FakeAgiCall) -> None:
        while line := await call.reader.readline():
            args = parse_agi_args(line.decode().rstrip("\n"))
            self.commands.append(args)
            await call.reply(*self.answer(args))

    def played(self) -> list[str]:
        return [c[2] for c in self.commands if c[:2] in (["STREAM", "FILE"], ["GET", "DATA"])]

    def variables(self) -> dict[str, str]:
        return {c[2]: c[3] for c in self.commands if c[:2] == ["SET", "VARIABLE"]}


class Mute:
    """A ``RecordingMute`` port: appends ``["MUTE"|"UNMUTE", channel]`` to ``log`` (a ``Pbx``'s commands), then
    fails with the next of ``failures`` (None: succeeds; "hang": never answers)."""

    def __init__(self, log: list[list[str]], failures: list[Exception | str | None] | None = None) -> None:
        self.log = log
        self.failures = list(failures or [])

    async def set_muted(self, channel: str, muted: bool) -> None:
        self.log.append(["MUTE" if muted else "UNMUTE", channel])
        failure = self.failures.pop(0) if self.failures else None
        if failure == "hang":
            await asyncio.Event().wait()
        elif failure is not None:
            raise failure


async def run_flow(start_agi, pbx: Pbx, profile=LT, publish: Callable | None = None, *, mute: Mute | None = None,
                   mute_timeout: float = 0.2, prompts: PromptSet = PROMPTS, **headers: str):
    """One call through the menu flow; ``headers`` override the AGI request's (e.g. ``agi_channel``)."""
    events: list[object] = []
    preverifications = PreVerifications()

    async def collect(event: object) -> None:
        events.append(event)

    flow = MenuFlow(profile, prompts, publish or collect, preverifications, mute or Mute(pbx.commands))
    flow.muting.timeout = mute_timeout
    server = await start_agi(routes={"ivr": flow})
    call = await FakeAgiCall.connect(server.port, **headers)
    await asyncio.wait_for(pbx.serve(call), 10)
    return events, preverifications, server


def steps(events) -> list[tuple[str, str, str, str | None]]:
    return [(e.step, e.choice, e.outcome, e.topic) for e in events if isinstance(e, IvrStepRecorded)]
