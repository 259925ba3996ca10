"""``/callbacks``: the supervisors' callback page — due, running, failed and upcoming callbacks (plain HTML, CSS and
JS from ``static/``; no CDN, no build step).

Served like the wallboard: opened as ``/callbacks?token=…``, its script uses the token for ``/api/callbacks`` (as a
bearer header) and for ``/ws``. It re-reads the tasks every few seconds and at once when the socket says a
callback changed (``callback_assigned``, ``callback_result``, ``callback_failed``, or the dialer's ``sla_alert`` of
kind ``callback_failed``). Reschedule and cancel buttons call the API, which checks the role again. The scripts and
styles are public: they hold no data.
"""
from __future__ import annotations

import json

from aiohttp import web

from core.policy import PolicyProfile
from hotline.web.routes import ApiRouter
from hotline.web.wallboard import PAGE_HEADERS, STATIC

ASSETS = {"callbacks.js": "application/javascript", "callbacks.css": "text/css"}
REFRESH_SECONDS = 5.0


def page_config(profile: PolicyProfile, refresh_seconds: float) -> dict:
    """What the page needs: queue labels, the local timezone, how often to re-read the tasks."""
    return {
        "profile": profile.name,
        "timezone": profile.timezone,
        "refresh_seconds": refresh_seconds,
        "queues": [{"name": q.name, "label": q.label} for q in profile.queues],
    }


def render_page(profile: PolicyProfile, refresh_seconds: float) -> str:
    # JSON in a <script> element: "<" escaped so no value can close the element
    config = json.dumps(page_config(profile, refresh_seconds), ensure_ascii=False).replace("<", "\\u003c")
    return (STATIC / "callbacks.html").read_text(encoding="utf-8").replace("{{config}}", config)


def _asset_handler(name: str, content_type: str):
    body = (STATIC / name).read_bytes()

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type,
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

    serve.__name__ = f"callbacks_asset_{name.replace('.', '_')}"
    return serve


def routes(profile: PolicyProfile, *, refresh_seconds: float = REFRESH_SECONDS):
    """The registrar of the callbacks page and its assets for this profile."""
    page = render_page(profile, refresh_seconds)   # the profile does not change while the service runs

    async def callbacks_page(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html", headers=PAGE_HEADERS)

    def register_routes(router: ApiRouter) -> None:
        router.get("/callbacks", callbacks_page, summary="Callbacks page for supervisors (open with ?token=)",
                   roles=["supervisor", "admin"], query_token=True, content_type="text/html", tags=["callbacks"])
        for name, content_type in ASSETS.items():
            router.get(f"/callbacks/{name}", _asset_handler(name, content_type), public=True,
                       summary=f"Callbacks page asset {name}", content_type=content_type, tags=["callbacks"])

    return register_routes
