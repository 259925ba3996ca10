"""AMI events as plain dicts of their headers, parsed fast: the reader's hot path.

panoramisk's ``Message`` keeps every header in a case-insensitive mapping written in Python (a lower-cased copy
of each key, a tuple per value, Python-level ``__setitem__``/``get``), which made parsing the largest share of
hotline's time per AMI event. An :class:`AmiEvent` is a ``dict`` built in one C-level call; reading a header in
the case Asterisk sends it is a plain dict lookup. A key in another case is still found (as panoramisk finds it),
through a lower-cased index built the first time one is asked for. Replies to actions (rare, and some carry a
body) stay panoramisk ``Message``s.
"""
from __future__ import annotations

from typing import Any

EOL = "\r\n"
SEPARATOR = ": "


class AmiEvent(dict):
    """One AMI event: header -> value (a list when Asterisk repeated the header)."""

    __slots__ = ("_folded",)
    content = ""   # events carry no body (panoramisk's ``Message.content``)
    success = True

    def __missing__(self, key: str) -> Any:
        # d[key] missed in Asterisk's own case: look the key up case-insensitively
        try:
            folded = self._folded
        except AttributeError:
            folded = self._folded = {name.lower(): name for name in dict.keys(self)}
        name = folded.get(key.lower())
        if name is None:
            raise KeyError(key)
        return dict.__getitem__(self, name)

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
        return self.get("ActionID")


def parse_event(text: str) -> AmiEvent:
    """The event in ``text`` (its header lines, separated by CRLF, without the closing blank line)."""
    lines = text.split(EOL)
    try:
        event = AmiEvent(line.split(SEPARATOR, 1) for line in lines)   # one C loop for the common case
    except ValueError:   # a line that is no "Key: value" header
        return _parse_carefully(lines)
    if len(event) != len(lines):   # a repeated header: panoramisk's convention, a list of its values
        return _parse_carefully(lines)
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
    return event
