"""Whose records a request may see, from its route's grant (``hotline.web.role_matrix``) and who is asking.

``own``: the user's extension. ``unit``: every employee of the unit of the supervisor's own employee record and the
queues (competences) its active employees serve; a supervisor without an extension, or whose employee has no unit,
runs the whole line and sees all. ``all``: no limit (None).
"""
from __future__ import annotations

from aiohttp import web

from core.scope import RecordScope
from directory import EmployeeDirectoryService
from hotline.auth.service import Principal
from hotline.web.auth import grant_of, principal_of
from hotline.web.deps import deps_of
from hotline.web.errors import ApiError
from hotline.web.role_matrix import Grant, Records


async def unit_scope(directory: EmployeeDirectoryService, principal: Principal) -> RecordScope | None:
    """The scope of a unit's supervisor, None for the head of service (no extension or no unit)."""
    own = await directory.get_employee(principal.extension) if principal.extension else None
    if own is None or not own.unit:
        return None
    members = [e for e in await directory.list_employees() if e.unit == own.unit]
    return RecordScope(extensions=frozenset(e.extension for e in members),
                       queues=frozenset(q for e in members if e.active for q in e.competences))


async def scope_for(request: web.Request, grant: Grant) -> RecordScope | None:
    principal = principal_of(request)
    if grant.records is Records.ALL:
        return None
    if grant.records is Records.OWN:
        return RecordScope.own(principal.extension)
    return await unit_scope(EmployeeDirectoryService(deps_of(request).engine), principal)


async def scope_of(request: web.Request) -> RecordScope | None:
    """The records this request may see; None: all of them."""
    return await scope_for(request, grant_of(request))


async def require_extension_in_scope(request: web.Request, extension: str) -> None:
    """Refuse (403) acting on or reading an agent outside the caller's scope (another agent, another unit)."""
    scope = await scope_of(request)
    if scope is not None and extension not in scope.extensions:
        raise ApiError(403, "forbidden", f"extension {extension} is outside what your role may see or change")
