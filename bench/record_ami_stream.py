"""Record real AMI traffic from the sandbox PBX into files, for the benchmark and for replay unit tests.

    .venv/bin/python bench/record_ami_stream.py            # needs `hotline pbx up`; writes the files below

Each scenario is placed alone on an idle PBX and recorded from the first event to the last hangup, as the raw
text Asterisk sent (``Key: Value`` lines, blank line between messages). Callers dial in through the trunk from the
sandbox's network and the agents' desk phones answer (hotline/pbx/desk_phones.py). The files in the repository
were recorded with the earlier Local-channel simulators (their replay tests expect those channel names); a new
recording changes those expectations.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import dialplan  # noqa: E402
from core.settings import Settings  # noqa: E402
from hotline.demo import DemoCall, originate_action  # noqa: E402
from hotline.pbx.network import network_settings  # noqa: E402
from hotline.pbx.render import dial_globals  # noqa: E402
from hotline.service import ami_config  # noqa: E402
from telephony.ami import AmiClient  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "ami"
STREAM = ROOT / "bench" / "data" / "ami_stream.txt"

# name -> (agent answer delays, calls to place)
SCENARIOS = {
    "queue_answered": ({"101": "2", "102": "2", "103": "2", "104": "2"}, [DemoCall("1883", "+37060000001", 8)]),
    "queue_abandoned": ({e: "never" for e in ("101", "102", "103", "104")}, [DemoCall("1883", "+37060000002", 4)]),
    "direct_answered": ({"101": "1"}, [DemoCall("101", "+37060000003", 6)]),
    "mixed": ({"101": "1", "102": "3", "103": "12", "104": "never"},
              [DemoCall("1883", f"+3706000010{i}", 6 + i, dtmf="w1" if i % 2 else "") for i in range(6)]
              + [DemoCall("102", "+37060000200", 5)]),
}


async def configure_agents(net: AmiClient, agents: dict[str, str], talk_seconds: int) -> None:
    """The desk phones' answer times and talk (the network's AstDB network/agent/<ext>/...)."""
    for ext, answer_after in agents.items():
        family = f"{dialplan.ASTDB_AGENT_FAMILY}/{ext}"
        await net.action({"Action": "DBPut", "Family": family, "Key": dialplan.ASTDB_ANSWER_AFTER, "Val": answer_after})
        await net.action({"Action": "DBPut", "Family": family, "Key": dialplan.ASTDB_TALK, "Val": str(talk_seconds)})


async def dial_desk_phones(ami: AmiClient, settings: Settings) -> None:
    """The hotline PBX rings the sandbox's desk phones (what the tests' sandbox dials), not the demo's softphones."""
    for line in dial_globals(dialplan.SANDBOX_DEVICE_TEMPLATE, settings.pbx_trunk_template).splitlines():
        name, _, value = line.partition(" = ")
        await ami.action({"Action": "Setvar", "Variable": name, "Value": value})


def as_text(event) -> str:
    return "".join(f"{key}: {value}\r\n" for key, value in event.items()) + "\r\n"


async def idle(ami: AmiClient) -> bool:
    channels = await ami.action_list({"Action": "CoreShowChannels"})
    return not [c for c in channels if c.get("Event") == "CoreShowChannel"]


async def record(ami: AmiClient, net: AmiClient, agents: dict, calls: list[DemoCall]) -> str:
    while not await idle(ami):
        await asyncio.sleep(0.5)
    await configure_agents(net, agents, talk_seconds=3)
    captured: list[str] = []
    ami.on_event(lambda event: captured.append(as_text(event)))
    for call in calls:
        await net.action(originate_action(call))
        await asyncio.sleep(0.3)
    await asyncio.sleep(1)
    while not await idle(ami):
        await asyncio.sleep(0.5)
    await asyncio.sleep(0.5)
    ami._dispatcher.event_handlers.pop()  # this scenario's recorder
    return "".join(captured)


async def main() -> None:
    settings = Settings()
    ami, net = AmiClient(ami_config(settings)), AmiClient(ami_config(network_settings(settings)))
    for client in (ami, net):
        await client.start()
        await client.wait_connected(10)
    await dial_desk_phones(ami, settings)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    STREAM.parent.mkdir(parents=True, exist_ok=True)
    try:
        for name, (agents, calls) in SCENARIOS.items():
            text = await record(ami, net, agents, calls)
            target = STREAM if name == "mixed" else FIXTURES / f"{name}.txt"
            target.write_text(text)
            print(f"{name}: {text.count(chr(13) + chr(10) * 2) or text.count('Event: ')} messages -> {target}")
    finally:
        await ami.stop()
        await net.stop()


if __name__ == "__main__":
    asyncio.run(main())
