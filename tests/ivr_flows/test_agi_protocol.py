"""The FastAGI wire format without sockets: headers, reply lines, argument quoting (property-tested)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr_flows.agi_protocol import (MAX_VALUE_CHARS, AgiRequest, check_app_name, check_escape_digits,
                                    check_variable_name, format_command, parse_digit, parse_header_line,
                                    parse_status_line, parse_success, quote_arg, split_script)
from tests.ivr_flows.fake_pbx import CALLER, asterisk_headers, parse_agi_args


def test_header_lines_are_name_and_cleaned_value():
    assert parse_header_line(b"agi_channel: Local/1883@from-pstn-1;2\n") == ("agi_channel", "Local/1883@from-pstn-1;2")
    assert parse_header_line(b"agi_accountcode: \r\n") == ("agi_accountcode", "")
    assert parse_header_line(b"agi_callerid: 3706\x07\x1b0001\n") == ("agi_callerid", "37060001")
    assert parse_header_line(b"agi_x: " + b"a" * 5000 + b"\n") == ("agi_x", "a" * MAX_VALUE_CHARS)


@pytest.mark.parametrize("line", [b"no colon here\n", b"Agi_Channel: x\n", b"x-agi_channel: y\n", b": value\n",
                                  b"agi_" + b"n" * 60 + b": too long a name\n", b"\xff\xfe: x\n"])
def test_foreign_header_lines_are_ignored(line):
    assert parse_header_line(line) is None


@pytest.mark.parametrize(("script", "name", "params"), [
    ("ivr", "ivr", {}), ("/ivr", "ivr", {}), ("ivr/", "ivr", {}), (" ivr ", "ivr", {}),
    ("ivr?lang=lt&x=1", "ivr", {"lang": "lt", "x": "1"}), ("/ivr/?lang=lv", "ivr", {"lang": "lv"}),
    ("menu/callback", "menu/callback", {}), ("", "", {}), ("iv r", "", {}), ("ivr;rm -rf", "", {}),
    ("ivr?" + "&".join(f"k{i}=v" for i in range(100)), "ivr", {}),
])
def test_script_names_are_normalised(script, name, params):
    assert split_script(script) == (name, params)


def test_request_takes_the_script_from_the_url_when_agi_network_script_is_missing():
    headers = asterisk_headers(agi_network_script=None, agi_request="agi://127.0.0.1:4573/ivr?lang=lt")
    request = AgiRequest.from_headers(headers)
    assert (request.script, request.params) == ("ivr", {"lang": "lt"})
    assert AgiRequest.from_headers(asterisk_headers(agi_network_script=None, agi_request="agi://[::1/x")).script == ""
    assert AgiRequest.from_headers(asterisk_headers(agi_network_script=None, agi_request="/bin/sh")).script == ""


def test_request_validates_ids_collects_args_and_hides_personal_fields():
    headers = asterisk_headers(agi_arg_1="a", agi_arg_2="b", agi_arg_4="not contiguous", agi_linkedid="17.1")
    request = AgiRequest.from_headers(headers)
    assert request.args == ("a", "b")
    assert (request.uniqueid, request.linkedid, request.callerid) == ("1700000000.42", "17.1", CALLER)
    assert CALLER not in repr(request) and "1883" not in repr(request)
    bad = AgiRequest.from_headers(asterisk_headers(agi_uniqueid="1.2; DROP TABLE", agi_linkedid="x" * 65))
    assert (bad.uniqueid, bad.linkedid) == (None, None)


@pytest.mark.parametrize(("text", "result", "data", "extra"), [
    ("result=1", "1", None, {}),
    ("result=0 endpos=8000", "0", None, {"endpos": "8000"}),
    ("result=-1 endpos=0", "-1", None, {"endpos": "0"}),
    ("result= (timeout)", "", "timeout", {}),
    ("result=12 (timeout)", "12", "timeout", {}),
    ("result=1 (a value (with) parens)", "1", "a value (with) parens", {}),
    ("result=49 (dtmf) endpos=1234", "49", "dtmf", {"endpos": "1234"}),
])
def test_success_replies_are_parsed(text, result, data, extra):
    reply = parse_success(text)
    assert (reply.result, reply.data, reply.extra) == (result, data, extra)


@pytest.mark.parametrize("text", ["", "Invalid", "result", "result=1 (unclosed"])
def test_malformed_success_replies_are_refused(text):
    assert parse_success(text) is None


def test_status_lines():
    assert parse_status_line("520-Invalid command syntax.  Proper usage follows:").more
    assert parse_status_line("200 result=1").code == 200
    assert parse_status_line("100 result=0 Trying...").code == 100
    assert parse_status_line("HANGUP") is None and parse_status_line("20 result=1") is None


def test_digit_results_are_characters():
    assert parse_digit(parse_success("result=49")) == "1"
    assert parse_digit(parse_success("result=35")) == "#"
    assert parse_digit(parse_success("result=0")) is None


def test_line_breaks_in_values_are_refused_not_sent():
    for value in ("a\nHANGUP", "a\r", "\x00"):
        with pytest.raises(ValueError):
            quote_arg(value)


@given(st.text(alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",))))
def test_every_value_reaches_asterisk_as_one_unchanged_argument(value):
    line = format_command("SET VARIABLE", "HOTLINE_QUEUE", value).decode()
    assert line.count("\n") == 1 and line.endswith("\n")
    assert parse_agi_args(line[:-1]) == ["SET", "VARIABLE", "HOTLINE_QUEUE", value]


def test_names_are_checked():
    assert check_variable_name("CHANNEL(linkedid)") == "CHANNEL(linkedid)"
    assert check_app_name("MixMonitor") == "MixMonitor"
    assert check_escape_digits("123*#") == "123*#"
    for check, bad in ((check_variable_name, "A B"), (check_variable_name, "X)\nHANGUP"),
                       (check_app_name, "Set(x)"), (check_escape_digits, "12a")):
        with pytest.raises(ValueError):
            check(bad)
