"""Property tests of the AMI reader (AmiReader fed directly): split, truncated, oversized and non-UTF-8 input
never raises, never holds more than the message limit, and well-formed messages after garbage are parsed."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telephony.ami.models import AmiStats
from telephony.ami.protocol import AmiReader
from tests.telephony.ami.ami_peer import encode_message

LIMIT = 512
GREETING = b"Asterisk Call Manager/9.0.0\r\n"
fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class FakeTransport:
    def __init__(self) -> None:
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def new_reader() -> tuple[AmiReader, list, AmiStats, FakeTransport]:
    received: list = []
    stats = AmiStats()
    reader = AmiReader(lambda _reader, batch: received.extend(batch), lambda _reader, reason: None, stats, LIMIT)
    transport = FakeTransport()
    reader.connection_made(transport)
    return reader, received, stats, transport


def feed(reader: AmiReader, data: bytes, cuts: list[int]) -> None:
    points = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for start, end in zip(points, points[1:]):
        reader.data_received(data[start:end])


words = st.text(alphabet="abcXYZ019 -+.ąčęėįšųūžĀŽ/", min_size=1, max_size=30).map(str.strip).filter(bool)
messages = st.lists(st.fixed_dictionaries({"Event": st.sampled_from(["Newchannel", "Hangup", "VarSet", "Ąžuolas"]),
                                           "Linkedid": words, "CallerIDName": words}), min_size=1, max_size=5)
cuts = st.lists(st.integers(min_value=0, max_value=10_000), max_size=12)


@fuzz
@given(garbage=st.binary(max_size=2000), cut_points=cuts)
def test_any_bytes_split_anywhere_never_raise_and_stay_bounded(garbage, cut_points):
    reader, received, stats, transport = new_reader()
    feed(reader, GREETING + garbage, cut_points)
    assert reader.buffered_chars <= LIMIT
    assert not transport.aborted


@fuzz
@given(garbage=st.binary(max_size=3 * LIMIT), good=messages, cut_points=cuts)
def test_well_formed_messages_after_garbage_are_parsed_intact(garbage, good, cut_points):
    reader, received, stats, transport = new_reader()
    stream = GREETING + garbage + b"\r\n\r\n" + b"".join(encode_message(m) for m in good)
    feed(reader, stream, cut_points)
    parsed = [{k: m[k] for k in ("Event", "Linkedid", "CallerIDName")} for m in received[-len(good):]]
    assert parsed == good
    assert reader.buffered_chars == 0


@fuzz
@given(size=st.integers(min_value=LIMIT + 1, max_value=8 * LIMIT), good=messages, cut_points=cuts,
       with_blank_line_first=st.booleans())
def test_oversized_messages_are_discarded_counted_and_followed_by_good_ones(size, good, cut_points,
                                                                           with_blank_line_first):
    reader, received, stats, transport = new_reader()
    oversized = b"Event: Huge\r\nData: " + b"y" * size
    if with_blank_line_first:  # a complete but too long message, or one that never ends before the next
        oversized += b"\r\n\r\n"
    stream = GREETING + oversized + b"\r\n\r\n" + b"".join(encode_message(m) for m in good)
    feed(reader, stream, cut_points)
    assert [m["Linkedid"] for m in received] == [m["Linkedid"] for m in good]
    assert stats.parse_errors >= 1
    assert reader.buffered_chars == 0


@fuzz
@given(good=messages, cut_points=cuts, junk=st.binary(min_size=1, max_size=4).filter(lambda b: b"\r" not in b))
def test_invalid_utf8_becomes_replacement_characters_and_nothing_else_is_lost(good, cut_points, junk):
    reader, received, stats, transport = new_reader()
    raw = encode_message(good[0]).replace(b"CallerIDName: ", b"CallerIDName: a" + junk + b"b\r\nX: ", 1)
    feed(reader, GREETING + raw + b"".join(encode_message(m) for m in good[1:]), cut_points)
    assert len(received) == len(good)
    name = received[0]["CallerIDName"]
    assert name.startswith("a") and name.endswith("b")
    assert name[1:-1] == junk.decode("utf-8", "replace")
    assert [m["Linkedid"] for m in received] == [m["Linkedid"] for m in good]


def test_greeting_is_taken_even_when_split_and_its_version_kept():
    reader, received, stats, transport = new_reader()
    follows = b"Response: Follows\r\nActionID: 1\r\nPrivilege: Command\r\nuptime 5 s\r\n--END COMMAND--\r\n\r\n"
    feed(reader, GREETING + follows, [5, 20, 29, 30])
    assert reader.version == "9.0.0"
    # the body is recognised only if the banner is not glued in front of "Response: Follows"
    assert [(m["ActionID"], m.content) for m in received] == [("1", "--END COMMAND--")]
    assert stats.parse_errors == 0
