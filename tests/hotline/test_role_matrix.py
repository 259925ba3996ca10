"""The role matrix's decisions keep to the functions (GDPR-LT §8, REQUIREMENTS §4): whatever route is added, QA,
admins and wall screens never see a caller's number in full, agents never see the whole line's records, the DPO and
wall screens change nothing, and only unknown routes are refused a decision. (That every route answers as the
matrix says is ``test_role_matrix_pbx.py``.)"""
from __future__ import annotations

import pytest

from hotline.auth.models import Role
from hotline.web.role_matrix import PUBLIC, ROUTE_GRANTS, Numbers, Records, UndecidedRoute, grants_for

# what any user may do about their own session: not a write to anyone's data
OWN_SESSION = {"POST /api/me/token", "POST /api/session/logout"}


def grants_of(role: Role) -> dict[str, object]:
    return {key: grants[role] for key, grants in ROUTE_GRANTS.items() if role in grants}


@pytest.mark.parametrize("role", [Role.QA, Role.ADMIN, Role.WALLBOARD])
def test_roles_that_do_not_call_back_never_see_a_callers_number_in_full(role):
    full = [key for key, grant in grants_of(role).items() if grant.numbers is Numbers.FULL]
    assert full == []


def test_agents_see_only_their_own_records_and_supervisors_at_most_their_units():
    agent = {key: grant.records for key, grant in grants_of(Role.AGENT).items() if key not in OWN_SESSION
             and key != "GET /api/me"}
    assert agent and set(agent.values()) == {Records.OWN}
    supervisor = grants_of(Role.SUPERVISOR)
    for key in ("GET /api/calls", "GET /api/callbacks", "GET /api/messages", "POST /api/callbacks/{id}/cancel"):
        assert supervisor[key].records is Records.UNIT


@pytest.mark.parametrize("role", [Role.DPO, Role.WALLBOARD, Role.QA])
def test_readers_change_nothing(role):
    # the DPO's writes: the data-subject requests it answers (GDPR-LT §26, §31, §34, §49) and a data subject's
    # listen-only session (GDPR-LT §24.1)
    own_work = ("POST /api/subject-requests",) if role is Role.DPO else ()
    writes = [key for key in grants_of(role) if not key.startswith("GET ") and key not in OWN_SESSION
              and not key.startswith(own_work or ("\0",))]
    assert writes == (["POST /api/listen-sessions"] if role is Role.DPO else [])


def test_recordings_audio_is_for_quality_control_and_the_dpo_and_sessions_for_the_dpo_alone():
    assert set(ROUTE_GRANTS["GET /api/recordings/{id}/audio"]) == {Role.SUPERVISOR, Role.QA, Role.DPO}
    assert ROUTE_GRANTS["GET /api/recordings/{id}/audio"][Role.SUPERVISOR].records is Records.UNIT
    assert set(ROUTE_GRANTS["POST /api/listen-sessions"]) == set(ROUTE_GRANTS["GET /api/listen-sessions/{id}/copy"]) \
        == {Role.DPO}


def test_the_subject_requests_are_the_dpos_alone():
    keys = [key for key in ROUTE_GRANTS if "/subject-requests" in key or key == "GET /dpo"]
    assert len(keys) == 7 and all(set(ROUTE_GRANTS[key]) == {Role.DPO} for key in keys)


def test_the_audit_trail_is_the_dpos_alone_and_messages_are_nobody_elses_but_their_addressees_and_the_dpo():
    assert set(ROUTE_GRANTS["GET /api/audit"]) == {Role.DPO}
    assert set(ROUTE_GRANTS["GET /api/messages"]) == {Role.AGENT, Role.SUPERVISOR, Role.DPO}


def test_public_routes_and_static_assets_are_decided_and_anything_else_is_not():
    assert grants_for("GET", "/healthz") is PUBLIC and grants_for("GET", "/wallboard/wallboard.js") is PUBLIC
    with pytest.raises(UndecidedRoute, match="POST /api/calls has no entry"):
        grants_for("POST", "/api/calls")


def test_the_api_reference_lists_each_routes_roles_as_the_matrix_decides():
    import re
    from pathlib import Path

    from hotline.web.role_matrix import describe

    reference = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text()
    listed = set()
    for first, roles in re.findall(r"^\| (`[A-Z]+ /[^|]*) \| ([^|]*) \|", reference, re.M):
        for key in re.findall(r"`([A-Z]+ /[^` ]+)", first):
            if key in ROUTE_GRANTS:
                listed.add(key)
                assert roles == describe(ROUTE_GRANTS[key]), key
    assert listed >= {key for key, grants in ROUTE_GRANTS.items() if grants is not PUBLIC}
