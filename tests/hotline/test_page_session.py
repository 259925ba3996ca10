"""Pages without tokens in the address bar (issue 12): ``/<page>?token=`` trades the token for an HttpOnly,
SameSite=Strict session cookie and sends the browser on without it; the cookie authenticates the API and the push
socket, a change made with it needs the pages' header and hotline's own origin, it ends with logout, its expiry
and its token; on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from http.cookies import SimpleCookie

import aiohttp
import pytest
from sqlalchemy import select, update

from core.clock import utcnow
from core.policy import load_profile
from hotline.auth.models import Token
from hotline.auth.service import create_user
from hotline.push.hub import PushHub
from hotline.web import HotlineMetrics, WebDeps, callbacks_page, create_app, pages, sla, wallboard, ws
from hotline.web import callbacks as callback_routes
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.service import CallbackService
from tests.api_fixtures import auth

LT = load_profile("lt-employment-1883")
PAGE_HEADER = {"X-Hotline-Request": "1"}


def page_app(db_engine, **options):
    """The web app with both pages, the API routes they read and write, and the push socket."""
    callbacks = CallbackService(db_engine)
    return create_app(WebDeps.create(db_engine, HotlineMetrics().registry, **options), [
        wallboard.routes(LT), callbacks_page.routes(LT), pages.register_routes,
        functools.partial(sla.register_routes, profile=LT), ws.routes(PushHub()),
        functools.partial(callback_routes.register_routes, callbacks=callbacks, admin=CallbackAdmin(callbacks, LT)),
    ])


@pytest.fixture
async def client(aiohttp_client, db_engine):
    # no cookie jar: each request carries exactly the cookie the test gives it
    return await aiohttp_client(page_app(db_engine), cookie_jar=aiohttp.DummyCookieJar())


async def user_token(db_sessionmaker, name: str = "sup-1", role: str = "supervisor",
                     lifetime: dt.timedelta = dt.timedelta(hours=12)) -> str:
    async with db_sessionmaker() as session:
        _, token = await create_user(session, name, role, lifetime=lifetime)
        await session.commit()
    return token


def session_cookie(response) -> tuple[str, dict]:
    """The session secret a response sets and the cookie's attributes, as the browser reads ``Set-Cookie``."""
    headers = response.headers.getall("Set-Cookie")
    assert len(headers) == 1, headers
    morsel = SimpleCookie(headers[0])["hotline_session"]
    flags = {flag.strip().lower() for flag in headers[0].split(";")[1:] if "=" not in flag}
    return morsel.value, {"httponly": "httponly" in flags, "secure": "secure" in flags,
                          "samesite": morsel["samesite"], "path": morsel["path"], "max-age": morsel["max-age"]}


def with_cookie(secret: str, **headers: str) -> dict[str, str]:
    return {"Cookie": f"hotline_session={secret}", **headers}


async def open_page(client, token: str, path: str = "/wallboard") -> str:
    """The session secret of ``path`` opened with ``token``."""
    response = await client.get(f"{path}?token={token}", allow_redirects=False)
    assert response.status == 303, await response.text()
    return session_cookie(response)[0]


