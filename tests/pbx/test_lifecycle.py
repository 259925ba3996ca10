"""up / down / status of sandbox instances, and a restart drill, on the real Asterisk."""
from __future__ import annotations

import argparse
import asyncio
import os

import pytest

from core.policy import load_profile
from hotline import pbx as sandbox
from hotline.commands import pbx as pbx_command
from tests.pbx_sandbox import instance_settings

pytestmark = pytest.mark.pbx


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie (stopped daemons are reaped by init, maybe later)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    pbx_command.add_arguments(parser)
    return pbx_command.run(parser.parse_args(argv))


async def test_up_on_a_running_instance_changes_nothing(pbx):
    before = pbx.pid()
    state = await sandbox.up(pbx.settings)
    assert state.running and state.pid == before
    await sandbox.login(pbx.credentials)


async def test_up_refuses_to_silently_ignore_other_ports(pbx):
    with pytest.raises(sandbox.PbxStartError, match="already runs"):
        await sandbox.up(pbx.settings.model_copy(update={"ami_port": pbx.ami_port + 1}))


def test_status_reports_pid_and_ports(pbx, monkeypatch, capsys):
    state = sandbox.status(pbx.settings)
    assert (state.running, state.pid, state.ami_port, state.agi_port) == (True, pbx.pid(), pbx.ami_port, pbx.agi_port)

    monkeypatch.setenv("HOTLINE_PBX_INSTANCE", pbx.settings.pbx_instance)
    monkeypatch.setenv("HOTLINE_AMI_PORT", str(pbx.ami_port))
    assert run_command("status") == 0
    printed = capsys.readouterr().out
    assert f"pid {pbx.pid()}" in printed and f"127.0.0.1:{pbx.ami_port}" in printed
    assert str(pbx.paths.secret_file) in printed


def test_status_of_a_stopped_instance_says_so(monkeypatch, capsys):
    monkeypatch.setenv("HOTLINE_PBX_INSTANCE", f"never-started-{os.getpid()}")
    assert run_command("status") == 3
    assert "running:     no" in capsys.readouterr().out


async def test_down_stops_only_its_own_instance(pbx):
    other = instance_settings(f"test-{os.getpid()}-other")
    started = await sandbox.up(other)
    assert started.running and started.pid != pbx.pid()
    session_pid = pbx.pid()

    assert await sandbox.down(other, purge=True) is True

    assert sandbox.status(other).running is False
    assert not alive(started.pid)
    assert pbx.pid() == session_pid
    await sandbox.login(pbx.credentials)


async def test_down_leaves_a_process_it_did_not_start_alone(pbx):
    impostor = instance_settings(f"test-{os.getpid()}-impostor")
    paths = sandbox.instance_paths(impostor)
    paths.pidfile.parent.mkdir(parents=True)
    paths.pidfile.write_text(f"{pbx.pid()}\n")  # a pidfile naming the session's Asterisk
    try:
        assert await sandbox.down(impostor) is False
    finally:
        await sandbox.down(impostor, purge=True)
    assert pbx.pid() is not None
    await sandbox.login(pbx.credentials)


async def test_core_restart_brings_ami_back(pbx):
    before = pbx.pid()
    async with pbx.events() as log:
        await pbx.acli("core restart now")
        shutdown = await log.wait_for("Shutdown")
        await asyncio.wait_for(log.disconnected, 30)  # the old process is gone; the next login is the new one
    assert shutdown["Restart"] == "True"
    await pbx.wait_ready()
    assert pbx.pid() not in (None, before)
    assert load_profile(pbx.settings.profile).default_queue in await pbx.acli("queue show")
