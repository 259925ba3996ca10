"""``/api/callbacks`` and ``/api/messages`` over a real database: who sees what, masking, filters, marking read;
agreed-time callbacks and follow-ups, task detail, cancel, reschedule, calls marked dropped."""
from __future__ import annotations

import datetime as dt
import functools

import pytest

from core.clock import utcnow
from hotline.auth.service import create_user
from hotline.web import HotlineMetrics, WebDeps, create_app
from hotline.web import callbacks as callback_routes
from hotline.web import messages as message_routes
from telephony.callbacks.admin import CallbackAdmin
from telephony.callbacks.service import CallbackService
from telephony.messages.service import MessageService
from tests.api_fixtures import auth
from tests.telephony.callbacks.task_fixtures import PROFILE, business_time, store_call, update_task

NUMBER = "+37060000001"
OTHER = "+37061234567"


@pytest.fixture
async def stored(db_engine):
    callbacks = CallbackService(db_engine)
    messages = MessageService(db_engine, callbacks)
    ids = {
        "hold": await callbacks.request_callback(NUMBER, "hold_refused", queue="general_info"),
        "m101": await messages.leave_message(extension="101", caller=OTHER, audio_path="/spool/a.wav"),
        "m102": await messages.leave_message(extension="102", caller=None),
    }
    return callbacks, messages, ids


@pytest.fixture
async def agent_101(db_sessionmaker) -> str:
    async with db_sessionmaker() as session:
        _, token = await create_user(session, "agent-101", "agent", extension="101")
        await session.commit()
    return token


@pytest.fixture
async def client(aiohttp_client, db_engine, stored, tokens):
    callbacks, messages, _ = stored
    deps = WebDeps.create(db_engine, HotlineMetrics().registry)
    return await aiohttp_client(create_app(deps, [
        functools.partial(callback_routes.register_routes, callbacks=callbacks,
                          admin=CallbackAdmin(callbacks, PROFILE)),
        functools.partial(message_routes.register_routes, messages=messages),
    ]))


async def test_supervisor_lists_every_callback_with_reasons_state_and_number(client, tokens, stored):
    response = await client.get("/api/callbacks", headers=auth(tokens["supervisor"]))
    assert response.status == 200
    tasks = {task["id"]: task for task in await response.json()}
    hold = tasks[stored[2]["hold"]]
    assert (hold["number"], hold["state"], hold["reason"], hold["reasons"], hold["attempts"]) == (
        NUMBER, "pending", "hold_refused", ["hold_refused"], 0)
    assert hold["due_at"].endswith("+00:00")
    message_task = next(task for task in tasks.values() if task["reason"] == "message")
    assert (message_task["number"], message_task["extension"]) == (OTHER, "101")


async def test_callback_filters_and_an_admin_sees_masked_numbers(client, tokens):
    response = await client.get("/api/callbacks?reason=message", headers=auth(tokens["admin"]))
    [task] = await response.json()
    assert task["reason"] == "message" and task["number"] != OTHER and task["number"].endswith(OTHER[-4:])
    bad = await client.get("/api/callbacks?state=sleeping", headers=auth(tokens["supervisor"]))
    assert bad.status == 400 and (await bad.json())["error"]["code"]
    assert (await client.get("/api/callbacks", headers=auth(tokens["qa"]))).status == 403


async def test_an_agent_sees_only_their_own_callbacks_and_messages(client, agent_101, tokens, stored):
    tasks = await (await client.get("/api/callbacks", headers=auth(agent_101))).json()
    assert [task["extension"] for task in tasks] == ["101"]
    # the filter narrows within the agent's own tasks, it cannot widen their view
    assert await (await client.get("/api/callbacks?extension=102", headers=auth(agent_101))).json() == []
    messages = await (await client.get("/api/messages", headers=auth(agent_101))).json()
    assert [(m["id"], m["caller"], m["has_audio"], m["read"]) for m in messages] == [
        (stored[2]["m101"], OTHER, True, False)]
    # an agent without an extension has none
    assert await (await client.get("/api/messages", headers=auth(tokens["agent"]))).json() == []


async def test_supervisor_lists_all_messages_and_filters_one_employee(client, tokens, stored):
    everyone = await (await client.get("/api/messages", headers=auth(tokens["supervisor"]))).json()
    assert {m["extension"] for m in everyone} == {"101", "102"}
    only = await (await client.get("/api/messages?extension=102", headers=auth(tokens["supervisor"]))).json()
    assert [m["id"] for m in only] == [stored[2]["m102"]]


async def test_marking_read_own_messages_only(client, agent_101, stored):
    ids = stored[2]
    read = await client.post(f"/api/messages/{ids['m101']}/read", json={"read": True}, headers=auth(agent_101))
    assert read.status == 200 and (await read.json())["read"] is True
    unread = await (await client.get("/api/messages?unread=true", headers=auth(agent_101))).json()
    assert unread == []
    foreign = await client.post(f"/api/messages/{ids['m102']}/read", json={}, headers=auth(agent_101))
    assert foreign.status == 404
    missing = await client.post("/api/messages/99999/read", json={}, headers=auth(agent_101))
    assert missing.status == 404


