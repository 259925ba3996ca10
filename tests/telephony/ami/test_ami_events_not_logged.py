"""AMI events that carry keyed digits or channel variables (DTMFBegin, DTMFEnd, VarSet) reach the client's
subscribers and are never logged, at any level, by our client or by panoramisk, not even when a subscriber fails
on them with an exception that quotes them (issue 12 item 4)."""
from __future__ import annotations

import logging
import re

import pytest

from hotline.log_privacy import PARAMETER_LOGGERS
from telephony.ami import AmiClient, AmiConfig
from tests.telephony.ami.ami_peer import AmiPeer, encode_message, eventually

DIGITS = "7305"            # made up: keyed personal-code digits, one per DTMF event
NUMBER = "+37069912345"    # made up: a caller number in a channel variable


@pytest.fixture
async def peer():
    peer = await AmiPeer(secret="good").start()
    yield peer
    await peer.stop()


def private_events() -> list[dict]:
    events = []
    for digit in DIGITS:
        for name in ("DTMFBegin", "DTMFEnd"):
            events.append({"Event": name, "Channel": "PJSIP/trunk-00000001", "Uniqueid": "1795441186.34",
                           "Digit": digit, "Direction": "Received"})
    events.append({"Event": "VarSet", "Channel": "PJSIP/trunk-00000001", "Uniqueid": "1795441186.34",
                   "Variable": "PERSONAL_CODE_TAIL", "Value": DIGITS})
    events.append({"Event": "VarSet", "Channel": "PJSIP/trunk-00000001", "Uniqueid": "1795441186.34",
                   "Variable": "CALLERID(num)", "Value": NUMBER})
    return events


async def test_dtmf_and_varset_events_reach_subscribers_and_are_never_logged(peer, caplog):
    for name in ("", *PARAMETER_LOGGERS, "telephony", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    seen: list[dict] = []

    async def failing(event) -> None:
        seen.append(dict(event))
        if event.get("Event") in ("DTMFEnd", "VarSet"):   # a bug of a subscriber, quoting what it got
            raise ValueError(f"cannot handle {event.get('Digit') or event.get('Value')}")

    client = AmiClient(AmiConfig(host=peer.host, port=peer.port, username="hotline", secret="good",
                                 action_timeout=2.0, ping_interval=60.0, reconnect_min=0.01, reconnect_max=0.05))
    client.on_event(failing)
    await client.start()
    try:
        await client.wait_connected(5)
        await peer.push(b"".join(encode_message(event) for event in private_events()))
        await eventually(lambda: len(seen) == len(private_events()))
    finally:
        await client.stop()

    assert "".join(e.get("Digit", "") for e in seen if e["Event"] == "DTMFEnd") == DIGITS
    # the subscriber's failures were logged (with frames), so the search below looks at real error records
    failures = [r for r in caplog.records if "AMI subscriber" in r.getMessage()]
    assert failures and all("details withheld" in r.getMessage() for r in failures)
    rendered = caplog.text + "".join(logging.Formatter().format(r) for r in caplog.records)
    assert "ValueError: cannot handle" not in rendered   # frames only: the exception's text is withheld
    # the digits as a token of their own (an ephemeral port such as 37305 is not them)
    assert not re.search(rf"(?<![0-9A-Za-z]){DIGITS}(?![0-9A-Za-z])", rendered)
    assert NUMBER[1:] not in rendered and "PERSONAL_CODE_TAIL" not in rendered and "CALLERID" not in rendered
