"""The AMI credentials of a sandbox instance: a secret generated once per instance, kept root-only in its dir.

``ami_credentials(settings)`` is what the service calls: ``HOTLINE_AMI_SECRET`` when set, otherwise the
sandbox instance's generated secret.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass

from core.settings import Settings
from hotline.pbx.paths import InstancePaths, instance_paths

# Rendered into manager.conf as-is, so a secret must not be able to break out of its line.
_SAFE_SECRET = re.compile(r"^[A-Za-z0-9_.~+/=@%-]{8,128}$")


class CredentialsMissing(RuntimeError):
    """No secret is configured and the sandbox instance has not generated one yet."""


@dataclass(frozen=True)
class AmiCredentials:
    host: str
    port: int
    username: str
    secret: str

    def __repr__(self) -> str:  # never print the secret by accident
        return f"AmiCredentials(host={self.host!r}, port={self.port}, username={self.username!r}, secret='***')"


def check_secret(secret: str) -> str:
    if not _SAFE_SECRET.match(secret):
        raise ValueError("AMI secret must be 8-128 characters of letters, digits and _.~+/=@%-")
    return secret


def instance_secret(paths: InstancePaths, *, create: bool) -> str | None:
    """The instance's generated secret; with ``create`` one is generated (0600, written atomically) if absent."""
    path = paths.secret_file
    if path.is_file():
        return path.read_text().strip()
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    os.replace(temporary, path)
    return secret


def effective_secret(settings: Settings, paths: InstancePaths, *, create: bool = False) -> str | None:
    if settings.ami_secret:
        return check_secret(settings.ami_secret)
    return instance_secret(paths, create=create)


def ami_credentials(settings: Settings) -> AmiCredentials:
    """Where and how the service logs in to AMI; raises CredentialsMissing with what to do."""
    paths = instance_paths(settings)
    secret = effective_secret(settings, paths)
    if secret is None:
        raise CredentialsMissing(
            f"no AMI secret: set HOTLINE_AMI_SECRET, or start the sandbox (`hotline pbx up`) which writes "
            f"{paths.secret_file}"
        )
    return AmiCredentials(settings.ami_host, settings.ami_port, settings.ami_username, secret)
