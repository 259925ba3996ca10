"""The prompt builder: turns the profile's prompt texts into 8 kHz mono 16-bit audio the PBX plays, once per text.

espeak-ng speaks the text with the profile's voice (``lt``, ``lv``), sox converts it to signed-linear ``.sln``.
Files are cached under a name derived from the voice and the text, so an unchanged text is never synthesised
again; a text that cannot be synthesised (espeak-ng missing or failing) falls back to an English core sound, so
the caller always hears something, except the consent announcement (``SPOKEN_OR_NOTHING``): a beep is no consent,
so it is left missing and the flow records nothing. Installs build every profile's prompts into the cache
(``hotline prompts build``, run by ``make`` and the Docker image), so a start only finds and places them. Runs as
subprocesses: nothing blocks the event loop.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

FORMAT = "sln"                    # Asterisk's signed linear, 8 kHz mono 16-bit little-endian
BYTES_PER_SECOND = 8000 * 2
_RECIPE = "espeak-ng|sox 8k mono s16le v1"   # part of the cache key: a new recipe means new files
# English core sounds (asterisk-core-sounds-en) when a text cannot be spoken in the profile's language
FALLBACK_SOUNDS = {
    "greeting": "hello-world",
    "menu": "please-try-again",
    "invalid_choice": "option-is-invalid",
    "goodbye": "vm-goodbye",
    "preverify": "beep",
}
SYNTH_TIMEOUT = 30.0
# prompts whose words matter (the recording-consent announcement): nothing stands in for them; a flow that needs one
# and finds it missing does without what it announces (no recording without a spoken consent announcement)
SPOKEN_OR_NOTHING = frozenset({"consent"})


@dataclass(frozen=True)
class SoundsDirs:
    """Where prompts are cached, where the PBX's files go on this host, and how the PBX names that directory."""

    cache: Path
    host: Path
    pbx: PurePosixPath


@dataclass
class PromptSet:
    """Prompt key → what ``STREAM FILE`` / ``GET DATA`` take (a path without extension) and its length."""

    names: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    synthesised: int = 0          # files made by this build (0 when everything came from the cache)
    fallbacks: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   # SPOKEN_OR_NOTHING prompts that could not be made

    def __getitem__(self, key: str) -> str:
        return self.names[key]


def cache_name(voice: str, text: str) -> str:
    digest = hashlib.sha256(f"{_RECIPE}\n{voice}\n{text}".encode()).hexdigest()[:24]
    return f"{voice}-{digest}"


class PromptBuilder:
    def __init__(self, dirs: SoundsDirs, voice: str, *, espeak: str = "espeak-ng", sox: str = "sox") -> None:
        self.dirs = dirs
        self.voice = voice
        self.espeak = espeak
        self.sox = sox

    async def build(self, texts: Mapping[str, str]) -> PromptSet:
        """Synthesise what is not cached yet, place every file where the PBX reads it; never raises on a text."""
        self.dirs.cache.mkdir(parents=True, exist_ok=True)
        self.dirs.host.mkdir(parents=True, exist_ok=True)
        self.dirs.host.chmod(0o755)  # Asterisk runs as its own user
        prompts = PromptSet()
        for key, text in texts.items():
            if not text.strip():
                continue
            name = cache_name(self.voice, text)
            cached = self.dirs.cache / f"{name}.{FORMAT}"
            if not _usable(cached):
                if await self._synthesise(text, cached):
                    prompts.synthesised += 1
                    if key in SPOKEN_OR_NOTHING:   # installs build it (hotline prompts build): say it was not
                        log.warning("prompt %s was not built at install time; synthesised now (voice %s)", key,
                                    self.voice)
                elif key in SPOKEN_OR_NOTHING:
                    prompts.missing.append(key)
                    continue
                else:
                    prompts.names[key] = FALLBACK_SOUNDS.get(key, "beep")
                    prompts.fallbacks.append(key)
                    continue
            placed = self.dirs.host / cached.name
            if not _usable(placed) or placed.stat().st_size != cached.stat().st_size:
                await asyncio.to_thread(_copy, cached, placed)
            prompts.names[key] = str(self.dirs.pbx / name)
            prompts.seconds[key] = cached.stat().st_size / BYTES_PER_SECOND
        if prompts.fallbacks:
            log.warning("prompts %s could not be synthesised (voice %s); English core sounds instead",
                        prompts.fallbacks, self.voice)
        if prompts.missing:
            log.error("prompts %s could not be synthesised (voice %s) and have no stand-in: without the consent "
                      "announcement no call is recorded", prompts.missing, self.voice)
        return prompts

    async def cache_all(self, texts: Mapping[str, str]) -> tuple[int, list[str]]:
        """Install time (``hotline prompts build``): synthesise every text into the cache, nothing placed for a PBX;
        how many files were made and the keys that could not be."""
        self.dirs.cache.mkdir(parents=True, exist_ok=True)
        made, failed = 0, []
        for key, text in texts.items():
            cached = self.dirs.cache / f"{cache_name(self.voice, text)}.{FORMAT}"
            if not text.strip() or _usable(cached):
                continue
            if await self._synthesise(text, cached):
                made += 1
            else:
                failed.append(key)
        return made, failed

    async def _synthesise(self, text: str, target: Path) -> bool:
        wav = target.with_suffix(f".{os.getpid()}.wav")
        partial = target.with_suffix(f".{os.getpid()}.part")
        try:
            ok = (await _run(self.espeak, "-v", self.voice, "-w", str(wav), "--", text)
                  and await _run(self.sox, str(wav), "-t", "raw", "-r", "8000", "-c", "1", "-b", "16",
                                 "-e", "signed-integer", "-L", str(partial)))
            if ok and _usable(partial):
                partial.replace(target)  # atomic: a concurrent build never reads half a file
                return True
            return False
        finally:
            wav.unlink(missing_ok=True)
            partial.unlink(missing_ok=True)


def _usable(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _copy(source: Path, target: Path) -> None:
    partial = target.with_suffix(".part")
    shutil.copyfile(source, partial)
    partial.chmod(0o644)
    partial.replace(target)


async def _run(*command: str) -> bool:
    """One tool run; False when it is missing, fails or hangs (its stderr is logged, never the text)."""
    try:
        process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.DEVNULL,
                                                       stderr=asyncio.subprocess.PIPE)
    except OSError as exc:
        log.warning("%s not runnable: %s", command[0], exc)
        return False
    try:
        async with asyncio.timeout(SYNTH_TIMEOUT):
            _, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        log.warning("%s took longer than %g s", command[0], SYNTH_TIMEOUT)
        return False
    if process.returncode != 0:
        log.warning("%s failed (%s): %s", command[0], process.returncode, stderr.decode(errors="replace")[:200])
        return False
    return True
