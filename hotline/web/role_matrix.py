"""Who may call each route and what they see there: the role matrix, as data (GDPR-LT §8, §15; REQUIREMENTS §4).

Every route the app serves has one entry here, keyed ``"METHOD /path"``: the roles that may call it, and for each
role a :class:`Grant` - whose records it sees (``own``: dialled to, ringing or addressed to the user's extension;
``unit``: those of the employees of the supervisor's unit and of the queues they serve; ``all``) and how callers'
numbers appear (``full``, ``masked``, or ``none``: the route shows none). A role missing from an entry is refused
(403); a route missing from the matrix cannot be installed, so a new route without a decision fails at start and
in the suite. ``PUBLIC`` routes need no token and hold no personal data.

The decisions, by function:
- agents answer and call back: their own calls, callbacks and messages, numbers in full;
- supervisors run their unit: its calls, callbacks and messages in full, its agents' state and pauses; a
  supervisor whose user has no extension, or whose employee has no unit, runs the whole line (the head of
  service);
- QA reviews how calls were handled, not who called: calls and SLA figures, numbers masked;
- the DPO answers data-subject requests and audits access: reads calls, callbacks, messages, the directory and
  the audit trail in full; its writes are the subject requests (and their page), which are the DPO's alone, and
  the listen-only sessions it opens for data subjects;
- recordings' audio is for those whose function needs it (GDPR-LT §8, §15): QA, supervisors (their unit's) and the
  DPO - and of those only the roles the profile's ``[recordings] listen_roles`` names (``hotline.web.listening``);
- admins run the service - the directory, agents' availability, the pages: calls and callbacks only masked, no
  messages, no callbacks made or changed;
- wall screens (``wallboard``) show the wallboard: agents' states, SLA figures and the live picture, numbers
  masked, nothing else and no change.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from types import MappingProxyType
from typing import Mapping

from hotline.auth.models import Role


class Records(StrEnum):
    OWN = "own"
    UNIT = "unit"
    ALL = "all"


class Numbers(StrEnum):
    FULL = "full"
    MASKED = "masked"
    NONE = "none"   # the route shows no caller's number


@dataclass(frozen=True)
class Grant:
    records: Records = Records.ALL
    numbers: Numbers = Numbers.NONE


AGENT, SUPERVISOR, QA, DPO, ADMIN, WALLBOARD = (Role.AGENT, Role.SUPERVISOR, Role.QA, Role.DPO, Role.ADMIN,
                                               Role.WALLBOARD)
OWN_FULL = Grant(Records.OWN, Numbers.FULL)
UNIT_FULL = Grant(Records.UNIT, Numbers.FULL)
ALL_FULL = Grant(Records.ALL, Numbers.FULL)
ALL_MASKED = Grant(Records.ALL, Numbers.MASKED)
OWN = Grant(Records.OWN)
UNIT = Grant(Records.UNIT)
ALL = Grant(Records.ALL)
EVERYONE = {role: ALL for role in Role}

CALL_READERS = {AGENT: OWN_FULL, SUPERVISOR: UNIT_FULL, QA: ALL_MASKED, DPO: ALL_FULL, ADMIN: ALL_MASKED}
CALLBACK_READERS = {AGENT: OWN_FULL, SUPERVISOR: UNIT_FULL, DPO: ALL_FULL, ADMIN: ALL_MASKED}
CALLBACK_SUPERVISORS = {SUPERVISOR: UNIT_FULL}
MESSAGE_READERS = {AGENT: OWN_FULL, SUPERVISOR: UNIT_FULL, DPO: ALL_FULL}
AGENT_CONTROL = {AGENT: OWN, SUPERVISOR: UNIT, ADMIN: ALL}
SUPERVISORS_PAGES = {SUPERVISOR: ALL, ADMIN: ALL}
RECORDING_READERS = {AGENT: OWN, SUPERVISOR: UNIT, QA: ALL, DPO: ALL, ADMIN: ALL}

PUBLIC = MappingProxyType({})   # no token: health, metrics, the API description, the pages' static assets
# no user either: a listen-only session's link, whose token the handler checks (a data subject has no user; the
# session's DPO is its actor in the audit trail, hotline.web.listen_link)
BY_LINK = MappingProxyType({})
PUBLIC_PATTERNS = ("GET /pages/*", "GET /wallboard/*", "GET /callbacks/*", "GET /dpo/*")
DPO_ONLY = {DPO: ALL_FULL}

ROUTE_GRANTS: Mapping[str, Mapping[Role, Grant]] = {
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": PUBLIC,
    "GET /api/openapi.json": PUBLIC,
    "GET /api/me": EVERYONE,
    "POST /api/me/token": EVERYONE,
    "POST /api/session/logout": EVERYONE,
    "GET /api/calls": CALL_READERS,
    "GET /api/calls/{id}": CALL_READERS,
    "POST /api/calls/{id}/dropped": {AGENT: OWN_FULL, SUPERVISOR: UNIT_FULL},
    "GET /api/callbacks": CALLBACK_READERS,
    "GET /api/callbacks/{id}": CALLBACK_READERS,
    "POST /api/callbacks": {AGENT: OWN_FULL, SUPERVISOR: UNIT_FULL},
    "POST /api/callbacks/{id}/cancel": CALLBACK_SUPERVISORS,
    "POST /api/callbacks/{id}/reschedule": CALLBACK_SUPERVISORS,
    "GET /api/messages": MESSAGE_READERS,
    # a recording's catalogue entry (metadata, no audio, no number): whoever may read its call, and the DPO
    "GET /api/recordings/{id}": RECORDING_READERS,
    # its call's analysis drawn (who spoke when; no audio, no number): the same readers
    "GET /api/recordings/{id}/timeline.png": RECORDING_READERS,
    # a recording's audio, audited: quality control and the DPO, never agents or admins (narrowed by the profile)
    "GET /api/recordings/{id}/audio": {SUPERVISOR: UNIT, QA: ALL, DPO: ALL},
    # a data subject's listen-only session and its copy (when the profile gives one): the DPO answers the request
    "POST /api/listen-sessions": {DPO: ALL},
    "GET /api/listen-sessions/{id}/copy": {DPO: ALL},
    "GET /listen/{token}": BY_LINK,
    "GET /listen/{token}/audio": BY_LINK,
    "POST /api/messages/{id}/read": {AGENT: OWN_FULL, SUPERVISOR: UNIT_FULL},
    "GET /api/agents": {SUPERVISOR: UNIT, ADMIN: ALL, WALLBOARD: ALL},
    "POST /api/agents/{extension}/pause": AGENT_CONTROL,
    "POST /api/agents/{extension}/unpause": AGENT_CONTROL,
    "POST /api/agents/{extension}/login": AGENT_CONTROL,
    "POST /api/agents/{extension}/logout": AGENT_CONTROL,
    "GET /api/agents/{extension}/history": AGENT_CONTROL,
    # employees' own fallback numbers, not callers': supervisors reach staff on them, admins maintain them
    "GET /api/employees": {SUPERVISOR: ALL, DPO: ALL, ADMIN: ALL},
    "POST /api/employees": {ADMIN: ALL},
    "POST /api/employees/import": {ADMIN: ALL},
    "GET /api/sla": {SUPERVISOR: ALL, QA: ALL, ADMIN: ALL, WALLBOARD: ALL},
    "GET /api/sla/export.csv": {SUPERVISOR: ALL, QA: ALL, ADMIN: ALL},
    # the push socket: an agent's screen pops and calls; a supervisor's queues, calls and alerts (hotline.push)
    "GET /ws": {AGENT: OWN_FULL, SUPERVISOR: ALL_FULL, ADMIN: ALL_MASKED, WALLBOARD: ALL_MASKED},
    "GET /wallboard": {**SUPERVISORS_PAGES, WALLBOARD: ALL},
    # the trail watches admins too, so its reader is the DPO alone
    "GET /api/audit": {DPO: ALL},
    "GET /callbacks": SUPERVISORS_PAGES,
    # data-subject requests (GDPR-LT §26, §31, §34, §49): the subject's number in full, for the DPO alone
    "GET /api/subject-requests": DPO_ONLY,
    "POST /api/subject-requests": DPO_ONLY,
    "GET /api/subject-requests/{id}": DPO_ONLY,
    "POST /api/subject-requests/{id}/state": DPO_ONLY,
    "POST /api/subject-requests/{id}/execute": DPO_ONLY,
    "POST /api/subject-requests/{id}/lift": DPO_ONLY,
    "GET /dpo": {DPO: ALL},
}


class UndecidedRoute(LookupError):
    """A route that the role matrix has no entry for."""


def grants_for(method: str, path: str) -> Mapping[Role, Grant]:
    """The matrix entry of a route (``PUBLIC`` for a public one); UndecidedRoute when it has none."""
    key = f"{method.upper()} {path}"
    if key in ROUTE_GRANTS:
        return ROUTE_GRANTS[key]
    if any(fnmatchcase(key, pattern) for pattern in PUBLIC_PATTERNS):
        return PUBLIC
    raise UndecidedRoute(f"route {key} has no entry in the role matrix (hotline/web/role_matrix.py): decide which "
                         "roles may call it and what each sees")


def is_public(grants: Mapping[Role, Grant]) -> bool:
    """No user's token needed: a public route, or one opened by a link's own token (checked by its handler)."""
    return grants is PUBLIC or grants is BY_LINK


def describe(grants: Mapping[Role, Grant]) -> str:
    """A matrix entry in words, as the API reference (docs/architecture.md) lists it: ``agent (own), qa (masked)``."""
    if grants is BY_LINK:
        return "the link's token"
    if is_public(grants):
        return "public"
    if set(grants) == set(Role) and all(grant == ALL for grant in grants.values()):
        return "any user"

    def one(role: Role, grant: Grant) -> str:
        notes = [grant.records.value] if grant.records is not Records.ALL else []
        notes += ["masked"] if grant.numbers is Numbers.MASKED else []
        return f"{role.value} ({', '.join(notes)})" if notes else role.value

    return ", ".join(one(role, grants[role]) for role in Role if role in grants)
