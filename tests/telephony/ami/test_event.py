"""The reader's fast event parser gives what panoramisk's ``Message.from_line`` gives, on recorded real traffic and
on the odd cases (a repeated header, a line that is no header, an empty last value, another case)."""
from __future__ import annotations

from pathlib import Path

import pytest
from panoramisk.message import Message

from telephony.ami.event import AmiEvent, parse_event

ROOT = Path(__file__).resolve().parents[3]
RECORDED = [ROOT / "bench" / "data" / "ami_stream.txt", *sorted((ROOT / "tests" / "fixtures" / "ami").glob("*.txt"))]


def events_of(path: Path) -> list[str]:
    text = path.read_text().replace("\r\n", "\n").replace("\n", "\r\n")
    return [part.strip() for part in text.split("\r\n\r\n") if part.strip().startswith("Event: ")]


@pytest.mark.parametrize("path", RECORDED, ids=lambda path: path.name)
def test_every_recorded_event_parses_to_what_panoramisk_reads(path):
    parts = events_of(path)
    assert parts
    for part in parts:
        ours, theirs = parse_event(part), Message.from_line(part)
        # ``content`` is panoramisk's body field (and an artefact of the older recordings), not a header
        assert ({key: value for key, value in ours.items() if key != "content"}
                == {key: theirs[key] for key in theirs if key != "content"}), part.splitlines()[0]


def test_headers_in_another_case_are_found_as_panoramisk_finds_them():
    event = parse_event("Event: Hangup\r\nUniqueid: 1.2\r\nCause: 16")
    assert isinstance(event, AmiEvent)
    assert (event["Uniqueid"], event["uniqueid"], event.get("UNIQUEID"), event.get("Linkedid")) == (
        "1.2", "1.2", "1.2", None)
    assert "cause" in event and "Cause" in event and "Channel" not in event and 3 not in event
    with pytest.raises(KeyError):
        event["Channel"]


def test_a_repeated_header_is_a_list_a_line_without_a_header_is_skipped_an_empty_last_value_kept():
    event = parse_event("Event: VarSet\r\nChanVariable: A=1\r\nnot a header\r\nChanVariable: B=2\r\nAccountCode: ")
    assert dict(event) == {"Event": "VarSet", "ChanVariable": ["A=1", "B=2"], "AccountCode": ""}
    assert event.action_id is None and event.success and event.content == ""
    assert parse_event("Event: X\r\nActionID: 7").action_id == "7"


def test_past_the_learnt_names_a_miss_scans_the_event(monkeypatch):
    monkeypatch.setattr("telephony.ami.event.MAX_HEADER_NAMES", 0)   # as if a stream had invented names without end
    event = parse_event("Event: Newstate\r\nChannelStateDesc: Up")
    assert (event.get("channelstatedesc"), event.get("ChannelState")) == ("Up", None)
