"""The web app with the subject-request routes and the DPO page alone (no PBX), over a catalogue in a temporary
monitor directory."""
from __future__ import annotations

import functools

from core.policy import load_profile
from hotline.retention import build_purge, build_subject_requests
from hotline.web import HotlineMetrics, WebDeps, create_app, dpo_page, pages, subject_requests
from tests.recording.catalogue_fixtures import make_catalogue

PROFILE = load_profile("lt-employment-1883")


def subject_request_app(db_engine, monitor, settings):
    catalogued = make_catalogue(db_engine, monitor)
    purge = build_purge(db_engine, catalogued.catalogue.store, settings, PROFILE)
    requests = build_subject_requests(db_engine, PROFILE, catalogued.catalogue, purge)
    deps = WebDeps.create(db_engine, HotlineMetrics().registry)
    return create_app(deps, [functools.partial(subject_requests.register_routes, requests=requests),
                             dpo_page.routes(PROFILE, refresh_seconds=600), pages.register_routes]), requests
