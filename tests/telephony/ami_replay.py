"""Load recorded AMI traffic (tests/fixtures/ami/*.txt, recorded from the sandbox by bench/record_ami_stream.py)."""
from __future__ import annotations

from pathlib import Path

from panoramisk.message import Message

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ami"


def recorded(name: str) -> list[Message]:
    text = (FIXTURES / f"{name}.txt").read_text().replace("\r\n", "\n")
    messages = []
    for block in text.split("\n\n"):
        headers = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "Event" in headers:
            messages.append(Message(headers))
    return messages
