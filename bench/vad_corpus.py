"""The labelled set of ``bench/vad.py``: espeak-ng Lithuanian and Latvian speech at known offsets (seeded pauses,
some long), through the telephone band (300-3400 Hz, sox), line noise (pink and white hiss, mains hum) mixed in at
several SNRs, then a G.711 round trip in each of the sandbox's codecs (docker/asterisk/pjsip.conf: ulaw, alaw).
The truth per 10 ms frame comes from the clean band-limited speech (``recording.analysis.synthetic.labels``).
Everything is cached under ~/.cache/hotline/vad-corpus/ (outside the repository) and rebuilt only if the recipe
changes."""
from __future__ import annotations

import array
import audioop
import hashlib
import json
import math
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.settings import default_cache_dir
from hotline.pbx.speech import phrase_wav
from recording.analysis.audio import read_leg
from recording.analysis.synthetic import g711, labels, mix_noise, place, speech_rms, write_wav

SENTENCES = {
    "lt": ["Laba diena, norėčiau sužinoti apie nedarbo išmoką.",
           "Užsiregistravau praėjusią savaitę, bet dar negavau jokio atsakymo.",
           "Mano asmens kodas baigiasi skaičiais vienas, du, trys, keturi.",
           "Ar galėčiau atvykti į skyrių rytoj po pietų?",
           "Dirbau statybose dešimt metų, o dabar ieškau naujo darbo.",
           "Taip, suprantu. Ačiū.",
           "Kokius dokumentus turiu atsinešti?",
           "Gal galite pakartoti paskutinį sakinį?"],
    "lv": ["Labdien, es vēlētos uzzināt par bezdarbnieka pabalstu.",
           "Es iesniedzu iesniegumu pagājušajā nedēļā, bet atbildi vēl neesmu saņēmis.",
           "Mans personas kods beidzas ar cipariem viens, divi, trīs, četri.",
           "Vai es varētu atnākt uz nodaļu rīt pēcpusdienā?",
           "Es strādāju būvniecībā desmit gadus, un tagad meklēju jaunu darbu.",
           "Jā, saprotu. Paldies.",
           "Kādi dokumenti man jāņem līdzi?",
           "Vai jūs varētu atkārtot pēdējo teikumu?"],
}
CODECS = ("ulaw", "alaw")
SNRS: tuple[float | None, ...] = (None, 20.0, 10.0, 5.0, 0.0)   # None: no noise added
RECIPE = "vad-corpus v1: 90 s legs, seed 13, sinc 300-3400, pink+white+hum, noise before G.711"
LEG_SECONDS = 90.0
CACHE = default_cache_dir() / "vad-corpus" / hashlib.sha256(RECIPE.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Recording:
    language: str
    codec: str
    snr: float | None
    path: Path
    truth: list[tuple[float, float]]

    @property
    def condition(self) -> str:
        return "clean" if self.snr is None else f"{self.snr:g} dB"


def _sox(*args: str) -> None:
    subprocess.run(["sox", *args], check=True, capture_output=True, timeout=120)


def _band(pcm_path: Path) -> bytes:
    target = pcm_path.with_name(pcm_path.stem + "-band.wav")
    if not target.is_file():
        _sox(str(pcm_path), str(target), "sinc", "300-3400")
    return read_leg(target).pcm


def clean_leg(language: str) -> bytes:
    """The language's sentences in a seeded order with seeded pauses (0.3-3 s, every fourth 6-12 s)."""
    rng = random.Random(f"13-{language}")
    clips, at, turn = [], 0.5, 0
    while True:
        text = SENTENCES[language][rng.randrange(len(SENTENCES[language]))]
        pcm = _band(phrase_wav(CACHE / "phrases", language, text))
        if at + len(pcm) / 16000 > LEG_SECONDS - 0.5:
            return place(clips, LEG_SECONDS)
        clips.append((at, pcm))
        turn += 1
        at += len(pcm) / 16000 + (rng.uniform(6, 12) if turn % 4 == 0 else rng.uniform(0.3, 3.0))


def line_noise() -> bytes:
    """30 s of line noise: pink hiss, a third as much white hiss, and mains hum (50, 150, 250 Hz) in the band."""
    target = CACHE / "line-noise.wav"
    if not target.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        parts = []
        for name in ("pinknoise", "whitenoise"):
            part = CACHE / f"noise-{name}.wav"
            _sox("-n", "-r", "8000", "-c", "1", "-b", "16", str(part), "synth", "30", name, "vol", "0.5")
            parts.append(read_leg(part).pcm)
        parts.append(array.array("h", [int(3000 * sum(math.sin(2 * math.pi * hz * n / 8000) / k for k, hz in
                                                       enumerate((50, 150, 250), 1))) for n in range(240000)])
                     .tobytes())
        pink, white, hum = parts
        noise = audioop.add(audioop.add(pink, audioop.mul(white, 2, 0.33), 2), audioop.mul(hum, 2, 0.5), 2)
        write_wav(target, noise)
    return read_leg(target).pcm


def corpus() -> list[Recording]:
    index = CACHE / "index.json"
    if index.is_file():
        return [Recording(row["language"], row["codec"], row["snr"], Path(row["path"]),
                          [tuple(pair) for pair in row["truth"]]) for row in json.loads(index.read_text())]
    noise, out = line_noise(), []
    for language in SENTENCES:
        clean = clean_leg(language)
        truth = labels(clean)
        level = speech_rms(clean, truth)
        for snr in SNRS:
            noisy = clean if snr is None else mix_noise(clean, noise, snr, level)
            for codec in CODECS:
                path = write_wav(CACHE / f"{language}-{codec}-{'clean' if snr is None else int(snr)}.wav",
                                 g711(noisy, codec))
                out.append(Recording(language, codec, snr, path, truth))
    index.write_text(json.dumps([{"language": r.language, "codec": r.codec, "snr": r.snr, "path": str(r.path),
                                  "truth": r.truth} for r in out]))
    return out
