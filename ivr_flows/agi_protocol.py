"""The FastAGI wire format, without I/O: header lines → a validated request, reply lines → replies, commands → bytes.

Everything that comes from the socket is untrusted: header names are checked, values are capped and stripped of
control characters, identifiers that end up in logs or events are validated against their expected shape, and
the caller's number is kept out of every ``repr``. Command arguments are quoted the way Asterisk's
``parse_args`` reads them, and a line break in a value is refused, so no value can inject a second command.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

MAX_VALUE_CHARS = 512                 # a header value longer than this is cut (no real one comes close)
MAX_PARAMS = 16                       # query parameters of the script name
HANGUP_LINE = "HANGUP"                # sent by Asterisk on its own line when the channel hangs up

_HEADER_NAME = re.compile(r"agi_[a-z0-9_]{1,48}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CALL_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")                 # uniqueid / linkedid: "1700000000.42", "sbx-…"
_ROUTE = re.compile(r"[A-Za-z0-9_.\-/]{1,64}")
_STATUS = re.compile(r"(\d{3})([ -])(.*)")
_EXTRA = re.compile(r"([a-z]+)=(\S*)")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,63}(\([A-Za-z0-9_,.\-]{0,64}\))?")
_APP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_DIGITS = re.compile(r"[0-9*#]*")


# --- headers ------------------------------------------------------------------------------------------------------

def parse_header_line(line: bytes) -> tuple[str, str] | None:
    """``agi_name: value`` → (name, cleaned value); anything else (no colon, foreign name) → None."""
    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not _HEADER_NAME.fullmatch(name):
        return None
    return name, _CONTROL.sub("", value.strip())[:MAX_VALUE_CHARS]


def split_script(script: str) -> tuple[str, dict[str, str]]:
    """``/ivr/?lang=lt`` → ("ivr", {"lang": "lt"}); a name of unexpected shape → "" (no route matches it)."""
    name, _, query = script.strip().partition("?")
    name = name.strip("/")
    if not _ROUTE.fullmatch(name):
        name = ""
    try:
        params = dict(parse_qsl(query, max_num_fields=MAX_PARAMS))
    except ValueError:  # more than MAX_PARAMS fields
        params = {}
    return name, params


def _script_of_url(url: str) -> str:
    """agi://host:port/<script>?<query> → "<script>?<query>" (only when agi_network_script is missing)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return ""
    if parts.scheme != "agi":
        return ""
    return parts.path + ("?" + parts.query if parts.query else "")


def _call_id(value: str | None) -> str | None:
    return value if value is not None and _CALL_ID.fullmatch(value) else None


@dataclass(frozen=True)
class AgiRequest:
    """One call's AGI environment. Personal fields (caller number and name, DNID, RDNIS) never appear in repr."""

    script: str                                   # route name: "ivr" for agi://host:port/ivr
    params: dict[str, str]                        # query of the script name, if any
    uniqueid: str | None                          # validated; the id we log
    linkedid: str | None                          # only when the PBX sends agi_linkedid (Asterisk does not)
    channel: str = field(repr=False)              # channel names may hold a number (PJSIP/+370…-0001)
    context: str = ""
    extension: str = field(default="", repr=False)
    language: str = ""
    args: tuple[str, ...] = field(default=(), repr=False)
    callerid: str = field(default="", repr=False)
    calleridname: str = field(default="", repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_headers(cls, headers: dict[str, str]) -> AgiRequest:
        script = headers.get("agi_network_script")
        if script is None:
            script = _script_of_url(headers.get("agi_request", ""))
        name, params = split_script(script)
        args = []
        while (arg := headers.get(f"agi_arg_{len(args) + 1}")) is not None:
            args.append(arg)
        return cls(
            script=name, params=params, uniqueid=_call_id(headers.get("agi_uniqueid")),
            linkedid=_call_id(headers.get("agi_linkedid")), channel=headers.get("agi_channel", ""),
            context=headers.get("agi_context", ""), extension=headers.get("agi_extension", ""),
            language=headers.get("agi_language", ""), args=tuple(args), callerid=headers.get("agi_callerid", ""),
            calleridname=headers.get("agi_calleridname", ""), headers=dict(headers),
        )


def valid_call_id(value: str) -> str | None:
    """A uniqueid/linkedid read from the channel, or None when it is not shaped like one."""
    return _call_id(value)


# --- replies ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StatusLine:
    """``<code><sep><text>``: sep "-" means more lines of the same reply follow (``520-`` usage blocks)."""

    code: int
    more: bool
    text: str


def parse_status_line(line: str) -> StatusLine | None:
    match = _STATUS.fullmatch(line.rstrip("\r\n"))
    if match is None:
        return None
    return StatusLine(int(match.group(1)), match.group(2) == "-", match.group(3))


@dataclass(frozen=True)
class AgiReply:
    """A ``200`` reply: ``result=<result> [(<data>)] [key=value …]`` — e.g. ``result=1 (some value)``,
    ``result= (timeout)``, ``result=0 endpos=8000``."""

    result: str
    data: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def number(self) -> int | None:
        try:
            return int(self.result)
        except ValueError:
            return None


def parse_success(text: str) -> AgiReply | None:
    """The text after ``200 `` → AgiReply, or None when it does not start with ``result=``."""
    if not text.startswith("result="):
        return None
    result, _, rest = text[len("result="):].partition(" ")
    data = None
    if rest.startswith("("):
        # The data is printed raw, so it may hold ")" itself: it runs to the last ")" on the line.
        end = rest.rfind(")")
        if end < 0:
            return None
        data, rest = rest[1:end], rest[end + 1:]
    extra = dict(_EXTRA.findall(rest))
    return AgiReply(result, data, extra)


def parse_digit(reply: AgiReply) -> str | None:
    """STREAM FILE / WAIT FOR DIGIT: result 0 = no key, else the key's character code."""
    code = reply.number
    if code is None or code < 0:
        return None
    return chr(code) if 0 < code < 128 else None


def digits_only(value: str) -> str:
    """What GET DATA collected, or "" if the PBX sent something else."""
    return value if _DIGITS.fullmatch(value) else ""


# --- commands -----------------------------------------------------------------------------------------------------

def quote_arg(value: str) -> str:
    """One argument as Asterisk's parse_args reads it: in double quotes, with backslash and quote escaped."""
    if any(char in value for char in "\r\n\x00"):
        raise ValueError("an AGI argument may not contain a line break or NUL")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_command(verb: str, *args: str) -> bytes:
    """``STREAM FILE "welcome" "12"\\n`` — the verb is ours (a constant), every argument is quoted."""
    return " ".join([verb, *(quote_arg(str(arg)) for arg in args)]).encode() + b"\n"


def check_variable_name(name: str) -> str:
    if not _VARIABLE_NAME.fullmatch(name):
        raise ValueError(f"not a channel variable name: {name!r}")
    return name


def check_app_name(name: str) -> str:
    if not _APP_NAME.fullmatch(name):
        raise ValueError(f"not a dialplan application name: {name!r}")
    return name


def check_escape_digits(digits: str) -> str:
    if not _DIGITS.fullmatch(digits) or len(digits) > 12:
        raise ValueError(f"escape digits must be 0-9, * or #: {digits!r}")
    return digits
