"""Start, stop and inspect one sandbox Asterisk instance (``hotline pbx up|down|status``).

``up`` is idempotent and returns only once AMI accepts a login on a fully booted PBX; ``down`` stops only the
process this instance started: the pid comes from the instance's pidfile and must be an Asterisk running in our
root with our instance's config, or it is left alone.
"""
from __future__ import annotations

import asyncio
import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import AsyncIterator, Callable

from core.settings import Settings
from hotline.pbx import root as pbx_root
from hotline.pbx.ami_probe import AmiLoginRejected, login
from hotline.pbx.credentials import AmiCredentials, effective_secret
from hotline.pbx.paths import InstancePaths, instance_paths
from hotline.pbx import desk_phones, network
from hotline.pbx.instance import hotline_includes, render_instance
from hotline.pbx.render import manager_includes

STATE_FILE = "instance.json"


class PbxStartError(RuntimeError):
    """Asterisk did not come up; the message carries the end of its log."""


@dataclass(frozen=True)
class RunningConfig:
    """What an instance was started with (kept beside it, so ``status`` and ``up`` need no guessing)."""

    ami_port: int
    agi_port: int
    ami_username: str
    profile: str
    sip_port: int = 0
    network_sip_port: int = 0


@dataclass(frozen=True)
class SandboxStatus:
    instance: str
    running: bool
    pid: int | None
    ami_host: str
    ami_port: int
    agi_port: int
    profile: str
    root: Path
    secret_file: Path
    recordings_dir: Path
    log_file: Path


def _process_is_ours(pid: int, paths: InstancePaths) -> bool:
    """An Asterisk chrooted into our root and started with our instance's asterisk.conf (not a zombie)."""
    proc = Path(f"/proc/{pid}")
    try:
        argv = (proc / "cmdline").read_bytes().split(b"\0")
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        chroot = os.readlink(proc / "root")
    except (OSError, IndexError):
        return False
    conf = str(paths.asterisk_conf).encode()
    started_with_our_conf = any(a == b"-C" and b == conf for a, b in zip(argv, argv[1:]))
    return (
        state not in ("Z", "X")
        and Path(chroot) == paths.root
        and os.path.basename(argv[0]) == b"asterisk"
        and started_with_our_conf
    )