async def test_a_page_opened_with_a_token_is_sent_on_without_it_with_a_strict_httponly_session_cookie(
        client, db_sessionmaker):
    token = await user_token(db_sessionmaker)
    response = await client.get(f"/wallboard?view=tv&token={token}&floor=2", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/wallboard?view=tv&floor=2"   # the token gone, the rest kept
    assert response.headers["Cache-Control"] == "no-store"
    secret, cookie = session_cookie(response)
    assert secret != token and len(secret) >= 43
    assert cookie == {"httponly": True, "secure": False, "samesite": "Strict", "path": "/",
                      "max-age": cookie["max-age"]}
    assert 12 * 3600 - 60 <= int(cookie["max-age"]) <= 12 * 3600   # what is left of the token's lifetime

    page = await client.get("/wallboard?view=tv&floor=2", headers=with_cookie(secret), allow_redirects=False)
    assert page.status == 200 and "hotline wallboard" in await page.text()
    assert "Set-Cookie" not in page.headers
    me = await client.get("/api/me", headers=with_cookie(secret))
    assert (me.status, (await me.json())["name"]) == (200, "sup-1")

    async with db_sessionmaker() as session:   # only hashes stored; the session lives as long as its token
        rows = {row.token_hash: row for row in await session.scalars(select(Token))}
    source = rows[hashlib.sha256(token.encode()).hexdigest()]
    stored = rows[hashlib.sha256(secret.encode()).hexdigest()]
    assert (stored.session_of, stored.expires_at) == (source.id, source.expires_at)
    assert source.session_of is None


async def test_an_invalid_token_is_401_and_sets_no_cookie(client, db_sessionmaker):
    await user_token(db_sessionmaker)
    response = await client.get("/wallboard?token=not-a-token", allow_redirects=False)
    assert response.status == 401
    assert "Set-Cookie" not in response.headers
    assert (await client.get("/wallboard", allow_redirects=False)).status == 401


async def test_a_session_is_no_bearer_token_and_a_bearer_token_no_session(client, db_sessionmaker):
    token = await user_token(db_sessionmaker)
    secret = await open_page(client, token)
    assert (await client.get("/api/me", headers=auth(secret))).status == 401
    assert (await client.get(f"/wallboard?token={secret}", allow_redirects=False)).status == 401
    refused = await client.get("/api/me", headers=with_cookie(token))
    assert refused.status == 401
    assert "page session ended or expired" in (await refused.json())["error"]["message"]


async def test_the_push_socket_takes_the_session_cookie_from_hotlines_own_origin_only(client, db_sessionmaker):
    secret = await open_page(client, await user_token(db_sessionmaker))
    origin = str(client.make_url("/")).rstrip("/")
    socket = await client.ws_connect("/ws", headers=with_cookie(secret, Origin=origin))
    try:
        assert (await socket.receive_json(timeout=5))["role"] == "supervisor"
    finally:
        await socket.close()
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws", headers=with_cookie(secret, Origin="https://evil.example"))
    assert refused.value.status == 403


async def test_a_change_made_with_the_session_cookie_needs_the_pages_header_and_hotlines_origin(
        client, db_sessionmaker, db_engine):
    secret = await open_page(client, await user_token(db_sessionmaker), "/callbacks")
    callbacks = CallbackService(db_engine)
    task = await callbacks.request_callback("+37060000091", "missed")   # made up
    cancel = f"/api/callbacks/{task}/cancel"

    bare = await client.post(cancel, headers=with_cookie(secret))   # what a cross-site form could send
    assert bare.status == 403
    assert "X-Hotline-Request: 1" in (await bare.json())["error"]["message"]
    foreign = await client.post(cancel, headers=with_cookie(secret, Origin="https://evil.example", **PAGE_HEADER))
    assert foreign.status == 403
    assert (await client.get("/api/callbacks", headers=with_cookie(secret, Origin="https://evil.example"))).status \
        == 403
    assert (await callbacks.get(task)).state == "pending"

    done = await client.post(cancel, headers=with_cookie(secret, Origin=str(client.make_url("/")).rstrip("/"),
                                                         **PAGE_HEADER))
    assert done.status == 200, await done.text()
    assert (await callbacks.get(task)).state == "cancelled"


async def test_logout_ends_the_session_and_clears_its_cookie_and_the_token_keeps_working(client, db_sessionmaker):
    token = await user_token(db_sessionmaker)
    secret = await open_page(client, token)
    assert (await client.post("/api/session/logout", headers=with_cookie(secret))).status == 403   # no header
    response = await client.post("/api/session/logout", headers=with_cookie(secret, **PAGE_HEADER))
    assert (response.status, await response.json()) == (200, {"session_ended": True})
    cleared, cookie = session_cookie(response)
    assert (cleared, cookie["max-age"]) == ("", "0")
    assert (await client.get("/api/me", headers=with_cookie(secret))).status == 401
    assert (await client.get("/api/me", headers=auth(token))).status == 200
    by_token = await client.post("/api/session/logout", headers=auth(token))
    assert await by_token.json() == {"session_ended": False}


async def test_an_expired_session_is_refused(client, db_sessionmaker):
    secret = await open_page(client, await user_token(db_sessionmaker))
    async with db_sessionmaker() as session:
        await session.execute(update(Token).where(Token.token_hash == hashlib.sha256(secret.encode()).hexdigest())
                              .values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        await session.commit()
    response = await client.get("/api/sla", headers=with_cookie(secret))
    assert response.status == 401
    assert "open the page again with a new token" in (await response.json())["error"]["message"]


async def test_the_session_ends_with_its_token_and_is_never_renewed_into_one(client, db_sessionmaker):
    token = await user_token(db_sessionmaker)
    secret = await open_page(client, token)
    refused = await client.post("/api/me/token", headers=with_cookie(secret, **PAGE_HEADER))
    assert refused.status == 403   # a page's script never gets a bearer token
    assert (await client.post("/api/me/token", headers=auth(token))).status == 200   # the token renewed: revoked
    assert (await client.get("/api/me", headers=with_cookie(secret))).status == 401


async def test_the_cookie_is_secure_when_tls_is_on_or_a_proxy_terminates_it(aiohttp_client, db_engine,
                                                                            db_sessionmaker):
    client = await aiohttp_client(page_app(db_engine, cookie_secure=True), cookie_jar=aiohttp.DummyCookieJar())
    response = await client.get(f"/wallboard?token={await user_token(db_sessionmaker)}", allow_redirects=False)
    assert session_cookie(response)[1]["secure"] is True
