"""Builds the IVR for the composition root: prompts, the menu flow on the ``ivr`` route, the step writer.

``setup`` must run before the bus starts (it subscribes the step writer); ``start``/``stop`` open and close the
FastAGI listener on ``settings.agi_host:agi_port``.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.dialplan import AGI_IVR_PATH
from core.deps import Dependencies
from core.events import IvrStepRecorded
from ivr_flows.agi_server import AgiServer
from ivr_flows.flows import MenuFlow
from ivr_flows.preverify import PreVerifications
from ivr_flows.prompts import PromptBuilder, PromptSet, SoundsDirs
from ivr_flows.step_store import IvrStepWriter


@dataclass
class IvrFlows:
    server: AgiServer
    flow: MenuFlow
    prompts: PromptSet
    preverifications: PreVerifications
    host: str
    port: int

    async def start(self) -> None:
        await self.server.start(self.host, self.port)

    async def stop(self) -> None:
        await self.server.stop()


def prompt_texts(deps: Dependencies) -> dict[str, str]:
    return deps.profile.prompts.model_dump()


async def setup(deps: Dependencies, sounds: SoundsDirs) -> IvrFlows:
    prompts = await PromptBuilder(sounds, deps.profile.language).build(prompt_texts(deps))
    preverifications = PreVerifications()
    flow = MenuFlow(deps.profile, prompts, deps.bus.publish, preverifications)
    server = AgiServer.from_settings(deps.settings)
    server.add_route(AGI_IVR_PATH, flow)
    deps.bus.subscribe("ivr_steps", IvrStepWriter(deps.engine).write, IvrStepRecorded, durable=True)
    return IvrFlows(server, flow, prompts, preverifications, deps.settings.agi_host, deps.settings.agi_port)
