"""The agents' PJSIP objects as pjsip.conf text: an endpoint, an auth and an AOR per active employee with an
account. The templates they inherit (``hotline-agent``, ``hotline-agent-auth``, ``hotline-agent-aor``, and
``hotline-media`` from the rendered transports) live in ``docker/asterisk/pjsip.conf``."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from core.ports import Employee

HEADER = "; written by hotline from the employee directory and the SIP accounts; edits are overwritten\n"
# an extension or a digest becomes a section name or a value: nothing that could end the line or the section
_EXTENSION = re.compile(r"^[0-9]{2,16}$")
_DIGEST = re.compile(r"^MD5:[0-9a-f]{32}$")


def endpoints_conf(employees: Iterable[Employee], digests: Mapping[str, str]) -> str:
    sections = []
    for employee in sorted(employees, key=lambda e: e.extension):
        extension, digest = employee.extension, digests.get(employee.extension)
        if not employee.active or digest is None:
            continue
        if not _EXTENSION.fullmatch(extension) or not _DIGEST.fullmatch(digest):
            raise ValueError(f"extension {extension!r} or its digest cannot be written into pjsip.conf")
        sections.append(
            f"[{extension}](hotline-agent,hotline-media)\nauth = {extension}\naors = {extension}\n"
            f"callerid = <{extension}>\n\n"
            f"[{extension}](hotline-agent-auth)\nusername = {extension}\npassword_digest = {digest}\n\n"
            f"[{extension}](hotline-agent-aor)\n"
        )
    return HEADER + "\n".join(sections)
