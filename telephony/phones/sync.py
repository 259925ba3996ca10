"""Keeps the PBX's agent endpoints equal to the directory: writes ``pjsip-endpoints.conf`` and reloads PJSIP.

Runs after every (re)connect's resync (a restarted PBX reads the file again anyway, but a file written while the
PBX was down still needs its reload) and after every directory or account change. The file is replaced atomically
and only when its content changes, so an unchanged directory costs no reload: a reload re-reads every endpoint,
and registrations survive it (contacts live in AstDB).
"""
from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from core.events import PbxResynced
from core.ports import PBX_ERRORS, AmiPort, EmployeeDirectory
from telephony.phones.endpoints import endpoints_conf
from telephony.phones.service import PhoneAccounts

log = logging.getLogger(__name__)

ENDPOINTS_FILE = "pjsip-endpoints.conf"
PJSIP_MODULE = "res_pjsip.so"


class EndpointSync:
    def __init__(self, accounts: PhoneAccounts, directory: EmployeeDirectory, includes_dir: Path,
                 ami: AmiPort) -> None:
        self.accounts = accounts
        self.directory = directory
        self.path = includes_dir / ENDPOINTS_FILE
        self.ami = ami
        self.reloads = 0
        self._lock = asyncio.Lock()
        self._reload_owed = False

    async def apply(self) -> bool:
        """Write the endpoints if they changed and reload PJSIP; True if the PBX was told to reload."""
        async with self._lock:
            text = endpoints_conf(await self.directory.list_employees(), await self.accounts.digests())
            changed = await asyncio.to_thread(self._write_if_changed, text)
            if not (changed or self._reload_owed):
                return False
            self._reload_owed = True   # until a reload succeeds: the PBX may be down right now
            await self.ami.action({"Action": "ModuleLoad", "LoadType": "reload", "Module": PJSIP_MODULE})
            self._reload_owed = False
            self.reloads += 1
            return True

    def _write_if_changed(self, text: str) -> bool:
        try:
            if self.path.read_text() == text:
                return False
        except FileNotFoundError:
            pass
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        temporary.write_text(text)
        temporary.chmod(0o640)
        # the PBX reads it through the include directory's group (it holds the agents' digests)
        os.chown(temporary, -1, self.path.parent.stat().st_gid)
        os.replace(temporary, self.path)
        return True

    async def on_resynced(self, _event: PbxResynced) -> None:
        try:
            await self.apply()
        except (*PBX_ERRORS, SQLAlchemyError, OSError) as exc:  # the next resync or directory change tries again
            log.error("SIP endpoints not synchronised (%s): %s", type(exc).__name__, exc)
