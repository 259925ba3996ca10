"""The prompt builder with the real espeak-ng and sox: both profile languages, the cache, the English fallback."""
from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from core.policy import load_profile
from ivr_flows.prompts import BYTES_PER_SECOND, FALLBACK_SOUNDS, PromptBuilder, SoundsDirs


def dirs(tmp_path: Path) -> SoundsDirs:
    return SoundsDirs(cache=tmp_path / "cache", host=tmp_path / "pbx-sounds", pbx=PurePosixPath("/pbx/sounds"))


@pytest.mark.parametrize("profile_name", ["lt-employment-1883", "lv-social-insurance"])
async def test_each_language_gets_audio_of_plausible_length_where_the_pbx_reads_it(tmp_path, profile_name):
    profile = load_profile(profile_name)
    texts = {"greeting": profile.prompts.greeting, "consent": profile.prompts.consent}
    prompts = await PromptBuilder(dirs(tmp_path), profile.language).build(texts)
    assert prompts.fallbacks == [] and prompts.synthesised == 2
    for key, text in texts.items():
        name = PurePosixPath(prompts[key])
        assert name.parent == PurePosixPath("/pbx/sounds") and not name.suffix   # STREAM FILE takes no extension
        placed = tmp_path / "pbx-sounds" / f"{name.name}.sln"
        seconds = placed.stat().st_size / BYTES_PER_SECOND
        assert seconds == prompts.seconds[key]
        # spoken text runs at roughly 8-25 characters a second
        assert len(text) / 25 < seconds < len(text) / 8 + 1.5, (key, seconds)
        assert placed.stat().st_mode & 0o444 == 0o444                         # Asterisk's own user reads it


async def test_a_cached_text_is_not_synthesised_again_and_a_changed_one_is(tmp_path):
    texts = {"greeting": "Sveiki.", "goodbye": "Viso gero."}
    first = await PromptBuilder(dirs(tmp_path), "lt").build(texts)
    cached = sorted((tmp_path / "cache").glob("*.sln"))
    stamps = [path.stat().st_mtime_ns for path in cached]
    again = await PromptBuilder(dirs(tmp_path), "lt", espeak="/nonexistent/espeak-ng").build(texts)
    assert again.synthesised == 0 and again.fallbacks == []      # espeak-ng was not even needed
    assert again.names == first.names
    assert [path.stat().st_mtime_ns for path in cached] == stamps
    changed = await PromptBuilder(dirs(tmp_path), "lt").build({**texts, "greeting": "Laba diena."})
    assert changed.synthesised == 1 and changed.names["greeting"] != first.names["greeting"]


async def test_without_espeak_the_english_core_sounds_are_played(tmp_path):
    prompts = await PromptBuilder(dirs(tmp_path), "lt", espeak="/nonexistent/espeak-ng").build(
        {"greeting": "Sveiki.", "invalid_choice": "Pasirinkimas neatpažintas."})
    assert prompts.names == {"greeting": FALLBACK_SOUNDS["greeting"],
                             "invalid_choice": FALLBACK_SOUNDS["invalid_choice"]}
    assert prompts.fallbacks == ["greeting", "invalid_choice"]
    assert not list((tmp_path / "cache").iterdir())                # nothing half-made left behind


async def test_the_consent_announcement_has_no_stand_in_when_it_cannot_be_made(tmp_path):
    """A beep is no consent: the builder leaves the consent prompt missing (the menu flow then records nothing)."""
    prompts = await PromptBuilder(dirs(tmp_path), "lt", espeak="/nonexistent/espeak-ng").build(
        {"greeting": "Sveiki.", "consent": "Pokalbis gali būti įrašomas."})
    assert "consent" not in prompts.names and prompts.missing == ["consent"]
    assert prompts.fallbacks == ["greeting"]
