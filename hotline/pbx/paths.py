"""Where one sandbox instance keeps its files, seen from the host and from inside the chroot.

Every instance gets its own etc/run/spool/log/lib directories inside the shared root, so several Asterisk
processes (``make run``'s and a test session's) run side by side from one cached build without sharing state.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.settings import Settings
from hotline.pbx.root import root_dir

INSTANCES_DIR = PurePosixPath("/var/lib/hotline-sandbox")
_VALID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class InstancePaths:
    root: Path
    name: str

    @property
    def chroot_dir(self) -> PurePosixPath:
        return INSTANCES_DIR / self.name

    @property
    def host_dir(self) -> Path:
        return self.host(self.chroot_dir)

    def host(self, inside: PurePosixPath) -> Path:
        """The host path of a path inside the chroot."""
        return self.root / inside.relative_to("/")

    def sub(self, name: str) -> PurePosixPath:
        return self.chroot_dir / name

    @property
    def etc(self) -> PurePosixPath:
        return self.sub("etc")

    @property
    def run(self) -> PurePosixPath:
        return self.sub("run")

    @property
    def spool(self) -> PurePosixPath:
        return self.sub("spool")

    @property
    def log(self) -> PurePosixPath:
        return self.sub("log")

    @property
    def lib(self) -> PurePosixPath:
        return self.sub("lib")

    @property
    def prompts(self) -> PurePosixPath:
        """Where the service places the IVR's synthesised prompts (played by their path, without extension)."""
        return self.lib / "sounds" / "hotline"

    @property
    def cache(self) -> PurePosixPath:
        return self.sub("cache")

    @property
    def asterisk_conf(self) -> PurePosixPath:
        """Given to ``asterisk -C``; also what identifies this instance's process in its command line."""
        return self.etc / "asterisk.conf"

    @property
    def pidfile(self) -> Path:
        return self.host(self.run / "asterisk.pid")

    @property
    def secret_file(self) -> Path:
        """The generated AMI secret (root-only; Asterisk reads its copy in the rendered manager config)."""
        return self.host_dir / "ami.secret"

    @property
    def recordings_dir(self) -> Path:
        """Where MixMonitor files land by default, on the host."""
        return self.host(self.spool / "monitor")

    @property
    def messages_log(self) -> Path:
        return self.host(self.log / "messages")

    @property
    def lock_file(self) -> Path:
        return self.host_dir / "lifecycle.lock"


def instance_paths(settings: Settings) -> InstancePaths:
    name = settings.pbx_instance
    if not _VALID_NAME.match(name):
        raise ValueError(f"PBX instance name {name!r} must be letters, digits, '.', '_' or '-' (max 64)")
    return InstancePaths(root=root_dir(settings), name=name)
