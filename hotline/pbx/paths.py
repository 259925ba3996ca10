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


class _InstanceDir:
    """``paths.<name>``: the instance's directory ``<name>`` inside the chroot (``etc``, ``run``, ``spool``, ...)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, paths: InstancePaths | None, owner: type | None = None) -> PurePosixPath:
        return paths.sub(self.name)


class _OnHost:
    """``paths.<name>``: a path under one of the instance's places (``base``), as the host sees it."""

    def __init__(self, base: str, *parts: str) -> None:
        self.base, self.parts = base, parts

    def __get__(self, paths: InstancePaths | None, owner: type | None = None) -> Path:
        base = getattr(paths, self.base)
        return base.joinpath(*self.parts) if isinstance(base, Path) else paths.host(base.joinpath(*self.parts))


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

    # the instance's own directories inside the chroot, each named like its attribute
    etc, run, spool, log, lib, cache = (_InstanceDir() for _ in range(6))

    @property
    def prompts(self) -> PurePosixPath:
        """Where the service places the IVR's synthesised prompts (played by their path, without extension)."""
        return self.lib / "sounds" / "hotline"

    @property
    def asterisk_conf(self) -> PurePosixPath:
        """Given to ``asterisk -C``; also what identifies this instance's process in its command line."""
        return self.etc / "asterisk.conf"

    # files on the host: the generated AMI secret (root-only; Asterisk reads its copy in the rendered manager
    # config), the lifecycle lock, the pid file, where MixMonitor files land by default, the PBX's own log
    secret_file, lock_file = _OnHost("host_dir", "ami.secret"), _OnHost("host_dir", "lifecycle.lock")
    pidfile, recordings_dir = _OnHost("run", "asterisk.pid"), _OnHost("spool", "monitor")
    messages_log = _OnHost("log", "messages")


def prompt_dirs(settings: Settings) -> tuple[Path, PurePosixPath]:
    """Where the IVR's prompts are written (on hotline's side) and played from (the path Asterisk sees): the
    settings' shared directory for a PBX of its own, else the sandbox instance's sounds directory."""
    if settings.prompts_dir is not None or settings.pbx_prompts_dir:
        if settings.prompts_dir is None or not settings.pbx_prompts_dir:
            raise ValueError("set HOTLINE_PROMPTS_DIR and HOTLINE_PBX_PROMPTS_DIR together: where hotline writes "
                             "the prompts, and where Asterisk reads the same files")
        return settings.prompts_dir, PurePosixPath(settings.pbx_prompts_dir)
    paths = instance_paths(settings)
    return paths.host(paths.prompts), paths.prompts


def includes_dir(settings: Settings) -> Path:
    """Where hotline keeps the PBX includes it updates while running (the agents' SIP endpoints): the settings'
    shared directory for a PBX of its own, else the sandbox instance's etc/hotline."""
    if settings.pbx_config_dir is not None:
        return settings.pbx_config_dir
    paths = instance_paths(settings)
    return paths.host(paths.etc / "hotline")


def cdr_file(settings: Settings) -> Path:
    """The PBX's own call records (``docker/asterisk/cdr_custom.conf``): the settings' file for a PBX of its own,
    else the sandbox instance's."""
    if settings.pbx_cdr_file is not None:
        return settings.pbx_cdr_file
    paths = instance_paths(settings)
    return paths.host(paths.log / "cdr-custom" / "hotline-calls.csv")


def recordings_dir(settings: Settings) -> Path:
    """Where the PBX writes recordings and voice messages, seen from hotline: the settings' directory for a PBX of
    its own, else the sandbox instance's monitor spool."""
    if settings.recordings_dir is not None:
        return settings.recordings_dir
    return instance_paths(settings).recordings_dir


def instance_paths(settings: Settings) -> InstancePaths:
    name = settings.pbx_instance
    if not _VALID_NAME.match(name):
        raise ValueError(f"PBX instance name {name!r} must be letters, digits, '.', '_' or '-' (max 64)")
    return InstancePaths(root=root_dir(settings), name=name)
