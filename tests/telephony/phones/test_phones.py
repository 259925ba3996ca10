"""SIP accounts: passwords shown once and stored only as digests, an appended history, the endpoints written from
the directory, and the sync that reloads PJSIP only for a change and again after a PBX that was down."""
from __future__ import annotations

import hashlib
import os
import re

import pytest
from sqlalchemy import text

from core.db import make_sessionmaker
from core.ports import Employee, PbxUnavailable
from directory import EmployeeDirectoryService
from telephony.phones.endpoints import endpoints_conf
from telephony.phones.exceptions import NoSuchAccount, UnknownEmployee
from telephony.phones.service import PhoneAccounts
from telephony.phones.sync import EndpointSync

REALM = "hotline"


def employee(ext: str, active: bool = True) -> Employee:
    return Employee(ext, f"Agent {ext}", "unit", ("general_info",), None, active)


@pytest.fixture
async def accounts(db_engine) -> PhoneAccounts:
    directory = EmployeeDirectoryService(db_engine)
    await directory.upsert([employee("101"), employee("102"), employee("103", active=False)])
    return PhoneAccounts(db_engine, directory, REALM)


async def test_provision_gives_each_active_employee_a_password_once_and_keeps_only_its_digest(accounts, db_engine):
    passwords = await accounts.provision("admin:ona")
    assert set(passwords) == {"101", "102"} and len(set(passwords.values())) == 2
    assert await accounts.provision("admin:ona") == {}            # existing accounts are left alone
    digests = await accounts.digests()
    expected = hashlib.md5(f"101:{REALM}:{passwords['101']}".encode()).hexdigest()
    assert digests["101"] == f"MD5:{expected}"
    async with make_sessionmaker(db_engine)() as session:
        stored = " ".join(str(value) for row in (await session.execute(text(
            "SELECT * FROM sip_accounts UNION ALL SELECT extension, action, by, at FROM sip_account_history")))
            for value in row)
    assert all(password not in stored for password in passwords.values())


async def test_rotate_and_revoke_are_appended_to_the_history(accounts):
    first = (await accounts.provision("admin:ona"))["101"]
    second = await accounts.rotate("101", "cli:root")
    assert second != first and (await accounts.digests())["101"].endswith(
        hashlib.md5(f"101:{REALM}:{second}".encode()).hexdigest())
    await accounts.revoke("101", "cli:root")
    assert "101" not in await accounts.digests()
    assert [(c.action, c.by) for c in await accounts.history("101")] == [
        ("created", "admin:ona"), ("rotated", "cli:root"), ("revoked", "cli:root")]
    with pytest.raises(NoSuchAccount):
        await accounts.revoke("101", "cli:root")


@pytest.mark.parametrize("extension", ["103", "999"])
async def test_no_account_for_an_inactive_or_unknown_employee(accounts, extension):
    with pytest.raises(UnknownEmployee):
        await accounts.rotate(extension, "cli:root")
    with pytest.raises(UnknownEmployee):
        await accounts.provision("cli:root", [extension])


def test_endpoints_only_for_active_employees_with_an_account():
    digest = "MD5:" + "a" * 32
    conf = endpoints_conf([employee("101"), employee("102"), employee("103", active=False)],
                          {"101": digest, "103": digest})
    assert re.findall(r"^\[(\d+)\]\(hotline-agent,hotline-media\)$", conf, re.M) == ["101"]
    assert f"password_digest = {digest}" in conf and "password =" not in conf


@pytest.mark.parametrize("extension, digest", [("101\n[evil]", "MD5:" + "a" * 32), ("101", "MD5:x\ntype=aor"),
                                               ("101", "plain-password")])
def test_nothing_that_could_break_out_of_pjsip_conf_is_written(extension, digest):
    with pytest.raises(ValueError):
        endpoints_conf([employee(extension)], {extension: digest})


class Ami:
    def __init__(self) -> None:
        self.actions: list[dict] = []
        self.down = False

    async def action(self, action: dict, *, timeout=None) -> dict:
        if self.down:
            raise PbxUnavailable("PBX gone")
        self.actions.append(action)
        return {"Response": "Success"}


async def test_the_sync_writes_and_reloads_only_on_a_change_and_again_after_the_pbx_was_down(accounts, tmp_path):
    ami = Ami()
    sync = EndpointSync(accounts, accounts.directory, tmp_path, ami)
    assert await sync.apply() is True                 # first write
    assert await sync.apply() is False                # unchanged: no reload
    await accounts.provision("admin:ona")
    ami.down = True
    with pytest.raises(PbxUnavailable):
        await sync.apply()                            # written, but the reload did not reach the PBX
    assert "[101](hotline-agent" in (tmp_path / "pjsip-endpoints.conf").read_text()
    ami.down = False
    assert await sync.apply() is True                 # the owed reload, though the file did not change again
    assert ami.actions == [{"Action": "ModuleLoad", "LoadType": "reload", "Module": "res_pjsip.so"}] * 2
    assert oct((tmp_path / "pjsip-endpoints.conf").stat().st_mode & 0o777) == "0o640"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]   # no temporary file left
