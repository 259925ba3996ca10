"""Recorded AMI traffic (tests/fixtures/ami/*.txt, recorded from the sandbox by bench/record_ami_stream.py), and what
the call model and the ring meter make of it (its domain events, stored)."""
from __future__ import annotations

from pathlib import Path

from panoramisk.message import Message

from core.dialplan import CONTEXT_FROM_PSTN, CONTEXT_PUBLIC
from core.policy import load_profile
from telephony.calls.store import CallStoreWriter
from telephony.calls.tracker import CallTracker
from telephony.rings.meter import RingMeter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ami"
INBOUND = (CONTEXT_FROM_PSTN, CONTEXT_PUBLIC)
LT = load_profile("lt-employment-1883").ring_sla


def recorded(name: str) -> list[Message]:
    text = (FIXTURES / f"{name}.txt").read_text().replace("\r\n", "\n")
    messages = []
    for block in text.split("\n\n"):
        headers = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "Event" in headers:
            messages.append(Message(headers))
    return messages


def domain_events(name: str) -> list:
    """The call and ring events the tracker and the LT ring meter make of recording ``name``."""
    tracker = CallTracker(INBOUND)
    meter = RingMeter(tracker, LT)
    out = []
    for event in recorded(name):
        out.extend(tracker.handle(event))
        out.extend(meter.handle(event))
    return out


async def store(engine, *names: str, batch_size: int = 500) -> None:
    """The domain events of the recordings ``names``, written by the call store writer."""
    writer = CallStoreWriter(engine, batch_size=batch_size)
    for name in names:
        for event in domain_events(name):
            await writer(event)
    await writer.close()