# --- agreed times, follow-ups, detail, cancel, reschedule, dropped ------------------------------------------------

async def test_an_agents_agreed_callback_is_always_their_own_and_a_supervisor_addresses_anyone(
        client, agent_101, tokens):
    agreed = business_time()
    mine = await client.post("/api/callbacks", headers=auth(agent_101), json={
        "number": "860000009", "agreed_at": agreed.isoformat(), "extension": "102", "note": "call about the form"})
    assert mine.status == 201
    task = await mine.json()
    assert (task["number"], task["extension"], task["reasons"], task["priority"], task["state"]) == (
        "+37060000009", "101", ["agreed_time"], 1, "pending")
    assert (dt.datetime.fromisoformat(task["agreed_at"]), task["note"], task["warning"]) == (
        agreed, "call about the form", None)
    listed = await (await client.get("/api/callbacks?reason=agreed_time", headers=auth(agent_101))).json()
    assert [(t["id"], t["agreed_at"], t["priority"], t["agent"], t["last_call_id"]) for t in listed] == [
        (task["id"], task["agreed_at"], 1, None, None)]

    early = business_time() - dt.timedelta(hours=3)   # before opening: kept, with a warning
    theirs = await client.post("/api/callbacks", headers=auth(tokens["supervisor"]), json={
        "number": "+37060000010", "agreed_at": early.isoformat(), "extension": "102", "queue": "employers"})
    assert theirs.status == 201
    body = await theirs.json()
    assert (body["extension"], body["queue"], dt.datetime.fromisoformat(body["agreed_at"])) == ("102", "employers",
                                                                                                 early)
    assert "outside business hours" in body["warning"]


@pytest.mark.parametrize(("payload", "status", "says"), [
    ({"number": "+37060000009"}, 400, "agreed_at"),                                       # missing field
    ({"number": "+37060000009", "agreed_at": "2031-03-04T10:00:00"}, 400, "timezone"),   # naive
    ({"agreed_at": "2031-03-04T10:00:00+02:00"}, 400, "either number"),
    ({"number": "+37060000009", "follow_up_of": 1, "agreed_at": "2031-03-04T10:00:00+02:00"}, 400, "either"),
    ({"number": "+37060000009", "agreed_at": "2031-03-04T10:00:00+02:00", "colour": "red"}, 400, "colour"),
    ({"number": "12345", "agreed_at": "2031-03-04T10:00:00+02:00"}, 422, "give a valid phone number"),
    ({"number": "+37060000009", "agreed_at": "2020-03-04T10:00:00+02:00"}, 422, "in the past"),
    ({"number": "+37060000009", "agreed_at": "2031-03-04T10:00:00+02:00", "queue": "x"}, 422, "unknown queue"),
    ({"follow_up_of": 99999, "agreed_at": "2031-03-04T10:00:00+02:00"}, 422, "no callback task 99999"),
])
async def test_a_bad_callback_request_says_what_is_wrong_and_stores_nothing(client, tokens, payload, status, says):
    before = await (await client.get("/api/callbacks", headers=auth(tokens["supervisor"]))).json()
    response = await client.post("/api/callbacks", json=payload, headers=auth(tokens["supervisor"]))
    assert response.status == status
    assert says in (await response.json())["error"]["message"]
    assert await (await client.get("/api/callbacks", headers=auth(tokens["supervisor"]))).json() == before


async def test_detail_shows_history_and_every_request_to_those_who_may_see_the_task(client, tokens, agent_101,
                                                                                    stored):
    callbacks, _, ids = stored
    for n in (1, 2):
        assert await callbacks.request_callback("+37060000001", "abandoned", call_id=f"in.{n}") == ids["hold"]
    response = await client.get(f"/api/callbacks/{ids['hold']}", headers=auth(tokens["supervisor"]))
    assert response.status == 200
    detail = await response.json()
    assert detail["reasons"] == ["hold_refused", "abandoned"] and detail["number"] == "+37060000001"
    assert [(h["event"], h["state"], h["reason"], h["call_id"]) for h in detail["history"]] == [
        ("created", "pending", "hold_refused", None), ("merged", "pending", "abandoned", "in.1"),
        ("merged", "pending", "abandoned", "in.2")]
    assert [(r["reason"], r["call_id"]) for r in detail["requests"]] == [
        ("hold_refused", None), ("abandoned", "in.1"), ("abandoned", "in.2")]
    masked = await (await client.get(f"/api/callbacks/{ids['hold']}", headers=auth(tokens["admin"]))).json()
    assert masked["number"] != "+37060000001"
    # an agent sees only tasks addressed to them: this one is a queue's
    assert (await client.get(f"/api/callbacks/{ids['hold']}", headers=auth(agent_101))).status == 404
    assert (await client.get("/api/callbacks/99999", headers=auth(tokens["supervisor"]))).status == 404


