"""Real speech for the sandbox's SIP network: espeak-ng phrases as 8 kHz mono 16-bit WAV (what G.711 carries),
padded with silence, made once per voice and text and cached beside the PBX root.

The padding matters for softphones: baresip hangs up when its audio source ends, so a file for a softphone is
longer than any call it takes.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

# what the sandbox's parties say, by profile language
PHRASES = {
    "lt": {"caller": "Laba diena, norėčiau sužinoti apie nedarbo išmoką.",
           "agent": "Užimtumo tarnyba, klausau. Kuo galiu padėti?",
           "phone": "Alio, klausau."},
    "lv": {"caller": "Labdien, es vēlētos uzzināt par bezdarbnieka pabalstu.",
           "agent": "Valsts sociālās apdrošināšanas aģentūra, klausos.",
           "phone": "Hallo, klausos."},
}


class SpeechError(RuntimeError):
    """espeak-ng or sox is missing or failed; the message says which."""


def phrase_wav(cache_dir: Path, voice: str, text: str, *, lead_seconds: float = 0.0,
               pad_seconds: float = 0.0) -> Path:
    """The cached WAV of ``text`` spoken with ``voice``, after ``lead_seconds`` and followed by ``pad_seconds``
    of silence."""
    recipe = f"espeak-ng|sox wav8k v1\n{voice}\n{text}\n{lead_seconds:g}\n{pad_seconds:g}"
    key = hashlib.sha256(recipe.encode()).hexdigest()[:20]
    target = cache_dir / f"{voice}-{key}.wav"
    if target.is_file():
        return target
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SpeechError(f"{tool} is not installed (apt-get install espeak-ng sox)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    raw, partial = target.with_suffix(".raw.wav"), target.with_suffix(".part.wav")
    _run(["espeak-ng", "-v", voice, "-w", str(raw), "--", text])
    _run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", str(partial),
          "pad", f"{lead_seconds:g}", f"{pad_seconds:g}"])
    raw.unlink()
    partial.rename(target)   # complete files only: a concurrent reader never sees half a phrase
    return target


def phrase_seconds(path: Path) -> float:
    """Length of a phrase file (8 kHz, 16-bit mono WAV with a 44-byte header)."""
    return (path.stat().st_size - 44) / 16000


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise SpeechError(f"{command[0]} failed (exit {result.returncode}): {result.stderr.strip()[:300]}")
