"""``/wallboard``: the supervisors' live page (plain HTML, CSS and JS from ``static/``; no CDN, no build step).

Served as ``hotline.web.pages`` serves a page: opened once as ``/wallboard?token=…``, then with the session
cookie; its script reads ``/api/sla`` and ``/ws`` with it. Supervisors, admins and wall screens (the read-only
``wallboard`` role) open it.
"""
from __future__ import annotations

from core.policy import PolicyProfile
from hotline.web.app import RouteRegistrar
from hotline.web.pages import Page, page_routes

PAGE = Page("wallboard", title="hotline wallboard", heading="hotline", note_id="clock", label="Wallboard",
            summary="Live wallboard page for supervisors and wall screens (open once with ?token=, then the "
                    "session cookie)")


def page_config(profile: PolicyProfile) -> dict:
    """What the page needs to know about the policy: queue names, the ring limit, the local timezone, what it
    highlights (an SLA ratio below the target, a wait longer than the long wait)."""
    sla = profile.ring_sla
    return {
        "profile": profile.name,
        "timezone": profile.timezone,
        "max_ring_count": sla.max_ring_count,
        "sla_clause": sla.clause,
        "sla_ratio_target": profile.supervision.sla_ratio_target,
        "long_wait_seconds": profile.supervision.long_wait_seconds,
        "queues": [{"name": q.name, "label": q.label} for q in profile.queues],
    }


def routes(profile: PolicyProfile) -> RouteRegistrar:
    """The registrar of the wallboard page and its assets for this profile."""
    return page_routes(PAGE, page_config(profile))
