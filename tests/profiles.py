"""Profile files for tests that must not depend on the day of the week they run on."""
from __future__ import annotations

import re
from pathlib import Path

from core.policy import PROFILE_DIR

ALWAYS_OPEN_DAYS = "[business_hours]\nobserve_holidays = false\n\n[business_hours.days]\n" + "".join(
    f'{day} = ["00:00", "23:59:59"]\n' for day in range(1, 8))


def always_open_profile(directory: Path, base: str = "lt-employment-1883") -> Path:
    """A copy of shipped profile ``base`` whose hotline is open round the clock, holidays included (a callback
    due "now" is dialled now whenever the test runs); everything else as shipped."""
    text = (PROFILE_DIR / f"{base}.toml").read_text(encoding="utf-8")
    text, replaced = re.subn(r"\[business_hours\.days\]\n(?:[1-7] = .*\n)+", ALWAYS_OPEN_DAYS, text)
    assert replaced == 1, f"profile {base} has no [business_hours.days] table to replace"
    path = directory / f"{base}-always-open.toml"
    path.write_text(text, encoding="utf-8")
    return path
