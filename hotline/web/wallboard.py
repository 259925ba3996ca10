"""``/wallboard``: the supervisors' live page (plain HTML, CSS and JS from ``static/``; no CDN, no build step).

The page is opened as ``/wallboard?token=…`` (a wall screen cannot send headers); its script then uses the token
for ``/api/sla`` (as a bearer header) and for ``/ws``. The token is a credential in the address bar, so the page
asks browsers not to send it on as a referrer and not to cache the page. The scripts and styles are public: they
hold no data.
"""
from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from core.policy import PolicyProfile
from hotline.web.routes import ApiRouter

STATIC = Path(__file__).parent / "static"
ASSETS = {"wallboard.js": "application/javascript", "wallboard.css": "text/css"}
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
}


def page_config(profile: PolicyProfile) -> dict:
    """What the page needs to know about the policy: queue names, the ring limit, the local timezone."""
    sla = profile.ring_sla
    return {
        "profile": profile.name,
        "timezone": profile.timezone,
        "max_ring_count": sla.max_ring_count,
        "sla_clause": sla.clause,
        "queues": [{"name": q.name, "label": q.label} for q in profile.queues],
    }


def render_page(profile: PolicyProfile) -> str:
    # JSON in a <script> element: "<" escaped so no value can close the element
    config = json.dumps(page_config(profile), ensure_ascii=False).replace("<", "\\u003c")
    template = (STATIC / "wallboard.html").read_text(encoding="utf-8")
    return template.replace("{{config}}", config)


def routes(profile: PolicyProfile):
    """The registrar of the wallboard page and its assets for this profile."""
    page = render_page(profile)   # rendered once: the profile does not change while the service runs

    async def wallboard(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html", headers=PAGE_HEADERS)

    def asset(name: str, content_type: str):
        body = (STATIC / name).read_bytes()

        async def serve(request: web.Request) -> web.Response:
            return web.Response(body=body, content_type=content_type,
                                headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})

        serve.__name__ = f"asset_{name.replace('.', '_')}"
        return serve

    def register_routes(router: ApiRouter) -> None:
        router.get("/wallboard", wallboard, summary="Live wallboard page for supervisors (open with ?token=)",
                   roles=["supervisor", "admin"], query_token=True, content_type="text/html", tags=["wallboard"])
        for name, content_type in ASSETS.items():
            router.get(f"/wallboard/{name}", asset(name, content_type), summary=f"Wallboard asset {name}",
                       public=True, content_type=content_type, tags=["wallboard"])

    return register_routes
