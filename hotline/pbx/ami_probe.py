"""A minimal one-shot AMI client: is Asterisk up, fully booted, accepting these credentials; send one action.

Deliberately independent of the service's AMI client (telephony/), so ``hotline pbx up``, demo traffic and the
test fixture can drive the sandbox without any of the service's machinery.
"""
from __future__ import annotations

import asyncio

from hotline.pbx.credentials import AmiCredentials


class AmiLoginRejected(RuntimeError):
    """AMI answered but refused the login (wrong user or secret, or address not permitted)."""


async def _read_message(reader: asyncio.StreamReader) -> dict[str, str]:
    message: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("AMI closed the connection")
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if not text:
            if message:
                return message
            continue
        key, _, value = text.partition(":")
        message.setdefault(key.strip(), value.strip())


def _encode(fields: dict[str, str | list[str]]) -> bytes:
    lines = []
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:  # repeated headers, e.g. Variable
            if "\r" in str(item) or "\n" in str(item):
                raise ValueError(f"AMI header {key} must be one line")
            lines.append(f"{key}: {item}\r\n")
    return ("".join(lines) + "\r\n").encode()


async def _session(credentials: AmiCredentials, then: dict[str, str | list[str]] | None) -> dict[str, str]:
    reader, writer = await asyncio.open_connection(credentials.host, credentials.port)
    try:
        banner = (await reader.readline()).decode("utf-8", "replace").strip()
        writer.write(_encode({"Action": "Login", "ActionID": "hotline-login", "Username": credentials.username,
                              "Secret": credentials.secret, "Events": "system"}))
        await writer.drain()
        while True:  # Response: Success comes first, FullyBooted once the PBX has finished starting
            message = await _read_message(reader)
            if message.get("Response") == "Error":
                raise AmiLoginRejected(f"AMI login refused: {message.get('Message', 'no reason given')}")
            if message.get("Event") == "FullyBooted":
                break
        reply = {"Banner": banner}
        if then is not None:
            writer.write(_encode({**then, "ActionID": "hotline-action"}))
            await writer.drain()
            while reply.get("ActionID") != "hotline-action" or "Response" not in reply:
                reply = await _read_message(reader)
        writer.write(_encode({"Action": "Logoff"}))
        await writer.drain()
        return reply
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def login(credentials: AmiCredentials, timeout: float = 5.0) -> str:
    """Log in, wait for FullyBooted, log off; return the AMI banner. Raises AmiLoginRejected or OSError."""
    async with asyncio.timeout(timeout):
        return (await _session(credentials, None))["Banner"]


async def send_action(credentials: AmiCredentials, fields: dict[str, str | list[str]], timeout: float = 10.0) -> dict:
    """Log in, send one action, return its Response message (Response: Success|Error, Message, ...)."""
    async with asyncio.timeout(timeout):
        return await _session(credentials, fields)
