"""A data subject's listen-only session (GDPR-LT §14, §24.1; SQLite and PostgreSQL) on generated recordings: the
DPO opens it, the link's page plays the caller's own leg with the agent silent and the marked segment a tone,
every opening and stream request is audited in the DPO's name with the session's id (never the token), no route
gives the file under ``none``, the link expires (410) and its rendered audio is deleted; restricted recordings
never go in; under ``redacted_audio`` the DPO's copy is the stream, sample for sample."""
from __future__ import annotations

import datetime as dt
import wave

import pytest
from sqlalchemy import select, update

from core.clock import utcnow
from hotline.web.listen_link import link_free_path
from recording.listening import BLEEP_HZ, ListenSessionRow
from tests.api_fixtures import auth
from tests.hotline.audit_fixtures import audit_rows
from tests.hotline.listening_fixtures import RATE, listening_app, profile_with, record_call, rms, samples_of
from tests.recording.catalogue_fixtures import make_catalogue
from tests.recording.listening.test_listening_redaction import share_at

SESSIONS = "/api/listen-sessions"


@pytest.fixture
def catalogued(db_engine, tmp_path):
    return make_catalogue(db_engine, tmp_path / "monitor")


@pytest.fixture
async def call(catalogued):
    return await record_call(catalogued)


async def app_for(aiohttp_client, db_engine, catalogued, tmp_path, copy: str = "none"):
    app, sessions = listening_app(db_engine, catalogued, tmp_path / "listen", profile_with(subject_access_copy=copy))
    return await aiohttp_client(app), sessions


async def open_session(client, tokens, ids, **fields):
    response = await client.post(SESSIONS, json={"recording_ids": ids, **fields}, headers=auth(tokens["dpo"]))
    return response.status, await response.json()


async def test_the_link_plays_the_callers_leg_with_the_agent_silent_and_the_marked_segment_bleeped(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call):
    client, sessions = await app_for(aiohttp_client, db_engine, catalogued, tmp_path)
    status, made = await open_session(client, tokens, [call.ids["mix"]], bleeps=[[1.0, 1.5]],
                                      subject_request_id="SR-2026-17")
    assert status == 201, made
    assert (made["source_id"], made["copy_url"], made["subject_request_id"]) == (call.ids["caller"], None,
                                                                                 "SR-2026-17")
    token = made["link"].removeprefix("/listen/")
    page = await client.get(made["link"])
    text = await page.text()
    assert page.status == 200 and '<audio controls controlslist="nodownload"' in text and made["audio"] in text
    assert (page.headers["Cache-Control"], page.headers["Referrer-Policy"]) == ("no-store", "no-referrer")

    streamed = await client.get(made["audio"])
    assert streamed.status == 200 and streamed.headers["Content-Disposition"].startswith("inline")
    assert streamed.headers["Cache-Control"] == "no-store"
    audio = samples_of(await streamed.read())
    second = lambda a, b: audio[int(a * RATE):int(b * RATE)]   # noqa: E731
    assert rms(second(2.2, 3.8)) == 0, "where the agent spoke, the stream is silent"
    assert rms(second(0.2, 1.0)) > 3000 and rms(second(1.5, 1.8)) > 3000, "the caller's speech is there"
    assert share_at(second(1.0, 1.5), BLEEP_HZ, RATE) > 0.95 and share_at(second(1.0, 1.5), 300, RATE) < 0.01
    part = await client.get(made["audio"], headers={"Range": "bytes=44-1043"})
    assert part.status == 206 and len(await part.read()) == 1000

    rows = [row for row in await audit_rows(db_engine) if row["route"].startswith("/listen/")]
    assert [(row["route"], row["actor_name"], row["actor_role"], row["status"]) for row in rows] == [
        ("/listen/{token}", "dpo-1", "subject-link", 200), ("/listen/{token}/audio", "dpo-1", "subject-link", 200),
        ("/listen/{token}/audio", "dpo-1", "subject-link", 206)]
    assert all(made["id"] in row["resources"] and "SR-2026-17" in row["purpose"] for row in rows)
    opened = [row for row in await audit_rows(db_engine) if row["route"] == SESSIONS and row["status"] == 201]
    assert len(opened) == 1 and made["id"] in opened[0]["resources"]
    assert not any(token in str(row) for row in await audit_rows(db_engine)), "the token is never in the trail"


