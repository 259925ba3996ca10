"""Demo traffic on the sandbox's real SIP network: softphones with different answer habits and a stream of callers.

Agents (baresip softphones registered with the SIP accounts hotline provisions) answer on the 1st ring, the 3rd
ring, or never, so the call list, the ring SLA and callbacks all have something to show. Callers dial in from the
sandbox's public network through the trunk, with RTP speech and RFC 4733 keys. Caller numbers are fictitious
(+3706000xxxx).
"""
from __future__ import annotations

import asyncio
import logging
import random
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from core.policy import PolicyProfile, load_profile
from core.ports import Employee
from core.settings import Settings
from directory import EmployeeDirectoryService
from hotline.pbx.ami_probe import send_action
from hotline.pbx.credentials import ami_credentials
from hotline.pbx.network import PEER_ENDPOINT, network_settings, speech_cache
from hotline.pbx.softphone import BARESIP, Behaviour, Softphone
from hotline.pbx.speech import PHRASES, phrase_wav

log = logging.getLogger(__name__)

# extension -> seconds before answering (None = lets it ring out)
DEMO_AGENTS: dict[str, float | None] = {"101": 1.0, "102": 2.0, "103": 12.0, "104": None}
SendAction = Callable[[dict], Awaitable[dict]]


@dataclass(frozen=True)
class DemoCall:
    dialed: str
    caller: str
    talk_seconds: int
    dtmf: str = ""


def originate_action(call: DemoCall) -> dict:
    """AMI Originate, on the sandbox's network, of a caller dialling the hotline through its trunk."""
    variables = [f"CALLER_TALK={call.talk_seconds}"]
    if call.dtmf:
        variables.append(f"CALLER_DTMF={call.dtmf}")
    return {
        "Action": "Originate", "Channel": f"PJSIP/{call.dialed}@{PEER_ENDPOINT}", "Context": "network-callers",
        "Exten": "s", "Priority": "1", "CallerID": f'"Demo" <{call.caller}>', "Timeout": "60000",
        "Async": "true", "Variable": variables,
    }


class DemoPhones:
    """The demo agents' softphones: each start gives them new passwords (the demo is the only holder)."""

    def __init__(self, accounts, endpoints, settings: Settings) -> None:
        self.accounts, self.endpoints, self.settings = accounts, endpoints, settings
        self.phones: list[Softphone] = []

    async def start(self) -> None:
        if shutil.which(BARESIP) is None:
            log.warning("demo: baresip is not installed, so no softphone answers (apt-get install baresip-core)")
            return
        passwords = {ext: await self.accounts.rotate(ext, "demo") for ext in DEMO_AGENTS}
        await self.endpoints.apply()
        voice = load_profile(self.settings.profile).language
        speech = await asyncio.to_thread(phrase_wav, speech_cache(self.settings), voice, PHRASES[voice]["agent"],
                                         lead_seconds=1.0, pad_seconds=300)
        for ext, answer_after in DEMO_AGENTS.items():
            phone = Softphone(ext, passwords[ext], f"127.0.0.1:{self.settings.sip_port}",
                              Path(self.settings.var_dir) / "demo-phones" / ext, speech, Behaviour(answer_after))
            await phone.start()
            self.phones.append(phone)

    async def stop(self) -> None:
        await asyncio.gather(*(phone.stop() for phone in self.phones))


# the demo agent whose softphone may be unreachable gets a (fictitious) fallback mobile number
DEMO_FALLBACK_NUMBERS = {"102": "+37060009102"}


async def seed_demo_employees(directory: EmployeeDirectoryService, profile: PolicyProfile) -> bool:
    """Demo agents 101-104 in every profile queue, when the directory is empty; True when it seeded them."""
    if not await directory.is_empty():
        return False
    queues = tuple(queue.name for queue in profile.queues)
    await directory.upsert(actor="demo", rows=[
        Employee(extension=ext, name=f"Demo agent {ext}", unit="Demo", competences=queues,
                 fallback_number=DEMO_FALLBACK_NUMBERS.get(ext), active=True)
        for ext in DEMO_AGENTS
    ])
    return True


def random_call(rng: random.Random, public_number: str) -> DemoCall:
    dialed = public_number if rng.random() < 0.85 else rng.choice(list(DEMO_AGENTS))
    return DemoCall(dialed=dialed, caller=f"+3706000{rng.randrange(10000):04d}",
                    talk_seconds=rng.randrange(30, 70), dtmf=rng.choice(["", "w1", "w2", "w3", "w0"]))


async def run_demo_traffic(send: SendAction, public_number: str, interval: float = 8.0,
                           seed: int | None = None) -> None:
    """Place a call every ``interval`` seconds (jittered) for as long as the task runs."""
    rng = random.Random(seed)
    while True:
        try:
            await send(originate_action(random_call(rng, public_number)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the demo must never take the service down
            log.warning("demo call not placed: %s", exc)
        await asyncio.sleep(interval * rng.uniform(0.5, 1.5))


def network_sender(settings: Settings) -> SendAction:
    """One-shot AMI actions on the sandbox's public network (the callers' side)."""
    credentials = ami_credentials(network_settings(settings))

    async def send(action: dict) -> dict:
        return await send_action(credentials, action)
    return send
