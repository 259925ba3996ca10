"""Who may use the sandbox's AMI: loopback only, the generated secret, and no idle unauthenticated sockets."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest

from hotline import pbx as sandbox

pytestmark = pytest.mark.pbx


async def test_wrong_secret_is_rejected_and_the_right_one_accepted(pbx):
    wrong = dataclasses.replace(pbx.credentials, secret="not-the-secret")
    with pytest.raises(sandbox.AmiLoginRejected, match="Authentication failed"):
        await sandbox.login(wrong)
    assert (await sandbox.login(pbx.credentials)).startswith("Asterisk Call Manager/")


async def test_generated_secret_is_what_the_service_reads_and_is_root_only(pbx):
    unset = pbx.settings.model_copy(update={"ami_secret": ""})
    assert sandbox.ami_credentials(unset).secret == pbx.ami_secret
    assert pbx.paths.secret_file.stat().st_mode & 0o077 == 0
    assert len(pbx.ami_secret) >= 24


async def test_connection_that_never_logs_in_is_dropped(pbx):
    reader, writer = await asyncio.open_connection(pbx.ami_host, pbx.ami_port)
    try:
        assert (await reader.readline()).startswith(b"Asterisk Call Manager/")
        assert await asyncio.wait_for(reader.read(), 30) == b""  # authtimeout closes it
    finally:
        writer.close()


def test_ami_listens_on_loopback_only_with_an_acl(pbx):
    settings = pbx.cli("manager show settings")
    assert f"TCP Bindaddress:           127.0.0.1:{pbx.ami_port}" in settings
    user = pbx.cli(f"manager show user {pbx.ami_username}")
    assert "deny - 0.0.0.0/0.0.0.0" in user and "allow - 127.0.0.1/255.255.255.255" in user
