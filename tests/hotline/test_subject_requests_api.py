"""``/api/subject-requests`` over HTTP: the DPO's alone (every other role 403), input it cannot use is 422 with the
error object (a bad number, an unknown kind, a bad date), reads of it are audited personal-data reads."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.settings import Settings
from hotline.audit.models import AuditRow
from tests.api_fixtures import auth
from tests.hotline.subject_request_fixtures import subject_request_app

TODAY = dt.date.today().isoformat()


@pytest.fixture
async def client(aiohttp_client, db_engine, tmp_path):
    app, _ = subject_request_app(db_engine, tmp_path / "monitor", Settings(_env_file=None))
    return await aiohttp_client(app)


async def test_the_dpo_receives_lists_and_moves_a_request_and_reads_are_audited(client, tokens, db_sessionmaker):
    dpo = auth(tokens["dpo"])
    created = await client.post("/api/subject-requests", headers=dpo,
                                json={"kind": "erasure", "number": "+37060000031", "received_on": "2025-12-23"})
    assert created.status == 201
    body = await created.json()
    assert (body["number"], body["assess_due_on"], body["due_on"], body["state"]) == (
        "+37060000031", "2026-01-09", "2026-01-16", "received")
    # LT, counted from Tuesday 23 Dec 2025 itself: 23 (1), [24-26 holidays, 27-28 weekend], 29 (2), 30 (3), 31 (4),
    # [1 Jan holiday], 2 (5), [3-4], 5 (6), 6 (7), 7 (8), 8 (9), 9 Jan (10); then 12, 13, 14, 15, 16 Jan
    listed = await client.get("/api/subject-requests", headers=dpo)
    assert [r["id"] for r in await listed.json()] == [body["id"]]
    moved = await client.post(f"/api/subject-requests/{body['id']}/state", headers=dpo,
                              json={"state": "refused", "reason": "not justified"})
    assert (await moved.json())["state"] == "refused"
    again = await client.post(f"/api/subject-requests/{body['id']}/state", headers=dpo, json={"state": "done"})
    assert again.status == 409 and (await again.json())["error"]["code"] == "conflict"
    one = await client.get(f"/api/subject-requests/{body['id']}", headers=dpo)
    assert [c["after"].get("state") for c in (await one.json())["history"]] == ["received", "refused"]
    async with db_sessionmaker() as session:
        reads = (await session.scalars(select(AuditRow).where(AuditRow.action == "read"))).all()
    assert {row.route for row in reads} >= {"/api/subject-requests", "/api/subject-requests/{id}"}


@pytest.mark.parametrize("field, value, words", [
    ("number", "not-a-number", "number"), ("number", "+3706", "number"), ("kind", "portability", "kind"),
    ("received_on", "23.12.2026", "date"), ("received_on", "2026-02-30", "date"),
    ("received_on", "2999-01-01", "future")])
async def test_unusable_input_is_422_with_the_error_object(client, tokens, field, value, words):
    body = {"kind": "access", "number": "+37060000032", "received_on": TODAY} | {field: value}
    answer = await client.post("/api/subject-requests", headers=auth(tokens["dpo"]), json=body)
    error = (await answer.json())["error"]
    assert answer.status == 422 and error["code"] == "unprocessable" and words in error["message"]
    assert value not in error["message"] or field != "number"
    assert (await (await client.get("/api/subject-requests", headers=auth(tokens["dpo"]))).json()) == []


async def test_unknown_ids_are_404_and_missing_fields_400(client, tokens):
    dpo = auth(tokens["dpo"])
    assert (await client.get("/api/subject-requests/999", headers=dpo)).status == 404
    assert (await client.post("/api/subject-requests/999/execute", headers=dpo, json={})).status == 404
    assert (await client.post("/api/subject-requests", headers=dpo, json={"kind": "access"})).status == 400


@pytest.mark.parametrize("role", ["agent", "supervisor", "qa", "admin"])
async def test_every_other_role_is_refused(client, tokens, role):
    headers = auth(tokens[role])
    assert (await client.get("/api/subject-requests", headers=headers)).status == 403
    assert (await client.post("/api/subject-requests", headers=headers, json={
        "kind": "access", "number": "+37060000033", "received_on": TODAY})).status == 403
    assert (await client.get("/api/subject-requests/1", headers=headers)).status == 403
    assert (await client.post("/api/subject-requests/1/execute", headers=headers, json={})).status == 403
    assert (await client.get("/dpo", headers=headers)).status == 403
