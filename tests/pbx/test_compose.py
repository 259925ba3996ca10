"""docker/compose.yaml: the production-like deployment uses the same Asterisk configs and keeps AMI private."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from core.settings import Settings
from hotline.pbx.paths import prompt_dirs
from hotline.pbx.render import generated_includes
from hotline.service import ivr_sounds

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


def copy_sources(dockerfile: Path) -> list[str]:
    """The sources of every COPY line (all words but the destination; no --flags)."""
    sources = []
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"]:
            sources += [word for word in words[1:-1] if not word.startswith("--")]
    return sources


def test_every_copy_source_of_both_images_exists_and_the_service_gets_every_package():
    services = yaml.safe_load((DOCKER_DIR / "compose.yaml").read_text())["services"]
    for name in ("asterisk", "hotline"):
        context = DOCKER_DIR / services[name]["build"]["context"]
        for source in copy_sources(context / services[name]["build"]["dockerfile"]):
            assert (context / source).exists(), f"{name}: COPY {source} is not in the build context"
    packages = {path.name for path in DOCKER_DIR.parent.iterdir() if (path / "__init__.py").is_file()}
    assert packages - {"tests", "bench"} <= set(copy_sources(DOCKER_DIR / "Dockerfile"))


def test_the_service_image_can_synthesise_the_prompts_and_write_its_files():
    dockerfile = (DOCKER_DIR / "Dockerfile").read_text()
    assert "espeak-ng" in dockerfile and "sox" in dockerfile
    assert "HOTLINE_VAR_DIR=/var/lib/hotline" in dockerfile and "chown -R hotline /var/lib/hotline" in dockerfile


def test_the_prompts_hotline_writes_are_the_files_asterisk_plays():
    compose = yaml.safe_load((DOCKER_DIR / "compose.yaml").read_text())
    services, env = compose["services"], compose["x-hotline-env"]
    assert f"prompts:{env['HOTLINE_PROMPTS_DIR']}" in services["hotline"]["volumes"]
    assert f"prompts:{env['HOTLINE_PBX_PROMPTS_DIR']}" in services["asterisk"]["volumes"]
    assert services["pbx-config"]["environment"]["HOTLINE_PBX_PROMPTS_DIR"] == env["HOTLINE_PBX_PROMPTS_DIR"]
    # the service writes and names its prompts, and the queues' announcement, by those two paths
    settings = Settings(prompts_dir=env["HOTLINE_PROMPTS_DIR"], pbx_prompts_dir=env["HOTLINE_PBX_PROMPTS_DIR"],
                        ami_secret="x" * 24)
    sounds = ivr_sounds(settings)
    assert (str(sounds.host), str(sounds.pbx)) == (env["HOTLINE_PROMPTS_DIR"], env["HOTLINE_PBX_PROMPTS_DIR"])
    queues = generated_includes(settings, "x" * 24)["queues.conf"]
    assert f"periodic-announce = {env['HOTLINE_PBX_PROMPTS_DIR']}/" in queues


def test_half_a_shared_prompts_setting_is_refused_with_what_to_set():
    with pytest.raises(ValueError, match="HOTLINE_PROMPTS_DIR and HOTLINE_PBX_PROMPTS_DIR together"):
        prompt_dirs(Settings(prompts_dir="/var/lib/hotline/prompts"))
