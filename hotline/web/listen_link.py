"""``GET /listen/{token}`` and ``GET|HEAD /listen/{token}/audio``: a data subject's listen-only link (GDPR-LT §14,
§24.1). The page is a player; the stream is the session's redacted audio, ``inline``, ``no-store``, never an
attachment (``?download`` is refused: the link plays, it gives no copy). After its lifetime the link answers 410.

The routes need no user's token (the subject has no user; the role matrix marks them ``BY_LINK``): the link's
token is checked here, against its hash. Each opening of the page and each stream request is a row of the audit
trail, written here before anything is sent: the actor is the DPO who opened the session (its owner), the
resource the session's id - never the token. A token that opens no session is not recorded (no actor), as a
request without a user's token is not. The access log shows ``/listen/[link]`` (``link_free_path``).
"""
from __future__ import annotations

import html
import re

from aiohttp import web
from pydantic import BaseModel, Field

from hotline.audit import AuditRecord, AuditUnavailable
from hotline.web import audio
from hotline.web.audit import AUDIT_TRAIL_KEY, UNAVAILABLE, query_names
from hotline.web.errors import ApiError
from hotline.web.routes import ApiRouter, path_of
from recording import (AudioUnavailable, ListenSession, ListenSessions, RecordingRestricted, SessionExpired,
                       SessionNotFound)

SUBJECT = "subject-link"   # the audit row's role: the subject, at a link the DPO (the actor) opened for them
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
                "Content-Security-Policy": "default-src 'none'; media-src 'self'; base-uri 'none'",
                "X-Content-Type-Options": "nosniff"}
_LINK = re.compile(r"^/listen/[^/]+")
PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body><h1>{title}</h1><p>{note}</p>
<audio controls controlslist="nodownload" preload="metadata" src="{src}"></audio>
</body></html>
"""
TEXTS = {"lt": ("Jūsų pokalbio įrašas", "Galite jį išklausyti iki {until}. Kitų asmenų balsai pašalinti."),
         "lv": ("Jūsu sarunas ieraksts", "Varat to noklausīties līdz {until}. Citu personu balsis ir noņemtas."),
         "en": ("Your call's recording", "You may listen to it until {until}. Other people's voices are removed.")}


class LinkPath(BaseModel):
    token: str = Field(..., pattern=r"^[A-Za-z0-9_-]{43}$")


def link_free_path(path: str) -> str:
    """``path`` as the access log may show it: a link's token is a key, not something to log."""
    return _LINK.sub("/listen/[link]", path)


def register_routes(router: ApiRouter, *, sessions: ListenSessions, language: str, timezone) -> None:
    async def record(request: web.Request, session: ListenSession, status: int) -> None:
        request_ref = f" for subject request {session.subject_request_id}" if session.subject_request_id else ""
        row = AuditRecord(actor_id=session.owner_id, actor_name=session.owner_name, actor_role=SUBJECT,
                          action="read", method=request.method, route=request.match_info.route.resource.canonical,
                          purpose=f"a data subject's listen-only session{request_ref}",
                          resources={"session": session.id, "recording": session.source_id},
                          query=query_names(request), status=status)
        try:
            await request.app[AUDIT_TRAIL_KEY].append(row)
        except AuditUnavailable:
            raise ApiError(503, "audit_unavailable", UNAVAILABLE) from None

    async def session_of(request: web.Request) -> ListenSession:
        try:
            return await sessions.by_token(path_of(request).token)
        except SessionNotFound:
            raise ApiError(404, "not_found", "this link opens no listen-only session; ask the data protection "
                                             "officer for a new one") from None
        except SessionExpired as expired:
            await record(request, expired.session, 410)
            await sessions.purge()
            raise ApiError(410, "expired", "this link has expired; ask the data protection officer for a new "
                                           "one") from None

    async def page(request: web.Request) -> web.Response:
        session = await session_of(request)
        await record(request, session, 200)
        title, note = TEXTS.get(language, TEXTS["en"])
        until = session.expires_at.astimezone(timezone).strftime("%Y-%m-%d %H:%M")
        body = PAGE.format(lang=language, title=html.escape(title), note=html.escape(note.format(until=until)),
                           src=html.escape(f"/listen/{path_of(request).token}/audio"))
        return web.Response(text=body, content_type="text/html", headers=PAGE_HEADERS)

    async def stream(request: web.Request) -> web.StreamResponse:
        session = await session_of(request)
        if "download" in request.query:
            await record(request, session, 403)
            raise ApiError(403, "no_copy", "a listen-only link plays the recording; it gives no copy")
        try:
            key, size = await sessions.audio(session)
        except RecordingRestricted:
            await record(request, session, 409)
            raise ApiError(409, "restricted", "the recording is restricted now and cannot be played") from None
        except AudioUnavailable:
            await record(request, session, 410)
            raise ApiError(410, "gone", "the recording is no longer there") from None
        return await audio.stream(request, sessions.rendered, key, size, filename="recording.wav",
                                  record=lambda status: record(request, session, status))

    link = {404: "the link opens no session", 410: "the link has expired", 503: "the audit trail cannot be "
            "written: nothing is answered"}
    audited = "Audited by its handler (no user's token): each request is a row in the session owner's name."
    router.get("/listen/{token}", page, path_params=LinkPath, content_type="text/html", tags=["listen"],
               description=audited,
               statuses=link, summary="A data subject's listen-only page: a player of their redacted recording")
    router.get("/listen/{token}/audio", stream, path_params=LinkPath, content_type=audio.AUDIO, head=True,
               description=audited,
               tags=["listen"], summary="The listen-only session's redacted audio, inline, in byte ranges",
               statuses={**link, 206: audio.PARTIAL, 403: "?download: the link gives no copy",
                         409: "a recording of the session is restricted now",
                         410: "the link has expired, or the recording is gone", 416: audio.UNSATISFIABLE})
