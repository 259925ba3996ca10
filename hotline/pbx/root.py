"""The cached Debian root that holds Asterisk: built once with debootstrap, shared by every sandbox instance.

The build goes into a temporary directory beside the final one and is renamed into place only when complete, under
a file lock, so an interrupted or concurrent build never leaves a half-made root that others would reuse.
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from core.settings import Settings

log = logging.getLogger(__name__)

SUITE = "sid"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ("asterisk", "asterisk-core-sounds-en-gsm")
# Written last into a finished root: its presence is what "the root is built" means.
READY_MARKER = ".hotline-pbx-root"
ROOT_DIRNAME = f"pbx-root-{SUITE}"
HOST_TOOLS = ("debootstrap",)


class PbxBuildError(RuntimeError):
    """The root could not be built; the message says what to install or fix."""


def root_dir(settings: Settings) -> Path:
    return (settings.pbx_root or settings.pbx_cache_dir / ROOT_DIRNAME).resolve()


def is_built(root: Path) -> bool:
    return (root / READY_MARKER).is_file() and (root / "usr/sbin/asterisk").exists()


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_root(settings: Settings, *, progress=print) -> Path:
    """Return the ready root, building it first if needed (about a minute, ~500 MB). Safe to call concurrently."""
    root = root_dir(settings)
    if is_built(root):
        return root
    if os.geteuid() != 0:
        raise PbxBuildError("building the PBX sandbox needs root (debootstrap and chroot); run as root")
    missing = [tool for tool in HOST_TOOLS if shutil.which(tool) is None]
    if missing:
        raise PbxBuildError(f"missing host tools {missing}; install them with: apt-get install -y {' '.join(missing)}")
    with _exclusive(root.parent / f".{root.name}.lock"):
        if is_built(root):  # another process finished it while we waited for the lock
            return root
        if root.exists():
            raise PbxBuildError(f"{root} exists but is not a finished sandbox root; remove it and build again")
        progress(f"building the PBX sandbox root in {root} (debootstrap {SUITE}; about a minute, once)")
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.build-", dir=root.parent))
        try:
            _debootstrap(staging)
            _trim(staging)
            version = _asterisk_version(staging)
            (staging / READY_MARKER).write_text(version + "\n")
            staging.chmod(0o755)
            os.rename(staging, root)
        except BaseException:
            _discard(staging)
            raise
        progress(f"PBX sandbox root ready: {version}")
    return root


def _debootstrap(target: Path) -> None:
    command = [
        "debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(target), MIRROR,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise PbxBuildError(f"debootstrap failed (exit {result.returncode}); last lines:\n{tail}")


def _asterisk_version(target: Path) -> str:
    result = subprocess.run(["chroot", str(target), "asterisk", "-V"], capture_output=True, text=True)
    if result.returncode != 0:
        raise PbxBuildError(f"the built root cannot run asterisk: {result.stderr.strip()}")
    return result.stdout.strip()


def _trim(target: Path) -> None:
    """Drop the downloaded .deb files: they are a third of the root and never used again."""
    for deb in (target / "var/cache/apt/archives").glob("*.deb"):
        deb.unlink()


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path.absolute()).rstrip("/") + "/"
    with open("/proc/mounts") as mounts:
        points = [line.split()[1] for line in mounts]
    return sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True)


def _discard(staging: Path) -> None:
    """Remove a failed build, but never recurse into a mount debootstrap left behind (it could be the host's /sys)."""
    for point in _mounts_under(staging):
        subprocess.run(["umount", "-l", point], capture_output=True)
    if _mounts_under(staging):
        log.error("failed PBX build left mounts under %s; not deleting it", staging)
        return
    shutil.rmtree(staging, ignore_errors=True)


def ensure_proc(root: Path) -> None:
    """Mount /proc inside the root once (Asterisk reads it); shared by all instances, so never unmounted here."""
    target = root / "proc"
    if str(target) in _mounts_under(root):
        return
    target.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "proc", "proc", str(target)], check=True, capture_output=True)


def asterisk_ids(root: Path) -> tuple[int, int]:
    """The uid and gid of the root's own ``asterisk`` user (they need not match the host's)."""
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == "asterisk":
            return int(fields[2]), int(fields[3])
    raise PbxBuildError(f"{root} has no asterisk user; remove the root and build again")
