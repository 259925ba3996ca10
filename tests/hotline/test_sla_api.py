"""``/api/sla``, its CSV export, ``rings`` in ``/api/calls`` and the ring counters, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import functools
import io

import pytest
from prometheus_client import generate_latest

from core.policy import load_profile
from hotline.web import HotlineMetrics, WebDeps, calls, create_app, sla
from tests.api_fixtures import auth
from tests.telephony.ami_replay import domain_events, store

LT = load_profile("lt-employment-1883")
RANGE = "from=2026-11-23T00:00:00%2B02:00&to=2026-11-24T00:00:00%2B02:00"
ANSWERED_CALL, ABANDONED_CALL = "1795441186.34", "1795441192.38"




@pytest.fixture
async def client(aiohttp_client, db_engine, tokens):
    await store(db_engine, "queue_answered", "queue_abandoned", "direct_answered")
    deps = WebDeps.create(db_engine, HotlineMetrics().registry)
    return await aiohttp_client(create_app(deps, [calls.register_routes,
                                                  functools.partial(sla.register_routes, profile=LT)]))



async def test_a_call_lists_its_rings(client, tokens):
    response = await client.get(f"/api/calls/{ABANDONED_CALL}", headers=auth(tokens["supervisor"]))
    rings = (await response.json())["rings"]
    assert [r["target"] for r in rings] == [f"Local/{e}@sandbox-agents" for e in ("103", "104", "101", "102", "103")]
    assert all(r["ring_count"] == 2 and not r["answered"] and not r["within_sla"] for r in rings)
    assert all(r["started_at"].endswith("+00:00") and r["ended_at"] > r["started_at"] for r in rings)
    listed = await (await client.get("/api/calls", headers=auth(tokens["supervisor"]))).json()
    answered = next(c for c in listed if c["id"] == ANSWERED_CALL)
    assert [(r["target"], r["ring_count"], r["answered"], r["within_sla"]) for r in answered["rings"]] == [
        ("Local/102@sandbox-agents", 1, True, True)]


async def test_sla_per_queue(client, tokens):
    response = await client.get(f"/api/sla?{RANGE}&by=queue", headers=auth(tokens["supervisor"]))
    assert response.status == 200
    body = await response.json()
    assert (body["by"], body["max_ring_count"], body["sla_seconds"], body["clause"]) == ("queue", 2, 10.0,
                                                                                          "LT-2021 §12.2")
    assert body["start"] == "2026-11-23T00:00:00+02:00" and body["timezone"] == "Europe/Vilnius"
    groups = {g["key"]: g for g in body["groups"]}
    assert groups["general_info"] | {"longest_wait_seconds": None} == {
        "key": "general_info", "offered": 6, "answered": 1, "within_sla": 1, "ratio": 0.1667,
        "histogram": {"1": 1}, "unanswered_histogram": {"2": 5}, "longest_wait_seconds": None,
        "caller_left_early": 0, "answered_elsewhere": 0, "unknown": 0}
    assert groups["general_info"]["longest_wait_seconds"] == pytest.approx(2.0, abs=0.1)
    assert groups["(direct)"]["ratio"] == 1.0
    assert body["total"]["offered"] == 7 and body["total"]["within_sla"] == 2


@pytest.mark.parametrize("by, keys", [("agent", ["101", "102", "103", "104"]), ("day", ["2026-11-23"])])
async def test_sla_per_agent_and_day(client, tokens, by, keys):
    body = await (await client.get(f"/api/sla?{RANGE}&by={by}", headers=auth(tokens["qa"]))).json()
    assert [g["key"] for g in body["groups"]] == keys


async def test_sla_defaults_to_today_and_is_for_supervision_roles_only(client, tokens):
    today = await client.get("/api/sla", headers=auth(tokens["admin"]))
    assert today.status == 200 and (await today.json())["by"] == "queue"
    forbidden = await client.get(f"/api/sla?{RANGE}", headers=auth(tokens["agent"]))
    assert forbidden.status == 403
    for query, status in [("by=colour", 400), ("from=2026-11-23T00:00:00", 400), ("colour=blue", 400),
                          ("to=0.5", 400),   # not ISO 8601 text (pydantic alone would read seconds since 1970)
                          # each value valid, together no report: 422, as the spec declares
                          ("from=2026-11-24T00:00:00%2B02:00&to=2026-11-23T00:00:00%2B02:00", 422),
                          ("from=2020-01-01T00:00:00%2B02:00&to=2026-01-01T00:00:00%2B02:00", 422)]:
        response = await client.get(f"/api/sla?{query}", headers=auth(tokens["supervisor"]))
        assert response.status == status, query
        assert set((await response.json())["error"]) >= {"code", "message"}


async def test_monthly_csv_export(client, tokens):
    response = await client.get("/api/sla/export.csv?month=2026-11&by=agent", headers=auth(tokens["supervisor"]))
    assert response.status == 200 and response.content_type == "text/csv"
    assert 'filename="sla-2026-11-agent.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [r["key"] for r in rows] == ["101", "102", "103", "104", "total"]
    assert rows[-1]["offered"] == "7" and rows[-1]["answered_ring_1"] == "2" and rows[-1]["answered_ring_3"] == "0"
    assert rows[2]["ratio"] == "0.0" and rows[2]["longest_wait_seconds"] == ""
    empty = await client.get("/api/sla/export.csv?month=2026-10", headers=auth(tokens["supervisor"]))
    assert [r["key"] for r in csv.DictReader(io.StringIO(await empty.text()))] == ["total"]
    for month in ("2026-13", "26-11", "2026-1"):
        response = await client.get(f"/api/sla/export.csv?month={month}", headers=auth(tokens["supervisor"]))
        assert response.status == 400, month


def test_month_range_is_the_profile_timezone_month():
    start, end = sla.month_range("2026-12", LT)
    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T00:00:00+02:00", "2027-01-01T00:00:00+02:00")


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    assert sla._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and sla._cell("101") == "101" and sla._cell(None) == ""


def test_ring_counters_per_queue():
    metrics = HotlineMetrics()
    for name in ("queue_answered", "queue_abandoned", "direct_answered"):
        for event in domain_events(name):
            if type(event).__name__ == "RingEnded":
                metrics.count_ring(event)
    text = generate_latest(metrics.registry).decode()
    assert 'hotline_rings_total{answered="true",queue="general_info",within_sla="true"} 1.0' in text
    assert 'hotline_rings_total{answered="false",queue="general_info",within_sla="false"} 5.0' in text
    assert 'hotline_rings_total{answered="true",queue="(direct)",within_sla="true"} 1.0' in text
