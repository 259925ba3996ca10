"""Message storage on SQLite and PostgreSQL: a message asks for a callback and is announced; read/unread; listing."""
from __future__ import annotations

import pytest

from core.events import MessageLeft
from telephony.callbacks.service import CallbackService
from telephony.messages.notifier import MessageNotifier
from telephony.messages.service import MessageService

NUMBER = "+37060000001"


@pytest.fixture
def published() -> list:
    return []


@pytest.fixture
def services(db_engine, published):
    callbacks = CallbackService(db_engine)

    async def publish(event) -> None:
        published.append(event)
    return callbacks, MessageService(db_engine, callbacks, MessageNotifier(publish))


async def test_a_message_is_stored_asks_for_a_callback_for_that_employee_and_is_announced(services, published):
    callbacks, messages = services
    message_id = await messages.leave_message(extension="101", caller=NUMBER, audio_path="/spool/m.wav",
                                              call_id="1.5", caller_name="Ona")
    message = await messages.get(message_id)
    assert (message.extension, message.caller, message.caller_name, message.audio_path, message.call_id) == (
        "101", NUMBER, "Ona", "/spool/m.wav", "1.5")
    assert not message.read and message.created_at.tzinfo is not None
    task = await callbacks.get(message.callback_id)
    assert (task.number, task.reasons, task.extension, task.state) == (NUMBER, ("message",), "101", "pending")
    [event] = published
    assert isinstance(event, MessageLeft)
    assert (event.message_id, event.extension, event.caller, event.has_audio, event.callback_id) == (
        message_id, "101", NUMBER, True, task.id)


async def test_a_message_without_a_number_asks_for_no_callback(services, published):
    callbacks, messages = services
    message_id = await messages.leave_message(extension="101", caller=None, audio_path="/spool/m.wav")
    assert (await messages.get(message_id)).callback_id is None
    assert await callbacks.list() == []
    assert published[0].caller is None


async def test_listing_per_employee_newest_first_unread_and_marking_read(services):
    _, messages = services
    first = await messages.leave_message(extension="101", caller=NUMBER, reason="dėl pažymos")
    second = await messages.leave_message(extension="101", caller=None)
    other = await messages.leave_message(extension="102", caller=None)
    assert [m.id for m in await messages.list(extension="101")] == [second, first]
    assert {m.id for m in await messages.list()} == {first, second, other}
    assert await messages.mark_read(first)
    assert (await messages.get(first)).read
    assert [m.id for m in await messages.list(extension="101", unread_only=True)] == [second]
    assert await messages.mark_read(first, read=False)
    assert not (await messages.get(first)).read
    assert not await messages.mark_read(9999)


async def test_a_message_and_its_callback_are_stored_together_or_not_at_all(services, db_engine, monkeypatch):
    callbacks, messages = services

    def failing_insert(*_args, **_kwargs):
        raise RuntimeError("the database went away mid-write")   # after the task's insert, before the message's

    monkeypatch.setattr("telephony.messages.service.MessageRow", failing_insert)
    with pytest.raises(RuntimeError):
        await messages.leave_message(extension="101", caller=NUMBER)
    assert await callbacks.list() == []   # the task went with the message: no callback without its message
    monkeypatch.undo()
    message_id = await messages.leave_message(extension="101", caller=NUMBER)
    [task] = await callbacks.list()
    assert (await messages.get(message_id)).callback_id == task.id
