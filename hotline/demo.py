"""Demo traffic for the sandbox PBX: simulated agents with different answer habits and a stream of callers.

Agents answer on the 1st ring, on the 3rd ring, or never, so the call list, the ring SLA and callbacks all have
something to show. Caller numbers are fictitious (+3706000xxxx).
"""
from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

from core.policy import PolicyProfile
from core.ports import AmiPort, Employee
from directory import EmployeeDirectoryService

log = logging.getLogger(__name__)

# extension -> seconds before answering ("never" = lets it ring out)
DEMO_AGENTS = {"101": "1", "102": "2", "103": "12", "104": "never"}


@dataclass(frozen=True)
class DemoCall:
    dialed: str
    caller: str
    talk_seconds: int
    dtmf: str = ""


def originate_action(call: DemoCall) -> dict:
    """AMI Originate of a simulated caller (context sandbox-caller of the sandbox dialplan)."""
    variables = [f"SANDBOX_TALK={call.talk_seconds}"]
    if call.dtmf:
        variables.append(f"SANDBOX_DTMF={call.dtmf}")
    return {
        "Action": "Originate", "Channel": f"Local/{call.dialed}@from-pstn", "Context": "sandbox-caller",
        "Exten": "s", "Priority": "1", "CallerID": f'"Demo" <{call.caller}>', "Timeout": "60000",
        "Async": "true", "Variable": variables,
    }


async def configure_agents(ami: AmiPort, agents: dict[str, str] = DEMO_AGENTS, talk_seconds: int = 20) -> None:
    for ext, answer_after in agents.items():
        await ami.action({"Action": "DBPut", "Family": f"sandbox/{ext}", "Key": "answer_after", "Val": answer_after})
        await ami.action({"Action": "DBPut", "Family": f"sandbox/{ext}", "Key": "talk", "Val": str(talk_seconds)})


# the demo agent whose softphone may be unreachable gets a (fictitious) fallback mobile number
DEMO_FALLBACK_NUMBERS = {"102": "+37060009102"}


async def seed_demo_employees(directory: EmployeeDirectoryService, profile: PolicyProfile) -> bool:
    """Demo agents 101-104 in every profile queue, when the directory is empty; True when it seeded them."""
    if not await directory.is_empty():
        return False
    queues = tuple(queue.name for queue in profile.queues)
    await directory.upsert([
        Employee(extension=ext, name=f"Demo agent {ext}", unit="Demo", competences=queues,
                 fallback_number=DEMO_FALLBACK_NUMBERS.get(ext), active=True)
        for ext in DEMO_AGENTS
    ])
    return True


def random_call(rng: random.Random, public_number: str) -> DemoCall:
    dialed = public_number if rng.random() < 0.85 else rng.choice(list(DEMO_AGENTS))
    return DemoCall(dialed=dialed, caller=f"+3706000{rng.randrange(10000):04d}",
                    talk_seconds=rng.randrange(15, 45), dtmf=rng.choice(["", "w1", "w2", "w3", "w0"]))


async def run_demo_traffic(ami: AmiPort, public_number: str, interval: float = 8.0, seed: int | None = None) -> None:
    """Place a call every ``interval`` seconds (jittered) for as long as the task runs."""
    rng = random.Random(seed)
    configured = False
    while True:
        try:
            if ami.connected:
                if not configured:
                    await configure_agents(ami)
                    configured = True
                await ami.action(originate_action(random_call(rng, public_number)), timeout=5)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the demo must never take the service down
            log.warning("demo call not placed: %s", exc)
        await asyncio.sleep(interval * rng.uniform(0.5, 1.5))
