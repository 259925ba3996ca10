"""HTTP byte ranges (RFC 7233) of a recording's file: the three single-range forms, what is ignored (several ranges,
a malformed header: the whole file) and what is unsatisfiable (416)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recording.listening import ByteRange, RangeNotSatisfiable, parse_range


@pytest.mark.parametrize("header, expected", [
    ("bytes=0-99", ByteRange(0, 99)),
    ("bytes=100-", ByteRange(100, 999)),
    ("bytes=-100", ByteRange(900, 999)),
    ("bytes=-5000", ByteRange(0, 999)),          # a suffix longer than the file: all of it
    ("bytes=990-5000", ByteRange(990, 999)),     # an end past the file's: cut to it
    ("Bytes = 5 - 9", ByteRange(5, 9)),
])
def test_each_single_range_form_gives_its_bytes(header, expected):
    assert parse_range(header, 1000) == expected
    assert expected.content_range(1000) == f"bytes {expected.start}-{expected.end}/1000"


@pytest.mark.parametrize("header", [None, "bytes=0-9,20-29", "items=0-9", "bytes=abc", "bytes=-", "bytes=9-2", ""])
def test_several_ranges_and_malformed_headers_are_answered_whole(header):
    assert parse_range(header, 1000) is None


@pytest.mark.parametrize("header, size", [("bytes=1000-", 1000), ("bytes=5000-6000", 1000), ("bytes=-0", 1000),
                                          ("bytes=0-", 0), ("bytes=-10", 0)])
def test_a_range_outside_the_file_is_unsatisfiable(header, size):
    with pytest.raises(RangeNotSatisfiable) as refused:
        parse_range(header, size)
    assert refused.value.size == size


@given(size=st.integers(1, 10_000), start=st.integers(0, 20_000), end=st.integers(0, 20_000) | st.none())
def test_any_satisfiable_range_lies_inside_the_file_and_starts_where_asked(size, start, end):
    header = f"bytes={start}-{'' if end is None else end}"
    try:
        found = parse_range(header, size)
    except RangeNotSatisfiable:
        assert start >= size
        return
    if end is not None and end < start:
        assert found is None
        return
    assert found.start == start and 0 <= found.start <= found.end < size and found.length >= 1
