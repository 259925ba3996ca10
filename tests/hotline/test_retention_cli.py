"""``hotline retention purge [--dry-run]``: the dry run changes nothing and prints counts per kind (no number, no
id); the purge itself runs with its progress bar when stderr is no terminal (as under cron or in this test)."""
from __future__ import annotations

import asyncio

from core.db import make_engine
from hotline import migrate
from hotline.cli import main
from tests.recording.catalogue_fixtures import make_catalogue
from tests.recording.retention_fixtures import add_call, days_ago, recorded

NUMBER = "+37060000051"


async def _seed(db_url: str, monitor) -> str:
    await migrate.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        catalogued = make_catalogue(engine, monitor)
        await add_call(engine, "cli-1", NUMBER, days_ago(2000))
        return await recorded(catalogued, "hotline-cli-1.wav", days_ago(400), call_id="cli-1")
    finally:
        await engine.dispose()


def test_the_dry_run_prints_counts_and_deletes_nothing_then_the_purge_runs_without_a_terminal(
        db_url, tmp_path, monkeypatch, capsys):
    monitor = tmp_path / "monitor"
    entry_id = asyncio.run(_seed(db_url, monitor))
    monkeypatch.setenv("HOTLINE_DATABASE_URL", db_url)
    monkeypatch.setenv("HOTLINE_RECORDINGS_DIR", str(monitor))
    monkeypatch.setenv("HOTLINE_PROFILE", "lt-employment-1883")

    assert main(["retention", "purge", "--dry-run"]) == 0
    dry = capsys.readouterr()
    assert "dry run: nothing changed" in dry.out
    assert "recordings\t1" in dry.out and "call_metadata\t1" in dry.out and "restricted_kept\t0" in dry.out
    assert (monitor / "hotline-cli-1.wav").exists()
    assert main(["retention", "purge", "--dry-run"]) == 0 and "recordings\t1" in capsys.readouterr().out

    assert main(["retention", "purge"]) == 0
    done = capsys.readouterr()
    assert "recordings\t1" in done.out and "files_deleted\t1" in done.out and "call_metadata\t1" in done.out
    assert not (monitor / "hotline-cli-1.wav").exists()
    for text in (dry.out, dry.err, done.out, done.err):
        assert NUMBER not in text and NUMBER.lstrip("+") not in text and entry_id not in text
    assert main(["retention", "purge", "--dry-run"]) == 0 and "recordings\t0" in capsys.readouterr().out
