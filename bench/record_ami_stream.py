"""Record real AMI traffic from the sandbox PBX into files, for the benchmarks and for replay unit tests.

    .venv/bin/python bench/record_ami_stream.py             # the benchmarks' stream, bench/data/ami_stream.txt
    .venv/bin/python bench/record_ami_stream.py --fixtures  # tests/fixtures/ami/*.txt (needs `hotline pbx up`)

The benchmarks' stream is recorded on a sandbox instance of its own (started and stopped here) with the service
running as ``hotline run`` does (IVR on; the callback dialer off, so the stream holds the callers' calls only):
callers dial in through the trunk from the sandbox's network, go through the IVR (greeting, consent, menu key 0)
to the queue, where the desk phones (hotline/pbx/desk_phones.py) answer, ring out or are too busy, so callers
abandon; direct lines are answered and missed. Every caller's number is ``+37069990xxx``: the replay gives each
repetition its own callers from it (``bench/ami_replay.py``).

Each scenario is placed alone on an idle PBX and recorded from the first event to the last hangup, as the raw
text Asterisk sent (``Key: Value`` lines, blank line between messages). The fixture files in the repository were
recorded with the earlier Local-channel simulators (their replay tests expect those channel names); a new
recording changes those expectations.
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.whole_service import free_ports  # noqa: E402
from core import dialplan  # noqa: E402
from core.settings import Settings  # noqa: E402
from hotline.demo import DemoCall, originate_action, seed_demo_employees  # noqa: E402
from hotline.pbx import desk_phones, lifecycle  # noqa: E402
from hotline.pbx.network import network_settings  # noqa: E402
from hotline.pbx.render import dial_globals  # noqa: E402
from hotline.service import ami_config, build_service  # noqa: E402
from telephony.ami import AmiClient  # noqa: E402
from telephony.calls.queries import CallFilter, list_calls  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "ami"
STREAM = ROOT / "bench" / "data" / "ami_stream.txt"

# The benchmarks' traffic: 101-103 answer after 1, 3 and 6 s and talk 8 s, 104 never answers (its rings run out);
# 12 callers press 0 after the IVR's prompts (~17 s) and wait: 6 stay 45 s, 4 give up after 25 s (abandon); 150
# answers its direct line, nobody answers 152 (missed).
MENU_KEY_0 = "w" * 34 + "0"    # SendDTMF's "w" is half a second
TRAFFIC_AGENTS = {"101": "1", "102": "3", "103": "6", "104": "never", "150": "1", "152": "never"}
TRAFFIC = ([DemoCall("1883", f"+370699900{i:02d}", 45, dtmf=MENU_KEY_0) for i in range(6)]
           + [DemoCall("1883", f"+370699901{i:02d}", 25, dtmf=MENU_KEY_0) for i in range(4)]
           + [DemoCall("150", "+37069990200", 10), DemoCall("152", "+37069990201", 14)])

# fixtures: name -> (agent answer delays, calls to place)
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


async def record(ami: AmiClient, net: AmiClient, agents: dict, calls: list[DemoCall], talk_seconds: int = 3) -> str:
    while not await idle(ami):
        await asyncio.sleep(0.5)
    await configure_agents(net, agents, talk_seconds)
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


async def record_fixtures() -> None:
    settings = Settings()
    ami, net = AmiClient(ami_config(settings)), AmiClient(ami_config(network_settings(settings)))
    for client in (ami, net):
        await client.start()
        await client.wait_connected(10)
    await dial_desk_phones(ami, settings)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    try:
        for name, (agents, calls) in SCENARIOS.items():
            text = await record(ami, net, agents, calls)
            (FIXTURES / f"{name}.txt").write_text(text)
            print(f"{name}: {text.count('Event: ')} events -> {FIXTURES / name}.txt")
    finally:
        await ami.stop()
        await net.stop()


def recording_settings(tmp: Path) -> Settings:
    ami, agi, sip, network_sip, network_ami, http = free_ports(6)
    return Settings(pbx_instance="bench-record", ami_port=ami, agi_port=agi, sip_port=sip, http_port=http,
                    sandbox_network_sip_port=network_sip, sandbox_network_ami_port=network_ami, var_dir=tmp,
                    pbx_device_template=dialplan.SANDBOX_DEVICE_TEMPLATE, callback_dialer=False)


async def record_traffic() -> None:
    """The benchmarks' stream, with the service running on an instance of its own."""
    with tempfile.TemporaryDirectory(prefix="hotline-record-") as tmp:
        settings = recording_settings(Path(tmp))
        await lifecycle.up(settings)
        service = build_service(settings)
        await service.start()
        ami, net = AmiClient(ami_config(settings)), AmiClient(ami_config(network_settings(settings)))
        try:
            for client in (ami, net):
                await client.start()
            for client in (service.ami, ami, net):
                await client.wait_connected(15)
            await seed_demo_employees(service.directory, service.profile)
            await service.telephony.directory_changed()
            await wait_registered(ami, TRAFFIC_AGENTS)
            text = await record(ami, net, TRAFFIC_AGENTS, TRAFFIC, talk_seconds=8)
            STREAM.parent.mkdir(parents=True, exist_ok=True)
            STREAM.write_text(text)
            print(f"traffic: {text.count('Event: ')} events -> {STREAM}")
            await service.settle()
            for call in await list_calls(service.engine, CallFilter()):   # what the service made of it
                print(f"  {call.dialed:>5} {call.caller} {call.ended_cause or call.state} "
                      f"{' > '.join(state.state for state in call.states)}")
            for task in await service.telephony.callbacks.service.list():
                print(f"  callback {task.number} {task.reasons}")
        finally:
            for client in (ami, net):
                await client.stop()
            await service.stop()
            await lifecycle.down(settings, purge=True)


async def wait_registered(ami: AmiClient, extensions, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        for ext in extensions:
            variable = f"DEVICE_STATE(PJSIP/{desk_phones.endpoint(ext)})"
            while (await ami.action({"Action": "Getvar", "Variable": variable})).get("Value") != "NOT_INUSE":
                await asyncio.sleep(0.2)


if __name__ == "__main__":
    asyncio.run(record_fixtures() if "--fixtures" in sys.argv[1:] else record_traffic())
