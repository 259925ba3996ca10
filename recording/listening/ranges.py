"""HTTP byte ranges of a recording's file (RFC 7233): ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n``, one range.

A request for several ranges is answered as if it asked for none (the whole file, 200): RFC 7233 §3.1 lets a
server ignore ``Range``, and an audio element asks for one range at a time, so multipart answers are not worth
their code. A malformed header is ignored the same way (§3.1); a well-formed range that lies wholly past the end
is unsatisfiable (416, with ``Content-Range: bytes */size``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


class RangeNotSatisfiable(ValueError):
    """The range asked for lies outside the file."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the range lies outside the file's {size} bytes")
        self.size = size


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int          # inclusive, as Content-Range writes it

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range ``header`` asks for within a file of ``size`` bytes, None for the whole file (no header, a
    malformed one, several ranges). Raises RangeNotSatisfiable for a range past the end (or any of an empty file)."""
    if header is None:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _RANGE.match(spec)
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":                      # bytes=-n: the last n bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if last != "" and int(last) < start:
        return None                      # syntactically invalid (RFC 7233 §2.1): ignored
    if start >= size:
        raise RangeNotSatisfiable(size)
    return ByteRange(start, size - 1 if last == "" else min(int(last), size - 1))
