"""``hotline employees import|list`` against a real SQLite file: JSON and CSV, bad files change nothing."""
from __future__ import annotations

import asyncio
import json

import pytest

from hotline.cli import main


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.sqlite3'}")
    monkeypatch.setenv("HOTLINE_PROFILE", "lt-employment-1883")


async def cli(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))  # the command runs its own event loop


async def test_json_import_then_list(database, tmp_path, capsys):
    path = tmp_path / "staff.json"
    path.write_text(json.dumps([{"extension": "101", "name": "Ona", "competences": ["general_info"]}]))
    assert await cli("employees", "import", str(path)) == 0
    assert "1 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert await cli("employees", "list") == 0
    assert "101\tOna\t\tgeneral_info\tactive" in capsys.readouterr().out


async def test_bad_csv_row_fails_with_row_and_field_and_stores_nothing(database, tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text("extension,name,competences\n101,Ona,general_info\nx1,Jonas,general_info\n")
    assert await cli("employees", "import", str(path)) == 1
    assert "row 2, field extension" in capsys.readouterr().err
    assert await cli("employees", "list") == 0
    assert capsys.readouterr().out == ""
