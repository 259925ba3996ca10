"""AMI events as plain dicts of their headers, parsed fast: the reader's hot path.

panoramisk's ``Message`` keeps every header in a case-insensitive mapping written in Python (a lower-cased copy
of each key, a tuple per value, Python-level ``__setitem__``/``get``), which made parsing the largest share of
hotline's time per AMI event. An :class:`AmiEvent` is a ``dict`` built in one C-level call; reading a header in
the case Asterisk sends it is a plain dict lookup. A key in another case is still found (as panoramisk finds it):
the header names Asterisk sends are few, so the parser remembers them (``HEADER_NAMES``), and a miss tries the
other spellings of the same name, each a plain lookup again. Replies to actions (rare, and some carry a body) stay
panoramisk ``Message``s.
"""
from __future__ import annotations

from typing import Any

EOL = "\r\n"
SEPARATOR = ": "


MAX_HEADER_NAMES = 10_000   # a stream inventing header names without end stops being learnt (misses then scan)
HEADER_NAMES: set[str] = set()   # every header name seen, in Asterisk's spelling
_spellings: dict[str, tuple[str, ...]] = {}   # lower-cased name -> its spellings seen
_indexed = 0   # len(HEADER_NAMES) when _spellings was last built


def _spellings_of(key: str) -> tuple[str, ...] | None:
    """The spellings of ``key``'s name seen so far; None when the names are not being learnt."""
    global _indexed
    if len(HEADER_NAMES) > MAX_HEADER_NAMES:
        return None
    if _indexed != len(HEADER_NAMES):   # new names since the last miss (rare once the stream has been seen)
        index: dict[str, list[str]] = {}
        for name in HEADER_NAMES:
            index.setdefault(name.lower(), []).append(name)
        _spellings.clear()
        _spellings.update((folded, tuple(names)) for folded, names in index.items())
        _indexed = len(HEADER_NAMES)
    return _spellings.get(key.lower(), ())


class AmiEvent(dict):
    """One AMI event: header -> value (a list when Asterisk repeated the header)."""

    __slots__ = ()
    content = ""   # events carry no body (panoramisk's ``Message.content``)
    success = True

    def __missing__(self, key: str) -> Any:
        # d[key] missed in the case asked for: the same name in another spelling?
        spellings = _spellings_of(key)
        if spellings is None:   # not learnt: scan this event's names
            folded = key.lower()
            spellings = tuple(name for name in dict.keys(self) if name.lower() == folded)
        for name in spellings:
            if dict.__contains__(self, name):
                return dict.__getitem__(self, name)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        try:
            self[key]   # type: ignore[index]
        except (KeyError, AttributeError):
            return False
        return True

    @property
    def action_id(self) -> str | None:
        """The ActionID an event carries when it answers one of our actions (a list's entries)."""
        return dict.get(self, "ActionID")


def parse_event(text: str) -> AmiEvent:
    """The event in ``text`` (its header lines, separated by CRLF, without the closing blank line)."""
    lines = text.split(EOL)
    try:
        event = AmiEvent(line.split(SEPARATOR, 1) for line in lines)   # one C loop for the common case
    except ValueError:   # a line that is no "Key: value" header
        return _parse_carefully(lines)
    if len(event) != len(lines):   # a repeated header: panoramisk's convention, a list of its values
        return _parse_carefully(lines)
    HEADER_NAMES.update(event)   # a set update from the dict's keys: one C call
    return event


def _parse_carefully(lines: list[str]) -> AmiEvent:
    event = AmiEvent()
    for line in lines:
        key, separator, value = line.partition(SEPARATOR)
        if not separator:
            continue   # not a header (as panoramisk skips it)
        if dict.__contains__(event, key):
            previous = dict.__getitem__(event, key)
            event[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            event[key] = value
    HEADER_NAMES.update(event)
    return event