async def test_no_route_gives_the_file_under_none_and_the_link_expires_and_its_audio_is_deleted(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call):
    client, sessions = await app_for(aiohttp_client, db_engine, catalogued, tmp_path)
    _, made = await open_session(client, tokens, [call.ids["caller"]])
    token = made["link"].removeprefix("/listen/")
    download = await client.get(made["audio"] + "?download=1")
    assert (download.status, (await download.json())["error"]["code"]) == (403, "no_copy")
    copy = await client.get(f"{SESSIONS}/{made['id']}/copy", headers=auth(tokens["dpo"]))
    assert (copy.status, (await copy.json())["error"]["code"]) == (403, "no_subject_copy")
    assert "subject_access_copy = none" in (await (await client.get(
        f"{SESSIONS}/{made['id']}/copy", headers=auth(tokens["dpo"]))).json())["error"]["message"]
    for url in (f"/api/recordings/{call.ids['caller']}/audio", f"/api/recordings/{call.ids['caller']}/audio"
                                                                 "?download=1"):
        assert (await client.get(url, headers=auth(token))).status == 401, "the link's token is no user's"
    assert (await client.get(f"/api/recordings/{call.ids['caller']}/audio?token={token}")).status == 401

    rendered = tmp_path / "listen" / f"{made['id']}.wav"
    assert rendered.is_file()
    async with db_engine.begin() as conn:
        await conn.execute(update(ListenSessionRow).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    for url in (made["link"], made["audio"]):
        expired = await client.get(url)
        assert (expired.status, (await expired.json())["error"]["code"]) == (410, "expired")
    assert not rendered.exists(), "the expired session's audio is deleted"
    copy = await client.get(f"{SESSIONS}/{made['id']}/copy", headers=auth(tokens["dpo"]))
    assert copy.status == 403   # under none, whatever the session's state
    unknown = await client.get("/listen/" + "A" * 43)
    assert unknown.status == 404
    rows = [(row["route"], row["status"]) for row in await audit_rows(db_engine) if row["route"].startswith("/listen")]
    assert rows == [("/listen/{token}/audio", 403), ("/listen/{token}", 410), ("/listen/{token}/audio", 410)]


async def test_restricted_recordings_never_go_into_a_session_nor_play_in_one_restricted_since(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call):
    client, _ = await app_for(aiohttp_client, db_engine, catalogued, tmp_path)
    _, made = await open_session(client, tokens, [call.ids["caller"]])
    await catalogued.catalogue.restrict(call.ids["mix"], "dpo-1", "SR-9")
    status, refused = await open_session(client, tokens, [call.ids["mix"]])
    assert (status, refused["error"]["code"]) == (409, "restricted")
    await catalogued.catalogue.restrict(call.ids["caller"], "dpo-1", "SR-9")
    status, refused = await open_session(client, tokens, [call.ids["agent"]])   # its call's caller leg: restricted
    assert (status, refused["error"]["code"]) == (409, "restricted")
    playing = await client.get(made["audio"])
    assert (playing.status, (await playing.json())["error"]["code"]) == (409, "restricted")


@pytest.mark.parametrize("body, status", [
    ({"recording_ids": []}, 400), ({"recording_ids": ["x"]}, 400), ({"recording_ids": ["0" * 32]}, 422),
    ({"recording_ids": ["{caller}"], "bleeps": [[2.0, 1.0]]}, 422),
    ({"recording_ids": ["{caller}"], "bleeps": [[-1, 1]]}, 400),
    ({"recording_ids": ["{caller}"], "bleeps": [[1.0, 60.0]]}, 422),
    ({"recording_ids": ["{caller}"], "lifetime_minutes": 100000}, 400),
    ({"recording_ids": ["{caller}", "{other}"]}, 422),
])
async def test_a_session_that_cannot_be_made_is_refused_with_the_reason(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call, body, status):
    other = await record_call(catalogued, "c2")
    client, _ = await app_for(aiohttp_client, db_engine, catalogued, tmp_path)
    ids = [item.format(caller=call.ids["caller"], other=other.ids["caller"]) for item in body["recording_ids"]]
    response = await client.post(SESSIONS, json={**body, "recording_ids": ids}, headers=auth(tokens["dpo"]))
    assert response.status == status and "error" in await response.json()
    assert (await client.post(SESSIONS, json={"recording_ids": [call.ids["caller"]]},
                              headers=auth(tokens["qa"]))).status == 403


async def test_under_redacted_audio_the_dpos_copy_is_the_stream_sample_for_sample(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call):
    client, _ = await app_for(aiohttp_client, db_engine, catalogued, tmp_path, copy="redacted_audio")
    status, made = await open_session(client, tokens, [call.ids["caller"]], bleeps=[[0.5, 0.9]])
    assert status == 201 and made["copy_url"] == f"{SESSIONS}/{made['id']}/copy"
    streamed = await (await client.get(made["audio"])).read()
    copy = await client.get(made["copy_url"], headers=auth(tokens["dpo"]))
    assert copy.status == 200 and copy.headers["Content-Disposition"].startswith("attachment")
    copied = samples_of(await copy.read())
    assert copied == samples_of(streamed) and rms(copied[int(2.2 * RATE):int(3.8 * RATE)]) == 0
    assert share_at(copied[int(0.5 * RATE):int(0.9 * RATE)], BLEEP_HZ, RATE) > 0.95
    (tmp_path / "listen" / f"{made['id']}.wav").unlink()    # lost (a wiped directory): rendered again, the same
    assert samples_of(await (await client.get(made["copy_url"], headers=auth(tokens["dpo"]))).read()) == copied
    rows = [row for row in await audit_rows(db_engine) if row["route"] == f"{SESSIONS}/{{id}}/copy"]
    assert [(row["actor_name"], row["status"]) for row in rows] == [("dpo-1", 200), ("dpo-1", 200)]


async def test_the_periodic_purge_deletes_expired_and_leftover_renderings_and_keeps_live_ones(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens, call):
    client, sessions = await app_for(aiohttp_client, db_engine, catalogued, tmp_path)
    _, kept = await open_session(client, tokens, [call.ids["caller"]])
    _, ending = await open_session(client, tokens, [call.ids["caller"]])
    leftover = tmp_path / "listen" / ("f" * 32 + ".wav")   # from before a restart: no session of its own
    leftover.write_bytes(b"RIFF")
    async with db_engine.begin() as conn:
        await conn.execute(update(ListenSessionRow).where(ListenSessionRow.id == ending["id"])
                           .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert await sessions.purge() == 2
    assert sorted(path.name for path in (tmp_path / "listen").iterdir()) == [f"{kept['id']}.wav"]
    assert (tmp_path / "listen").stat().st_mode & 0o077 == 0, "the renderings' directory is private"


def test_the_access_log_never_shows_a_links_token():
    assert link_free_path("/listen/" + "A" * 43 + "/audio") == "/listen/[link]/audio"
    assert link_free_path("/listen/" + "A" * 43) == "/listen/[link]"
    assert link_free_path("/api/recordings/x/audio") == "/api/recordings/x/audio"


async def test_a_callers_leg_the_redaction_cannot_read_is_refused_with_the_reason_and_no_session(
        aiohttp_client, db_engine, catalogued, tmp_path, tokens):
    await catalogued.start_recording("c3")
    for path in (catalogued.monitor / name for name in catalogued.names("c3")):
        with wave.open(str(path), "wb") as out:   # stereo: not what the PBX writes, not what redaction reads
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\1\0" * 16000)
    await catalogued.hang_up("c3")
    await catalogued.events.drain()
    client, _ = await app_for(aiohttp_client, db_engine, catalogued, tmp_path)
    status, refused = await open_session(client, tokens, [(await catalogued.by_kind("c3"))["caller"].id])
    assert (status, refused["error"]["code"]) == (422, "not_sessionable") and "16-bit PCM mono" in \
        refused["error"]["message"]
    async with db_engine.connect() as conn:
        assert (await conn.execute(select(ListenSessionRow.id))).all() == []