async def test_the_agent_who_made_the_call_schedules_its_follow_up(client, agent_101, stored, db_engine,
                                                                   db_sessionmaker):
    ids = stored[2]
    await update_task(db_engine, ids["hold"], state="done", dial_call_id="out.5", agent="101")
    agreed = business_time()
    follow = await client.post("/api/callbacks", headers=auth(agent_101), json={
        "follow_up_of": ids["hold"], "agreed_at": agreed.isoformat(), "note": "decision by Friday"})
    assert follow.status == 201
    task = await follow.json()
    assert (task["number"], task["call_id"], task["queue"], task["extension"], task["reasons"]) == (
        "+37060000001", "out.5", "general_info", "101", ["agreed_time"])
    detail = await (await client.get(f"/api/callbacks/{ids['hold']}", headers=auth(agent_101))).json()
    assert detail["last_call_id"] == "out.5"   # the task they dialled is theirs to see now
    # another agent cannot follow up a task that is not theirs
    async with db_sessionmaker() as session:
        _, agent_102 = await create_user(session, "agent-102", "agent", extension="102")
        await session.commit()
    other = await client.post("/api/callbacks", headers=auth(agent_102), json={
        "follow_up_of": ids["hold"], "agreed_at": agreed.isoformat()})
    assert other.status == 422 and f"no callback task {ids['hold']}" in (await other.json())["error"]["message"]


async def test_supervisors_cancel_and_reschedule_agents_may_not(client, tokens, agent_101, stored, db_engine):
    ids = stored[2]
    task_id = ids["hold"]
    supervisor = auth(tokens["supervisor"])
    assert (await client.post(f"/api/callbacks/{task_id}/cancel", headers=auth(agent_101))).status == 403
    assert (await client.post(f"/api/callbacks/{task_id}/reschedule", headers=auth(agent_101),
                              json={"due_at": utcnow().isoformat()})).status == 403
    await update_task(db_engine, task_id, state="failed", attempts=3)
    rescheduled = await client.post(f"/api/callbacks/{task_id}/reschedule", headers=supervisor,
                                    json={"due_at": business_time().isoformat()})
    assert rescheduled.status == 200
    body = await rescheduled.json()
    assert (body["state"], body["attempts"], dt.datetime.fromisoformat(body["due_at"])) == (
        "pending", 0, business_time())
    naive = await client.post(f"/api/callbacks/{task_id}/reschedule", headers=supervisor,
                              json={"due_at": "2031-03-04T10:00:00"})
    assert naive.status == 400
    await update_task(db_engine, task_id, state="dialing")
    conflict = await client.post(f"/api/callbacks/{task_id}/reschedule", headers=supervisor,
                                 json={"due_at": utcnow().isoformat()})
    assert conflict.status == 409 and "is dialing" in (await conflict.json())["error"]["message"]
    cancelled = await client.post(f"/api/callbacks/{task_id}/cancel", headers=supervisor)
    assert cancelled.status == 200 and (await cancelled.json())["state"] == "cancelled"
    again = await client.post(f"/api/callbacks/{task_id}/cancel", headers=supervisor)
    assert again.status == 409 and (await again.json())["error"]["code"] == "conflict"
    assert (await client.post("/api/callbacks/99999/cancel", headers=supervisor)).status == 404
    assert (await client.post("/api/callbacks/99999/reschedule", headers=supervisor,
                              json={"due_at": utcnow().isoformat()})).status == 404
    history = [h["event"] for h in (await (await client.get(f"/api/callbacks/{task_id}", headers=supervisor))
                                    .json())["history"]]
    assert history == ["created", "rescheduled", "cancelled"]


async def test_an_agent_marks_their_answered_call_dropped(client, agent_101, tokens, db_engine):
    await store_call(db_engine, "in.7", "+37060000007", [("offered", None), ("answered", "PJSIP/101")])
    await store_call(db_engine, "in.8", "anonymous", [("offered", None), ("answered", "PJSIP/101")])
    assert (await client.post("/api/calls/in.7/dropped", headers=auth(tokens["agent"]))).status == 404  # not theirs
    assert (await client.post("/api/calls/in.7/dropped", headers=auth(tokens["qa"]))).status == 403
    marked = await client.post("/api/calls/in.7/dropped", headers=auth(agent_101))
    assert marked.status == 200
    body = await marked.json()
    assert (body["skipped"], body["callback"]["reasons"], body["callback"]["call_id"]) == (
        None, ["dropped"], "in.7")
    assert body["callback"]["number"] == "+37060000007" and body["callback"]["priority"] == 0
    anonymous = await (await client.post("/api/calls/in.8/dropped", headers=auth(tokens["supervisor"]))).json()
    assert anonymous == {"callback": None, "skipped": "no_usable_number"}
    assert (await client.post("/api/calls/in.none/dropped", headers=auth(tokens["supervisor"]))).status == 404
