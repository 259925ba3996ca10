"""`hotline prompts build` at install time: every profile's consent announcement exists as an audio file before
the first call, and a start then only places it; an install that cannot make it fails naming what is missing."""
from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path, PurePosixPath

from core.policy import available_profiles, load_profile
from ivr_flows import PromptBuilder, SoundsDirs, cache_name


async def hotline_prompts(cache: Path, cwd: Path, path: str | None = None) -> tuple[int, str]:
    env = {**os.environ, "HOTLINE_PBX_CACHE_DIR": str(cache)}
    if path is not None:
        env["PATH"] = path
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "hotline", "prompts", "build", cwd=cwd,
                                                   env=env, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    return process.returncode, out.decode()


async def test_the_install_builds_every_profiles_consent_announcement_and_a_start_synthesises_nothing(tmp_path):
    code, out = await hotline_prompts(tmp_path / "cache", tmp_path)
    assert code == 0, out
    for name in available_profiles():
        profile = load_profile(name)
        consent = tmp_path / "cache" / "prompts" / f"{cache_name(profile.language, profile.prompts.consent)}.sln"
        assert consent.stat().st_size > 8000 * 2, name   # over a second of 8 kHz speech
        dirs = SoundsDirs(cache=tmp_path / "cache" / "prompts", host=tmp_path / "pbx" / name, pbx=PurePosixPath("p"))
        started = await PromptBuilder(dirs, profile.language).build(profile.prompts.model_dump())
        assert started.synthesised == 0 and "consent" in started.names and not started.missing


async def test_an_install_that_cannot_speak_fails_naming_the_profile_and_the_announcement(tmp_path):
    tools = tmp_path / "bin"   # the interpreter's own directory only: no espeak-ng, no sox
    tools.mkdir()
    (tools / "python3").symlink_to(sys.executable)
    code, out = await hotline_prompts(tmp_path / "cache", tmp_path, path=str(tools))
    assert code == 1
    assert "profile lt-employment-1883 records calls but its consent announcement could not be synthesised" in out
    assert shutil.which("espeak-ng") is not None   # the machine has it: the failure came from the PATH above
