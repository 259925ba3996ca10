"""What the supervisors' pages (the wallboard, the callbacks page) share: one HTML skeleton, their headers, the
policy config embedded as JSON, and the routes of a page and its assets.

A page named ``name`` is ``static/page.html`` with ``static/<name>.html`` as its body; its script and style are
``static/<name>.js`` and ``static/<name>.css``, served at ``/<name>/…``, and hold only what is the page's own.
What the pages share is served once for the whole app at ``/pages/…`` by :func:`register_routes` and loaded by the
skeleton before the page's own: ``pages.css`` (header, status badge, tables, highlight colours), ``pages.js`` (the
config, the API with the token, the push socket with its status, times in the profile's timezone) and ``dom.js``
(the DOM helpers).

A page is opened once as ``/<name>?token=…`` (a wall screen cannot send headers): the token is exchanged for a
session cookie and the browser sent on to ``/<name>`` without it (``hotline.web.session``); the page and its
script then work with the cookie alone. The page asks browsers not to send its address on as a referrer and not
to cache it; its CSP allows scripts from this origin only (the config block is JSON, data that is never run). The
assets are public: they hold no data.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from hotline.web.app import RouteRegistrar
from hotline.web.auth import principal_of
from hotline.web.routes import ApiRouter, Handler
from hotline.web.session import SESSION_EXCHANGE, exchange

STATIC = Path(__file__).parent / "static"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
}
ASSET_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
CONTENT_TYPES = {".js": "application/javascript", ".css": "text/css"}
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
SHARED_PREFIX = "pages"
SHARED_ASSETS = {   # name: OpenAPI summary
    "pages.js": "Supervisor pages' shared script: config, API, push socket, times in the profile's timezone",
    "dom.js": "Supervisor pages' shared DOM helpers",
    "pages.css": "Supervisor pages' shared styles",
}


@dataclass(frozen=True)
class Page:
    """One supervisors' page. Its ``name`` is also its path and its OpenAPI tag."""

    name: str
    title: str
    heading: str     # the header's title, before the profile's name
    note_id: str     # the id of the muted note beside the connection status (the wallboard's clock, say)
    label: str       # how the OpenAPI summaries of its assets name the page
    summary: str     # the OpenAPI summary of the page itself


def embed_json(value: Any) -> str:
    """``value`` as JSON to put in a ``<script type="application/json">`` element."""
    # "<" escaped so that no value can close the element
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def render_page(page: Page, config: dict[str, Any]) -> str:
    """The skeleton filled with the page's title, name, body and ``config`` (what its script reads)."""
    values = {
        "title": html.escape(page.title), "heading": html.escape(page.heading), "name": page.name,
        "note_id": page.note_id, "config": embed_json(config),
        "body": (STATIC / f"{page.name}.html").read_text(encoding="utf-8"),
    }
    # one pass: a placeholder inside a value (the config is policy text) is left as it is
    skeleton = (STATIC / "page.html").read_text(encoding="utf-8")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], skeleton)


def asset_handler(prefix: str, name: str) -> Handler:
    """Serves ``static/<name>`` (read once, now) with the content type its suffix says."""
    body = (STATIC / name).read_bytes()
    content_type = CONTENT_TYPES[Path(name).suffix]

    async def serve(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type, headers=ASSET_HEADERS)

    serve.__name__ = f"{prefix}_asset_{name.replace('.', '_')}"
    return serve


def add_asset_route(router: ApiRouter, prefix: str, name: str, *, summary: str, tag: str) -> None:
    router.get(f"/{prefix}/{name}", asset_handler(prefix, name), summary=summary,
               content_type=CONTENT_TYPES[Path(name).suffix], tags=[tag])


def page_routes(page: Page, config: dict[str, Any]) -> RouteRegistrar:
    """The registrar of ``page`` (who may open it: the role matrix) and of its own script and style."""
    text = render_page(page, config)   # rendered once: the profile does not change while the service runs

    async def serve_page(request: web.Request) -> web.Response:
        if "token" in request.query:   # authenticated by it: trade it for a session, out of the address bar
            return await exchange(request, principal_of(request))
        return web.Response(text=text, content_type="text/html", headers=PAGE_HEADERS)

    serve_page.__name__ = f"{page.name}_page"

    def register_routes(router: ApiRouter) -> None:
        router.get(f"/{page.name}", serve_page, summary=page.summary, query_token=True, content_type="text/html",
                   tags=[page.name], statuses={303: SESSION_EXCHANGE})
        for suffix in CONTENT_TYPES:
            asset = f"{page.name}{suffix}"
            add_asset_route(router, page.name, asset, summary=f"{page.label} asset {asset}", tag=page.name)

    return register_routes


def register_routes(router: ApiRouter) -> None:
    """The assets every page shares; added once per app (each page's own registrar adds only its own)."""
    for name, summary in SHARED_ASSETS.items():
        add_asset_route(router, SHARED_PREFIX, name, summary=summary, tag=SHARED_PREFIX)
