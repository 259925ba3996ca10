"""Builds the SIP phones capability: the accounts and the endpoint sync, subscribed to every resync."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core import dialplan
from core.deps import Dependencies
from core.events import PbxResynced
from core.ports import EmployeeDirectory
from telephony.phones.service import PhoneAccounts
from telephony.phones.sync import EndpointSync


@dataclass
class PhoneServices:
    accounts: PhoneAccounts
    endpoints: EndpointSync


def setup(deps: Dependencies, directory: EmployeeDirectory, includes_dir: Path) -> PhoneServices:
    accounts = PhoneAccounts(deps.engine, directory, dialplan.SIP_REALM)
    endpoints = EndpointSync(accounts, directory, includes_dir, deps.ami)
    deps.bus.subscribe("sip_endpoints", endpoints.on_resynced, PbxResynced)
    return PhoneServices(accounts, endpoints)
