"""Writing one sandbox instance's configuration: its own etc (the static configs plus generated includes), its
[directories] and its state directories, owned so that the chrooted Asterisk can use them.

Two kinds of instance share the code: the hotline PBX (``docker/asterisk`` + the sandbox's test dialplan) and the
sandbox's public network (``docker/asterisk`` with ``docker/asterisk-sandbox/network`` laid over it).
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from core.settings import Settings
from hotline.pbx import desk_phones
from hotline.pbx.paths import InstancePaths
from hotline.pbx.render import GENERATED_SUBDIR, HEADER, config_source, generated_includes, write_generated


def sandbox_sip(settings: Settings) -> Settings:
    """The sandbox's SIP stays on loopback, and its trunk leads to the sandbox's public network."""
    return settings.model_copy(update={
        "sip_bind": "127.0.0.1", "sip_media_address": "127.0.0.1",
        "sip_trunk_address": f"127.0.0.1:{settings.sandbox_network_sip_port}",
    })


def hotline_includes(settings: Settings, secret: str) -> dict[str, str]:
    return {**generated_includes(sandbox_sip(settings), secret, sandbox=True),
            desk_phones.INCLUDE: HEADER + desk_phones.hotline_side(secret)}


def directories_section(paths: InstancePaths) -> str:
    """asterisk.conf [directories] giving this instance its own state; binaries and sounds stay shared."""
    own = {
        "astetcdir": paths.etc,
        "astrundir": paths.run,
        "astspooldir": paths.spool,
        "astlogdir": paths.log,
        "astvarlibdir": paths.lib,
        "astdbdir": paths.lib,
        "astkeydir": paths.lib,
        "astcachedir": paths.cache,
    }
    shared = {
        "astmoddir": "/usr/lib/x86_64-linux-gnu/asterisk/modules",
        "astdatadir": "/usr/share/asterisk",
        "astagidir": "/usr/share/asterisk/agi-bin",
        "astsbindir": "/usr/sbin",
    }
    lines = [f"{key} => {value}" for key, value in {**own, **shared}.items()]
    return "[directories]\n" + "\n".join(lines) + "\n\n"


def render_instance(paths: InstancePaths, includes: Mapping[str, str], asterisk_uid_gid: tuple[int, int], *,
                    overlay: Path | None = None) -> None:
    """(Re)write the instance's etc from docker/asterisk (with ``overlay``'s files replacing and adding configs)
    and the generated ``includes``, and create its state directories."""
    source = config_source()
    etc = paths.host(paths.etc)
    if etc.exists():
        shutil.rmtree(etc)  # a config removed from docker/asterisk must not linger in the instance
    shutil.copytree(source, etc)
    if overlay is not None:
        shutil.copytree(overlay, etc, dirs_exist_ok=True)
    options = (source / "asterisk.conf").read_text()
    (etc / "asterisk.conf").write_text(HEADER + directories_section(paths) + options)
    write_generated(etc / GENERATED_SUBDIR, dict(includes))
    # cdr-custom: the PBX's own call records (docker/asterisk/cdr_custom.conf), which Asterisk does not create
    for sub in (paths.run, paths.spool, paths.log, paths.lib, paths.cache, paths.spool / "monitor",
                paths.log / "cdr-custom"):
        paths.host(sub).mkdir(parents=True, exist_ok=True)
    uid, gid = asterisk_uid_gid
    for sub in (paths.etc, paths.run, paths.spool, paths.log, paths.lib, paths.cache):
        top = paths.host(sub)
        for path in [top, *top.rglob("*")]:
            # only the group may read etc (it holds the AMI secret); Asterisk owns its state directories
            owner = 0 if sub == paths.etc else uid
            os.chown(path, owner, gid)
    paths.host(paths.etc).chmod(0o750)
