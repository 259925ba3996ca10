"""``GET|HEAD /api/recordings/{id}/audio`` (GDPR-LT §8, §15; SQLite and PostgreSQL): only the roles the role matrix
and the profile both let listen; byte ranges whose bytes are the file's; inline unless the profile allows copies;
restricted, missing and unknown recordings refused clearly; every listen and every refusal a row of the verified
audit chain; a deactivated user's next request refused."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from core.clock import utcnow
from directory.models import EmployeeRow
from hotline.audit import verify
from hotline.auth.models import User
from hotline.auth.service import create_user
from hotline.web.audit import PURPOSE_HEADER
from tests.api_fixtures import auth
from tests.hotline.audit_fixtures import audit_rows, tamper
from tests.hotline.listening_fixtures import listening_app, profile_with, record_call
from tests.recording.catalogue_fixtures import make_catalogue

AUDIO = "/api/recordings/{id}/audio"
WHO = ("actor_name", "actor_role", "method", "route", "status", "purpose")


@pytest.fixture
def catalogued(db_engine, tmp_path):
    return make_catalogue(db_engine, tmp_path / "monitor")


@pytest.fixture
async def call(catalogued):
    return await record_call(catalogued)


async def client_for(aiohttp_client, db_engine, catalogued, tmp_path, **recordings):
    app, _ = listening_app(db_engine, catalogued, tmp_path / "listen", profile_with(**recordings))
    return await aiohttp_client(app)


async def test_an_agent_is_refused_and_qa_listens_in_ranges_each_request_in_the_verified_trail(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call):
    client = await client_for(aiohttp_client, db_engine, catalogued, tmp_path)
    url, data = AUDIO.format(id=call.ids["mix"]), call.paths["mix"].read_bytes()
    purpose = {PURPOSE_HEADER: "QA review 2026-03"}
    refused = await client.get(url, headers={**auth(tokens["agent"]), **purpose})
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "forbidden"

    whole = await client.get(url, headers={**auth(tokens["qa"]), **purpose})
    assert whole.status == 200 and await whole.read() == data
    assert (whole.headers["Content-Type"], whole.headers["Accept-Ranges"], whole.headers["Cache-Control"]) == (
        "audio/wav", "bytes", "no-store")
    assert whole.headers["Content-Disposition"].startswith("inline")
    for header, start, end in [("bytes=100-4195", 100, 4195), ("bytes=60000-", 60000, len(data) - 1),
                               ("bytes=-500", len(data) - 500, len(data) - 1)]:
        part = await client.get(url, headers={**auth(tokens["qa"]), **purpose, "Range": header})
        assert part.status == 206, header
        assert part.headers["Content-Range"] == f"bytes {start}-{end}/{len(data)}"
        assert await part.read() == data[start:end + 1]
    several = await client.get(url, headers={**auth(tokens["qa"]), "Range": "bytes=0-9,20-29"})
    assert several.status == 200 and await several.read() == data   # several ranges: the whole file
    outside = await client.get(url, headers={**auth(tokens["qa"]), "Range": f"bytes={len(data)}-"})
    assert outside.status == 416 and outside.headers["Content-Range"] == f"bytes */{len(data)}"
    head = await client.head(url, headers=auth(tokens["qa"]))
    assert head.status == 200 and int(head.headers["Content-Length"]) == len(data) and await head.read() == b""

    rows = [row for row in await audit_rows(db_engine) if row["route"] == AUDIO]
    assert [tuple(row[k] for k in WHO) for row in rows[:2]] == [
        ("agent-1", "agent", "GET", AUDIO, 403, "QA review 2026-03"),
        ("qa-1", "qa", "GET", AUDIO, 200, "QA review 2026-03")]
    assert [row["status"] for row in rows] == [403, 200, 206, 206, 206, 200, 416, 200]   # one row per request
    assert all(call.ids["mix"] in row["resources"] for row in rows)
    assert (await verify(db_engine)).intact
    await tamper(db_engine, "UPDATE audit_log SET actor_name = 'someone-else' WHERE id = :id", id=rows[1]["id"])
    verdict = await verify(db_engine)
    assert not verdict.intact and verdict.broken_at == rows[1]["id"]


async def test_a_role_the_matrix_admits_but_the_profile_does_not_name_is_refused_and_audited(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call):
    client = await client_for(aiohttp_client, db_engine, catalogued, tmp_path, listen_roles=("qa", "dpo"))
    url = AUDIO.format(id=call.ids["caller"])
    refused = await client.get(url, headers=auth(tokens["supervisor"]))
    error = (await refused.json())["error"]
    assert (refused.status, error["code"]) == (403, "not_a_listener") and "qa, dpo" in error["message"]
    assert (await client.get(url, headers=auth(tokens["dpo"]))).status == 200
    rows = [row for row in await audit_rows(db_engine) if row["route"] == AUDIO]
    assert [(row["actor_name"], row["status"]) for row in rows] == [("supervisor-1", 403), ("dpo-1", 200)]


async def test_a_copy_is_an_attachment_only_where_the_profile_allows_copies(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call):
    url = AUDIO.format(id=call.ids["mix"]) + "?download=1"
    played_only = await client_for(aiohttp_client, db_engine, catalogued, tmp_path)
    refused = await played_only.get(url, headers=auth(tokens["qa"]))
    assert (refused.status, (await refused.json())["error"]["code"]) == (403, "no_copies")
    copies = await client_for(aiohttp_client, db_engine, catalogued, tmp_path, allow_copies=True)
    copy = await copies.get(url, headers=auth(tokens["qa"]))
    assert copy.status == 200 and copy.headers["Content-Disposition"].startswith("attachment")
    assert await copy.read() == call.paths["mix"].read_bytes()


async def test_restricted_missing_and_unknown_recordings_are_refused_clearly_and_audited(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call):
    client = await client_for(aiohttp_client, db_engine, catalogued, tmp_path)
    await catalogued.catalogue.restrict(call.ids["mix"], "dpo-1", "SR-1")
    restricted = await client.get(AUDIO.format(id=call.ids["mix"]), headers=auth(tokens["qa"]))
    assert (restricted.status, (await restricted.json())["error"]["code"]) == (409, "restricted")
    call.paths["agent"].unlink()
    gone = await client.get(AUDIO.format(id=call.ids["agent"]), headers=auth(tokens["qa"]))
    assert (gone.status, (await gone.json())["error"]["code"]) == (410, "gone")
    unknown = await client.get(AUDIO.format(id="0" * 32), headers=auth(tokens["qa"]))
    bad = await client.get(AUDIO.format(id="../etc"), headers=auth(tokens["qa"]))
    assert (unknown.status, bad.status) == (404, 404)   # a path the route does not match
    rows = [row for row in await audit_rows(db_engine) if row["route"] == AUDIO]
    assert [row["status"] for row in rows] == [409, 410, 404]


@pytest.mark.parametrize("how", ["user", "employee"])
async def test_a_user_deactivated_while_holding_a_valid_token_is_refused_at_the_next_request(
        aiohttp_client, db_engine, db_sessionmaker, catalogued, tmp_path, call, how):
    async with db_sessionmaker() as session:
        _, token = await create_user(session, "qa-leaving", "qa", extension="150")
        session.add(EmployeeRow(extension="150", name="QA", active=True, created_at=utcnow(), updated_at=utcnow()))
        await session.commit()
    client = await client_for(aiohttp_client, db_engine, catalogued, tmp_path)
    url = AUDIO.format(id=call.ids["caller"])
    assert (await client.get(url, headers=auth(token))).status == 200
    async with db_sessionmaker() as session:
        if how == "user":
            await session.execute(update(User).where(User.name == "qa-leaving").values(active=False))
        else:
            await session.execute(update(EmployeeRow).where(EmployeeRow.extension == "150").values(active=False))
        await session.commit()
    refused = await client.get(url, headers={**auth(token), "Range": "bytes=0-99"})
    assert refused.status == 401 and (await refused.json())["error"]["code"] == "unauthenticated"
