"""``/api/messages``: messages callers left for employees who could not answer (LT-2021 §12.18).

Agents see (and mark read) their own messages only, supervisors their unit's (its employees' and queues'), the
DPO everyone's (``hotline.web.role_matrix``).
"""
from __future__ import annotations

import datetime as dt

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hotline.web.auth import grant_of
from hotline.web.errors import ApiError
from hotline.web.masking import present_number
from hotline.web.params import EXTENSION, IdPath, PageQuery
from hotline.web.role_matrix import Grant
from hotline.web.routes import ApiRouter, body_of, path_of, query_of
from hotline.web.scopes import scope_of
from telephony import Message, MessageService


class MessagesQuery(PageQuery):
    extension: str | None = Field(None, pattern=EXTENSION, description="one employee's messages")
    unread: bool = Field(False, description="only messages not read yet")


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    read: bool = True


class MessageOut(BaseModel):
    id: int
    extension: str | None   # None: left for a queue while the line was closed (supervisors see it)
    queue: str | None = None
    caller: str | None
    caller_name: str | None
    reason: str
    has_audio: bool
    call_id: str | None
    callback_id: int | None
    created_at: dt.datetime
    read: bool
    read_at: dt.datetime | None


def present(message: Message, grant: Grant) -> MessageOut:
    return MessageOut(id=message.id, extension=message.extension, queue=message.queue,
                      caller=present_number(message.caller, grant), caller_name=message.caller_name,
                      reason=message.reason, has_audio=message.audio_path is not None,
                      call_id=message.call_id, callback_id=message.callback_id, created_at=message.created_at,
                      read=message.read, read_at=message.read_at)


def register_routes(router: ApiRouter, *, messages: MessageService) -> None:
    async def list_messages(request: web.Request) -> list[MessageOut]:
        query: MessagesQuery = query_of(request)
        found = await messages.list(extension=query.extension, unread_only=query.unread, limit=query.limit,
                                    offset=query.offset, scope=await scope_of(request))
        return [present(message, grant_of(request)) for message in found]

    async def mark_read(request: web.Request) -> MessageOut:
        message_id = path_of(request).id
        message = await messages.get(message_id)
        scope = await scope_of(request)
        if message is None or (scope is not None and not scope.holds(extensions=(message.extension,),
                                                                     queue=message.queue)):
            raise ApiError(404, "not_found", f"no message with id {message_id}")
        await messages.mark_read(message_id, read=body_of(request).read)
        return present(await messages.get(message_id), grant_of(request))

    router.get("/api/messages", list_messages, summary="Messages for employees, newest first", query=MessagesQuery,
               response=list[MessageOut], tags=["messages"],
               personal_data=True)
    router.post("/api/messages/{id}/read", mark_read, summary="Mark a message read (or unread again)",
                path_params=IdPath, body=ReadIn, response=MessageOut,
                tags=["messages"], statuses={404: "no such message (or not one this user may see)"})