def running_pid(paths: InstancePaths) -> int | None:
    """The pid of this instance's Asterisk, or None (a stale pidfile or someone else's process count as none)."""
    try:
        pid = int(paths.pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _process_is_ours(pid, paths) else None


def _running_config(paths: InstancePaths) -> RunningConfig | None:
    try:
        return RunningConfig(**json.loads((paths.host_dir / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def status(settings: Settings) -> SandboxStatus:
    paths = instance_paths(settings)
    pid = running_pid(paths)
    started = _running_config(paths) if pid else None
    return SandboxStatus(
        instance=paths.name,
        running=pid is not None,
        pid=pid,
        ami_host=settings.ami_host,
        ami_port=started.ami_port if started else settings.ami_port,
        agi_port=started.agi_port if started else settings.agi_port,
        profile=started.profile if started else settings.profile,
        root=paths.root,
        secret_file=paths.secret_file,
        recordings_dir=paths.recordings_dir,
        log_file=paths.messages_log,
    )


@asynccontextmanager
async def _instance_lock(paths: InstancePaths) -> AsyncIterator[None]:
    """Serialise up/down of one instance across processes (two `up`s must not start two Asterisks)."""
    paths.host_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(paths.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _log_tail(paths: InstancePaths, lines: int = 15) -> str:
    try:
        return "\n".join(paths.messages_log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


async def wait_ready(credentials: AmiCredentials, paths: InstancePaths, timeout: float = 30.0) -> None:
    """Until AMI accepts a login on a fully booted PBX; fails fast on a refused login or a dead process."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await login(credentials, timeout=max(0.5, min(5.0, deadline - time.monotonic())))
            return
        except AmiLoginRejected:
            raise
        except (OSError, TimeoutError, ConnectionError) as exc:
            if time.monotonic() >= deadline:
                raise PbxStartError(f"AMI on port {credentials.port} not ready after {timeout:.0f} s ({exc}); "
                                    f"log:\n{_log_tail(paths)}") from None
            if paths.pidfile.exists() and running_pid(paths) is None:
                raise PbxStartError(f"Asterisk exited during start; log:\n{_log_tail(paths)}") from None
        await asyncio.sleep(0.1)  # polling a port that is not open yet: there is no event to await


async def up(settings: Settings, *, progress=print, timeout: float = 30.0) -> SandboxStatus:
    """Build if needed, configure and start this instance and its public network (the far side of its SIP
    trunk); return once both answer on AMI. No-op for an instance already running."""
    root = await asyncio.to_thread(pbx_root.build_root, settings, progress=progress)

    def render_hotline(paths: InstancePaths, secret: str) -> None:
        render_instance(paths, hotline_includes(settings, secret), pbx_root.asterisk_ids(root))

    def render_network(paths: InstancePaths, secret: str) -> None:
        network.place_speech(settings, paths)
        hotline_secret = effective_secret(settings, instance_paths(settings)) or ""   # the hotline is up by now
        includes = network.network_includes(settings, secret, paths, hotline_secret)
        render_instance(paths, includes, pbx_root.asterisk_ids(root), overlay=network.NETWORK_SOURCE)

    await _up_instance(root, settings, render_hotline, timeout)
    await _up_instance(root, network.network_settings(settings), render_network, timeout)
    return status(settings)


async def up_rendered(settings: Settings, includes: dict[str, str], *, timeout: float = 30.0) -> SandboxStatus:
    """Start an instance with ``includes`` (e.g. a production render) as its hotline/ files instead of the
    sandbox's: it proves they load into a real Asterisk. No public network is started beside it."""
    root = await asyncio.to_thread(pbx_root.build_root, settings, progress=lambda _text: None)

    def render(paths: InstancePaths, secret: str) -> None:
        managers = manager_includes(settings, secret, sandbox=desk_phones.INCLUDE in includes)
        render_instance(paths, {**includes, **managers}, pbx_root.asterisk_ids(root))

    await _up_instance(root, settings, render, timeout)
    return status(settings)


def _wanted(settings: Settings) -> RunningConfig:
    return RunningConfig(settings.ami_port, settings.agi_port, settings.ami_username, settings.profile,
                         settings.sip_port, settings.sandbox_network_sip_port)


async def _up_instance(root: Path, settings: Settings, render: Callable[[InstancePaths, str], None],
                       timeout: float) -> None:
    paths = instance_paths(settings)
    async with _instance_lock(paths):
        secret = effective_secret(settings, paths, create=True)
        credentials = AmiCredentials(settings.ami_host, settings.ami_port, settings.ami_username, secret)
        if running_pid(paths):
            started, wanted = _running_config(paths), _wanted(settings)
            if started and started != wanted:
                raise PbxStartError(
                    f"sandbox instance {paths.name!r} already runs with {asdict(started)}; "
                    f"run `hotline pbx down` first to start it with {asdict(wanted)}"
                )
            await wait_ready(credentials, paths, timeout)
            return
        await asyncio.to_thread(_start_process, root, paths, settings, lambda: render(paths, secret))
        try:
            await wait_ready(credentials, paths, timeout)
        except BaseException:
            await _stop_process(paths)
            raise


def _start_process(root: Path, paths: InstancePaths, settings: Settings, render: Callable[[], None]) -> None:
    pbx_root.ensure_proc(root)
    render()
    for stale in (paths.pidfile, paths.host(paths.run / "asterisk.ctl")):
        stale.unlink(missing_ok=True)
    (paths.host_dir / STATE_FILE).write_text(json.dumps(asdict(_wanted(settings))))
    # Without -f Asterisk daemonises itself: the daemon outlives this command and writes its own pidfile.
    command = ["chroot", str(root), "/usr/sbin/asterisk", "-C", str(paths.asterisk_conf),
               "-U", "asterisk", "-G", "asterisk"]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise PbxStartError(f"asterisk failed to start (exit {result.returncode}): {result.stderr.strip()}\n"
                            f"log:\n{_log_tail(paths)}")


async def _stop_process(paths: InstancePaths, timeout: float = 10.0) -> bool:
    pid = running_pid(paths)
    if pid is None:
        return False
    os.kill(pid, signal.SIGCONT)  # a frozen (SIGSTOPped) Asterisk cannot act on SIGTERM
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _process_is_ours(pid, paths):
        if time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + timeout
        await asyncio.sleep(0.05)  # the daemon is not our child: nothing to wait() on
    paths.pidfile.unlink(missing_ok=True)
    return True


async def down(settings: Settings, *, purge: bool = False) -> bool:
    """Stop this instance's Asterisk and its public network's if they run; True if the instance was stopped.
    ``purge`` also deletes their files."""
    stopped = await _down_instance(settings, purge)
    await _down_instance(network.network_settings(settings), purge)
    return stopped


async def _down_instance(settings: Settings, purge: bool) -> bool:
    paths = instance_paths(settings)
    if not paths.host_dir.exists():
        return False
    async with _instance_lock(paths):
        stopped = await _stop_process(paths)
        if purge:
            await asyncio.to_thread(shutil.rmtree, paths.host_dir, True)
    return stopped
