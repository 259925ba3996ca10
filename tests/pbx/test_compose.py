"""docker/compose.yaml: the production-like deployment uses the same Asterisk configs and keeps AMI private."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

DOCKER_DIR = Path(__file__).resolve().parents[2] / "docker"


def test_compose_file_wires_asterisk_hotline_and_postgres():
    compose = yaml.safe_load((DOCKER_DIR / "compose.yaml").read_text())
    services = compose["services"]
    assert {"asterisk", "hotline", "postgres", "pbx-config"} <= set(services)
    for name in ("asterisk", "hotline", "pbx-config"):
        build = services[name]["build"]
        assert (DOCKER_DIR / build["context"] / build["dockerfile"]).is_file(), name
    # AMI and FastAGI stay on 127.0.0.1: hotline lives in Asterisk's network namespace
    assert services["hotline"]["network_mode"] == "service:asterisk"
    assert "postgresql+asyncpg://" in services["hotline"]["environment"]["HOTLINE_DATABASE_URL"]
    assert services["hotline"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # the generated includes are rendered by hotline itself into the directory Asterisk includes
    assert services["pbx-config"]["command"] == ["hotline", "pbx", "render", "/etc/asterisk/hotline"]
    assert "asterisk-generated:/etc/asterisk/hotline" in services["asterisk"]["volumes"]
    assert "HOTLINE_AMI_SECRET:?" in (DOCKER_DIR / "compose.yaml").read_text()  # no default secret
    published = services["asterisk"].get("ports", [])
    assert all(p.startswith("127.0.0.1:") and ":5038" not in p for p in published)
    _docker_compose_accepts_it()


def _docker_compose_accepts_it() -> None:
    """Also `docker compose config` where the compose plugin exists (it does not on every machine)."""
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        return
    env = {**os.environ, "HOTLINE_AMI_SECRET": "x" * 24, "POSTGRES_PASSWORD": "pw"}
    result = subprocess.run([docker, "compose", "-f", str(DOCKER_DIR / "compose.yaml"), "config", "-q"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr


def test_asterisk_image_uses_the_sandbox_configs():
    dockerfile = (DOCKER_DIR / "Dockerfile.asterisk").read_text()
    assert "COPY asterisk/ /etc/asterisk/" in dockerfile
    assert "debian:sid" in dockerfile and "asterisk-core-sounds-en-gsm" in dockerfile
