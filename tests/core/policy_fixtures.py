"""A broken copy of the LT profile, for the tests of profile validation (core and the directory's rules)."""
from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

from core.policy import PROFILE_DIR


def broken(tmp_path: Path, change) -> Path:
    data = tomllib.loads((PROFILE_DIR / "lt-employment-1883.toml").read_text())
    change(data)
    path = tmp_path / "broken.toml"
    path.write_text(tomli_w.dumps(data))
    return path
