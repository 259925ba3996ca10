"""The sandbox PBX: a real Asterisk 22 in a cached debootstrap root, one or more instances side by side.

Public interface (used by ``hotline pbx``, ``make run`` and the test fixture)::

    build_root(settings) -> Path                 # cached; about a minute the first time
    await up(settings) -> SandboxStatus          # idempotent; returns once AMI accepts a login
    await down(settings, purge=False) -> bool    # stops only this instance's own Asterisk
    status(settings) -> SandboxStatus
    ami_credentials(settings) -> AmiCredentials  # HOTLINE_AMI_SECRET or the instance's generated secret
    instance_paths(settings) -> InstancePaths    # host paths of the instance (recordings, logs, ...)
"""
from hotline.pbx.ami_probe import AmiLoginRejected, login, send_action
from hotline.pbx.credentials import AmiCredentials, CredentialsMissing, ami_credentials
from hotline.pbx.lifecycle import PbxStartError, SandboxStatus, down, running_pid, status, up
from hotline.pbx.paths import InstancePaths, instance_paths
from hotline.pbx.root import PbxBuildError, build_root, root_dir

__all__ = [
    "AmiCredentials", "AmiLoginRejected", "CredentialsMissing", "InstancePaths", "PbxBuildError", "PbxStartError",
    "SandboxStatus", "ami_credentials", "build_root", "down", "instance_paths", "login", "root_dir",
    "running_pid", "send_action", "status", "up",
]
