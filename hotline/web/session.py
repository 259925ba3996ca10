"""Page sessions (their cookie is checked in ``hotline.web.auth``): a page opened once as ``/<page>?token=…``
trades the token for an HttpOnly, SameSite=Strict session cookie and is sent on to ``/<page>`` without it, so no
token stays in the address bar, the browser's history or on a wall screen.

The cookie's secret is a token row of its own (``hotline.auth.service.start_session``): only its hash is stored,
it expires with the token it came from and ends when that token, its user or their employee record does. It is
never accepted as a bearer token, nor a bearer token as a cookie. ``POST /api/session/logout`` ends it.
"""
from __future__ import annotations

import math

from aiohttp import web
from multidict import MultiDict
from pydantic import BaseModel, Field

from core.clock import utcnow
from hotline.auth.service import Principal, end_session, start_session
from hotline.web.auth import SESSION_COOKIE, principal_of
from hotline.web.deps import deps_of
from hotline.web.routes import ApiRouter, Status


SESSION_EXCHANGE = Status("opened with ?token=: the session cookie is set and the browser sent to the same page "
                          "without the token", body=None, content_type=None,
                          headers={"Location": "the page without token", "Set-Cookie": f"{SESSION_COOKIE}=..."})


def without_token(request: web.Request) -> str:
    """The request's path and query without ``token`` (the other parameters kept, in their order)."""
    query = MultiDict((key, value) for key, value in request.query.items() if key != "token")
    return str(request.rel_url.with_query(query))


def _set_cookie(response: web.StreamResponse, request: web.Request, secret: str, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, secret, max_age=max_age, path="/", httponly=True, samesite="Strict",
                        secure=deps_of(request).cookie_secure or None)


async def exchange(request: web.Request, principal: Principal) -> web.Response:
    """303 to the page without ``?token=``, setting the session cookie for the token's remaining lifetime."""
    async with deps_of(request).sessionmaker() as session:
        secret, expires_at = await start_session(session, principal)
        await session.commit()
    response = web.Response(status=303, headers={"Location": without_token(request), "Cache-Control": "no-store",
                                                 "Referrer-Policy": "no-referrer"})
    _set_cookie(response, request, secret, max(0, math.floor((expires_at - utcnow()).total_seconds())))
    return response


class LoggedOut(BaseModel):
    session_ended: bool = Field(description="whether a page session was ended (false: the request came with a "
                                            "bearer token, which logout leaves alone)")


async def logout(request: web.Request) -> web.Response:
    async with deps_of(request).sessionmaker() as session:
        ended = await end_session(session, principal_of(request))
        await session.commit()
    response = web.json_response(LoggedOut(session_ended=ended).model_dump())
    _set_cookie(response, request, "", 0)
    return response


def register_routes(router: ApiRouter) -> None:
    router.post("/api/session/logout", logout, response=LoggedOut, tags=["system"],
                summary="End the page session: the cookie is cleared and the session revoked")
