"""``/api/messages``: messages callers left for employees who could not answer (LT-2021 §12.18).

Agents see (and mark read) their own messages only; supervisors and admins see everyone's. Numbers are shown or
masked per role like everywhere else.
"""
from __future__ import annotations

import datetime as dt

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from hotline.auth.models import Role
from hotline.auth.service import Principal
from hotline.web.auth import principal_of
from hotline.web.errors import ApiError
from hotline.web.masking import present_number
from hotline.web.params import EXTENSION, IdPath, PageQuery
from hotline.web.routes import ApiRouter, body_of, path_of, query_of
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


def present(message: Message, role: str) -> MessageOut:
    return MessageOut(id=message.id, extension=message.extension, queue=message.queue,
                      caller=present_number(message.caller, role), caller_name=message.caller_name,
                      reason=message.reason, has_audio=message.audio_path is not None,
                      call_id=message.call_id, callback_id=message.callback_id, created_at=message.created_at,
                      read=message.read, read_at=message.read_at)


def _own_extension(principal: Principal) -> str | None:
    """None: may see everyone's; else the only extension this user may see (agents: their own)."""
    if principal.role == Role.AGENT:
        return principal.extension or "-"   # an agent without an extension has no messages
    return None


def register_routes(router: ApiRouter, *, messages: MessageService) -> None:
    async def list_messages(request: web.Request) -> list[MessageOut]:
        query: MessagesQuery = query_of(request)
        principal = principal_of(request)
        extension = _own_extension(principal) or query.extension
        found = await messages.list(extension=extension, unread_only=query.unread, limit=query.limit,
                                    offset=query.offset)
        return [present(message, principal.role) for message in found]

    async def mark_read(request: web.Request) -> MessageOut:
        message_id = path_of(request).id
        principal = principal_of(request)
        message = await messages.get(message_id)
        own = _own_extension(principal)
        if message is None or (own is not None and message.extension != own):
            raise ApiError(404, "not_found", f"no message with id {message_id}")
        await messages.mark_read(message_id, read=body_of(request).read)
        return present(await messages.get(message_id), principal.role)

    router.get("/api/messages", list_messages, summary="Messages for employees, newest first", query=MessagesQuery,
               roles=["agent", "supervisor", "admin"], response=list[MessageOut], tags=["messages"],
               personal_data=True)
    router.post("/api/messages/{id}/read", mark_read, summary="Mark a message read (or unread again)",
                path_params=IdPath, body=ReadIn, roles=["agent", "supervisor", "admin"], response=MessageOut,
                tags=["messages"])
