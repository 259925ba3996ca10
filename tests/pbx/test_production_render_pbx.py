"""`hotline pbx render --production` loads into a real Asterisk: the dialplan has no sandbox, PJSIP shows the
trunk and one endpoint per active employee with a SIP account, and a deactivated employee's endpoint is gone after
the service's endpoint sync reloads PJSIP."""
from __future__ import annotations

import argparse
import asyncio
import os

import pytest

from core import dialplan
from core.db import make_engine
from core.ports import Employee
from core.settings import Settings
from directory import EmployeeDirectoryService
from hotline import pbx as sandbox
from hotline.commands import pbx as pbx_command
from hotline.migrate import upgrade
from hotline.pbx.lifecycle import up_rendered
from telephony import AmiClient, EndpointSync, PhoneAccounts
from tests.pbx_sandbox import PbxSandbox, free_tcp_ports
from telephony.ami import AmiConfig

pytestmark = pytest.mark.pbx


def staff(*inactive: str) -> list[Employee]:
    return [Employee(ext, f"Agent {ext}", "hotline", ("general_info",), None, ext not in inactive)
            for ext in ("101", "102", "103")]


@pytest.fixture
async def production(tmp_path, monkeypatch):
    ami_port, agi_port, sip_port = free_tcp_ports(3)
    env = {"HOTLINE_AMI_SECRET": "production-secret-1", "HOTLINE_VAR_DIR": str(tmp_path), "HOTLINE_AMI_PORT":
           str(ami_port), "HOTLINE_AGI_PORT": str(agi_port), "HOTLINE_SIP_BIND": "127.0.0.1",
           "HOTLINE_SIP_PORT": str(sip_port), "HOTLINE_SIP_TRUNK_ADDRESS": "127.0.0.1:5999",
           "HOTLINE_PBX_INSTANCE": f"test-prod-{os.getpid()}", "HOTLINE_PROMPTS_DIR": str(tmp_path / "prompts"),
           "HOTLINE_PBX_PROMPTS_DIR": "/var/lib/hotline/prompts"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    await upgrade(settings.resolved_database_url())
    engine = make_engine(settings.resolved_database_url())
    directory = EmployeeDirectoryService(engine)
    await directory.upsert(staff("103"))
    accounts = PhoneAccounts(engine, directory, dialplan.SIP_REALM)
    await accounts.provision("test")
    yield settings, engine, directory, accounts
    await engine.dispose()
    await sandbox.down(settings, purge=True)


async def test_the_production_render_loads_into_asterisk_and_follows_the_directory(production, tmp_path):
    settings, engine, directory, accounts = production
    out = tmp_path / "hotline"
    parser = argparse.ArgumentParser()
    pbx_command.add_arguments(parser)
    args = parser.parse_args(["render", "--production", str(out)])
    assert await asyncio.to_thread(pbx_command.run, args) == 0     # the command runs its own event loop
    rendered = {path.name: path.read_text() for path in out.iterdir()}
    assert "sandbox.conf" not in rendered and "sandbox" not in "".join(rendered.values()).lower()
    users = rendered["manager-users.conf"]
    assert "read = all" not in users and "write = all" not in users and "command" not in users

    await up_rendered(settings, rendered)
    box = PbxSandbox(settings)
    assert "hotline-public" in box.cli("dialplan show hotline-public")
    assert "sandbox" not in box.cli("dialplan show").lower()
    endpoints = box.cli("pjsip show endpoints")
    assert all(f"Endpoint:  {ext}/" in endpoints for ext in ("101", "102")) and "Endpoint:  trunk" in endpoints
    assert "Endpoint:  103" not in endpoints    # inactive: no endpoint, though their account exists
    assert "Endpoint:  sim" not in endpoints    # the sandbox's desk phones are the sandbox's alone
    assert "(hotline-agents)" in box.cli("pjsip show endpoint 101") or "hotline-agents" in box.cli(
        "pjsip show endpoint 101")

    # the running service's sync: 102 leaves, PJSIP is reloaded, the endpoint is gone
    await directory.upsert(staff("102", "103"))
    ami = AmiClient(AmiConfig("127.0.0.1", settings.ami_port, settings.ami_username, settings.ami_secret))
    await ami.start()
    try:
        await ami.wait_connected(10)
        sync = EndpointSync(accounts, directory, box.paths.host(box.paths.etc / "hotline"), ami)
        assert await sync.apply() is True
        assert await sync.apply() is False      # nothing changed: no second reload
    finally:
        await ami.stop()
    endpoints = box.cli("pjsip show endpoints")
    assert "Endpoint:  101/" in endpoints and "Endpoint:  102" not in endpoints
