"""``hotline phones``: a password is printed once; the PBX being down loses nothing (the service syncs later)."""
from __future__ import annotations

import argparse

import pytest

from hotline.commands import employees
from hotline.commands import phones as phones_command
from tests.pbx_sandbox import free_tcp_ports

EMPLOYEES = "extension,name,competences\n101,Ona,general_info\n102,Jonas,general_info\n"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    phones_command.add_arguments(parser)
    return phones_command.run(parser.parse_args(list(argv)))


@pytest.fixture
def env(tmp_path, monkeypatch):
    (closed_port,) = free_tcp_ports(1)
    for name, value in {"HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_AMI_SECRET": "cli-test-secret",
                        "HOTLINE_AMI_PORT": str(closed_port), "HOTLINE_PBX_CONFIG_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(phones_command, "CONNECT_SECONDS", 0.5)
    (tmp_path / "staff.csv").write_text(EMPLOYEES)
    parser = argparse.ArgumentParser()
    employees.add_arguments(parser)
    assert employees.run(parser.parse_args(["import", str(tmp_path / "staff.csv")])) == 0
    return tmp_path


def test_passwords_are_shown_once_then_rotated_and_revoked(env, capsys):
    assert run("provision") == 0
    out = capsys.readouterr().out.splitlines()
    passwords = dict(line.split("\t") for line in out if line[:3] in ("101", "102"))
    assert set(passwords) == {"101", "102"} and all(len(p) >= 20 for p in passwords.values())
    assert "PBX not reached" in out[-1]
    assert run("provision") == 0
    again = capsys.readouterr().out
    assert "already" in again and not any(p in again for p in passwords.values())
    assert run("rotate", "101") == 0
    rotated = capsys.readouterr().out.splitlines()[0].split("\t")[1]
    assert rotated != passwords["101"]
    assert run("revoke", "102") == 0 and run("history", "102") == 0
    history = capsys.readouterr().out
    assert "created" in history and "revoked" in history and "cli:" in history
    assert run("rotate", "199") == 2
    assert "no active employee has extension 199" in capsys.readouterr().out
