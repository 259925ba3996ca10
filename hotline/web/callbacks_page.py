"""``/callbacks``: the supervisors' callback page — due, running, failed and upcoming callbacks (plain HTML, CSS and
JS from ``static/``; no CDN, no build step).

Served as ``hotline.web.pages`` serves a page: opened once as ``/callbacks?token=…``, then with the session
cookie; its script calls ``/api/callbacks`` and ``/ws`` with it. It re-reads the tasks every few seconds and at
once when the socket says a callback changed (the dialer's ``callback_dialing`` and ``callback_result``, or its
``sla_alert`` of kind ``callback_failed``). Reschedule and cancel buttons call the API, which checks the role again.
"""
from __future__ import annotations

from core.policy import PolicyProfile
from hotline.web.app import RouteRegistrar
from hotline.web.pages import Page, page_routes

PAGE = Page("callbacks", title="hotline callbacks", heading="Callbacks", note_id="updated", label="Callbacks page",
            summary="Callbacks page for supervisors (open once with ?token=, then the session cookie)")
REFRESH_SECONDS = 5.0


def page_config(profile: PolicyProfile, refresh_seconds: float) -> dict:
    """What the page needs: queue labels, the local timezone, how often to re-read the tasks, when a due callback
    is highlighted as late."""
    return {
        "profile": profile.name,
        "timezone": profile.timezone,
        "refresh_seconds": refresh_seconds,
        "late_callback_minutes": profile.supervision.late_callback_minutes,
        "queues": [{"name": q.name, "label": q.label} for q in profile.queues],
    }


def routes(profile: PolicyProfile, *, refresh_seconds: float = REFRESH_SECONDS) -> RouteRegistrar:
    """The registrar of the callbacks page and its assets for this profile."""
    return page_routes(PAGE, page_config(profile, refresh_seconds))
