"""``/dpo``: the DPO's page of data-subject requests - what is due, soonest first, overdue ones marked (plain
HTML, CSS and JS from ``static/``, served as ``hotline.web.pages`` serves a page; its script reads
``/api/subject-requests`` with the page's session)."""
from __future__ import annotations

from core.policy import PolicyProfile
from hotline.web.app import RouteRegistrar
from hotline.web.pages import Page, page_routes

PAGE = Page("dpo", title="hotline data-subject requests", heading="Data-subject requests", note_id="updated",
            label="DPO page", summary="Data-subject requests page for the DPO (open once with ?token=, then the "
            "session cookie)")
REFRESH_SECONDS = 60.0


def routes(profile: PolicyProfile, *, refresh_seconds: float = REFRESH_SECONDS) -> RouteRegistrar:
    return page_routes(PAGE, {"profile": profile.name, "timezone": profile.timezone,
                              "refresh_seconds": refresh_seconds})
