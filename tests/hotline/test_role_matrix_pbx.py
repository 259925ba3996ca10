"""Every route the service serves, as ``hotline run`` wires it, called by every role: the status and what the answer
shows follow the role matrix (``hotline/web/role_matrix.py``) - refused roles get 403; allowed ones see only the
records of their scope (own, unit, all) with callers' numbers in full, masked or not at all. A route the matrix has
no decision for fails here, as does a decision for a route that no longer exists (GDPR-LT §8)."""
from __future__ import annotations

import json

import aiohttp
import pytest

from hotline.auth.models import Role
from hotline.web.role_matrix import ROUTE_GRANTS, Grant, Numbers, Records
from tests.hotline.role_walk import NUMBERS, Principal, forms, principals, seed
from tests.service_fixture import running_service

pytestmark = [pytest.mark.pbx]


def installed_routes(app) -> list[tuple[str, str, object]]:
    """(method, path, access) of every route the app answers, HEAD twins left out."""
    found = []
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        access = getattr(route.handler, "hotline_access", None)
        assert access is not None, f"{route.method} {route.resource.canonical} has no access rule"
        found.append((route.method, route.resource.canonical, access))
    return found


def url_of(path: str, ids: dict[str, str]) -> str:
    kinds = {"/api/calls": "call", "/api/messages": "message", "/api/recordings": "recording"}
    kind = next((kind for prefix, kind in kinds.items() if path.startswith(prefix)), "callback")
    return path.replace("{id}", ids[kind]).replace("{extension}", "101")


async def call(http: aiohttp.ClientSession, method: str, url: str, who: Principal | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {who.token}"} if who else {}
    if url == "/ws":
        try:
            async with http.ws_connect(url, headers=headers) as socket:
                hello = await socket.receive_json(timeout=5)
                return 101, json.dumps(hello)
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status, ""
    body = {} if method == "POST" else None
    async with http.request(method, url, headers=headers, json=body, allow_redirects=False) as response:
        return response.status, await response.text()


def check_shown(text: str, grant: Grant, who: Principal, where: str, lists_all_owners: bool) -> None:
    """Seeded numbers appear only for the owners in ``who``'s scope, in the form the grant gives; a list shows
    every record of the scope."""
    visible = who.visible(grant.records)
    for owner in NUMBERS:
        full, masked = forms(owner)
        shown = full in text or masked in text
        if grant.numbers is Numbers.NONE or owner not in visible:
            assert not shown, f"{where}: {who.name} sees {owner}'s record"
            continue
        assert not (grant.numbers is Numbers.MASKED and full in text), f"{where}: {who.name} sees a full number"
        if lists_all_owners:
            wanted = full if grant.numbers is Numbers.FULL else masked
            assert wanted in text, f"{where}: {who.name} misses {owner}'s record"


# the list routes that hold a record of every owner (the seed makes one call, message and callback each)
LISTS = {"GET /api/calls", "GET /api/callbacks", "GET /api/messages"}


async def test_every_route_answers_every_role_as_the_role_matrix_decides(pbx, tmp_path):
    async with running_service(pbx, tmp_path) as running:
        service = running.service
        main, elsewhere = await principals(service)
        ids = await seed(service)
        routes = installed_routes(service.app)
        keys = {f"{method} {path}" for method, path, _ in routes}
        assert not set(ROUTE_GRANTS) - keys, "decisions for routes that do not exist"
        # reads first: the writes (a cancel, a logout) must not change what the reads see
        routes.sort(key=lambda route: route[0] != "GET")
        async with aiohttp.ClientSession(base_url=service.base_url) as http:
            for method, path, access in routes:
                where, url = f"{method} {path}", url_of(path, ids)
                if access.public:
                    status, _ = await call(http, method, url, None)
                    assert status not in (401, 403), f"{where} is public but answered {status}"
                    continue
                assert (await call(http, method, url, None))[0] == 401, f"{where} without a token"
                for role in Role:
                    who = main[role]
                    status, text = await call(http, method, url, who)
                    if role not in access.grants:
                        assert status == 403, f"{where} let {role} in ({status})"
                        continue
                    assert status not in (401, 403, 500), f"{where} refused {role} ({status}): {text[:200]}"
                    grant = access.grants[role]
                    if where == "POST /api/me/token":   # renewed: the old token no longer works
                        main[role] = Principal(who.name, who.role, who.extension, json.loads(text)["token"])
                    if method == "GET" and status == 200:
                        check_shown(text, grant, who, where, where in LISTS)
                    other = elsewhere.get(role)
                    if other is not None and grant.records is not Records.ALL and "{" in path and method == "GET":
                        # agent 101's record or agent 101 themself: none of another agent's or unit's business
                        assert (await call(http, method, url, other))[0] in (403, 404), f"{where} for {other.name}"


async def test_a_supervisor_of_a_unit_changes_only_their_units_agents_and_callbacks(pbx, tmp_path):
    async with running_service(pbx, tmp_path) as running:
        service = running.service
        main, elsewhere = await principals(service)
        ids = await seed(service)
        async with aiohttp.ClientSession(base_url=service.base_url) as http:
            theirs, not_theirs = main[Role.SUPERVISOR], elsewhere[Role.SUPERVISOR]
            cancel = f"/api/callbacks/{ids['callback']}/cancel"
            assert (await call(http, "POST", cancel, not_theirs))[0] == 404
            assert (await call(http, "POST", cancel, theirs))[0] == 200
            assert (await call(http, "POST", "/api/agents/101/history", not_theirs))[0] == 405
            assert (await call(http, "GET", "/api/agents/101/history", not_theirs))[0] == 403
            assert (await call(http, "GET", "/api/agents/101/history", theirs))[0] == 200
            for who, sees, not_seen in [(theirs, "101", "102"), (not_theirs, "102", "101")]:
                status, text = await call(http, "GET", "/api/agents", who)
                listed = {agent["extension"] for agent in json.loads(text)}
                assert status == 200 and sees in listed and not_seen not in listed
