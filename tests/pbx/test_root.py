"""Building the cached root: once, atomically, safely under concurrency (debootstrap replaced by a fake)."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.settings import Settings
from hotline.pbx import root as pbx_root


@pytest.fixture
def fake_debootstrap(monkeypatch):
    """Counts builds; each 'build' makes a root with an asterisk binary, after a pause that invites races."""
    calls: list[Path] = []
    release = threading.Event()

    def debootstrap(target: Path) -> None:
        calls.append(target)
        release.wait(5)
        (target / "usr/sbin").mkdir(parents=True)
        (target / "usr/sbin/asterisk").write_text("")

    monkeypatch.setattr(pbx_root, "_debootstrap", debootstrap)
    monkeypatch.setattr(pbx_root, "_asterisk_version", lambda target: "Asterisk (fake)")
    return calls, release


def test_concurrent_builders_build_once_and_share_the_result(tmp_path, fake_debootstrap):
    calls, release = fake_debootstrap
    settings = Settings(pbx_cache_dir=tmp_path)
    results: list[Path] = []
    builders = [threading.Thread(target=lambda: results.append(pbx_root.build_root(settings, progress=str)))
                for _ in range(3)]
    for builder in builders:
        builder.start()
    release.set()
    for builder in builders:
        builder.join(10)

    assert len(calls) == 1
    assert results == [tmp_path / pbx_root.ROOT_DIRNAME] * 3
    assert pbx_root.is_built(results[0])
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [pbx_root.ROOT_DIRNAME]


def test_a_built_root_is_reused(tmp_path, fake_debootstrap):
    calls, release = fake_debootstrap
    release.set()
    settings = Settings(pbx_cache_dir=tmp_path)
    first = pbx_root.build_root(settings, progress=str)
    assert pbx_root.build_root(settings, progress=str) == first
    assert len(calls) == 1


def test_a_failed_build_leaves_nothing_to_reuse(tmp_path, monkeypatch):
    def broken(target: Path) -> None:
        (target / "partial").write_text("half a root")
        raise pbx_root.PbxBuildError("debootstrap failed (exit 1)")

    monkeypatch.setattr(pbx_root, "_debootstrap", broken)
    with pytest.raises(pbx_root.PbxBuildError, match="debootstrap failed"):
        pbx_root.build_root(Settings(pbx_cache_dir=tmp_path), progress=str)
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []
