"""``hotline audit verify|show`` from the shell: exit 0 and the count while the chain holds; exit 3 naming the
first broken row after a change, a deleted middle row, deleted last rows."""
from __future__ import annotations

import pytest

from hotline.audit import AuditTrail
from tests.hotline.audit_fixtures import TAMPERING, record, tamper
from tests.hotline.test_auth_cli import hotline


async def _trail_of_five(engine) -> None:
    trail = AuditTrail(engine)
    for n in range(5):
        await trail.append(record(n, actor_name="dpo-1" if n % 2 else "sup-1"))


async def test_verify_says_intact_with_the_count_and_show_lists_an_actors_rows(db_url, db_engine, tmp_path):
    code, out, err = await hotline(["audit", "verify"], db_url, tmp_path)
    assert (code, out.split(":")[0]) == (0, "audit trail intact") and "0 rows" in out, err
    await _trail_of_five(db_engine)
    code, out, err = await hotline(["audit", "verify"], db_url, tmp_path)
    assert code == 0 and "intact: 5 rows, head " in out, err
    code, out, err = await hotline(["audit", "show", "--actor", "dpo-1"], db_url, tmp_path)
    assert code == 0, err
    assert [line.split("\t")[0] for line in out.splitlines()] == ["4", "2"]
    assert "\tdpo-1\tdpo\tread\tGET /api/calls/{id}\t" in out
    code, _, err = await hotline(["audit", "show", "--since", "2026-01-01T00:00"], db_url, tmp_path)
    assert code == 2 and "offset" in err


@pytest.mark.parametrize("case", TAMPERING, ids=lambda case: case.name)
async def test_verify_names_the_first_broken_row_and_exits_3(db_url, db_engine, tmp_path, case):
    await _trail_of_five(db_engine)
    await tamper(db_engine, case.statement)
    code, out, err = await hotline(["audit", "verify"], db_url, tmp_path)
    assert (code, out) == (3, "")
    assert err.startswith(f"audit trail broken at row {case.broken_at}: ") and case.words in err
