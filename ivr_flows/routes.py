"""The FastAGI route table: script name (``agi://host:port/<script>``) → ``async def handler(session)``.

Routes are registered explicitly by the composition root; nothing registers itself at import time. Handlers must be
coroutine functions — a plain function is refused when it is added, not when the first call arrives.
"""
from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

from ivr_flows.agi_protocol import split_script
from ivr_flows.agi_session import AgiSession

AgiHandler = Callable[[AgiSession], Awaitable[None]]


class AgiRoutes:
    def __init__(self) -> None:
        self._handlers: dict[str, AgiHandler] = {}

    def add(self, script: str, handler: AgiHandler) -> None:
        name, params = split_script(script)
        if not name or params or name != script.strip("/"):
            raise ValueError(f"not a route name: {script!r} (letters, digits, _ . - /)")
        if not (inspect.iscoroutinefunction(handler)
                or inspect.iscoroutinefunction(getattr(handler, "__call__", None))):
            raise TypeError(f"route {name!r}: the handler must be an async function taking the session")
        if name in self._handlers:
            raise ValueError(f"route {name!r} is already registered")
        self._handlers[name] = handler

    def get(self, script: str) -> AgiHandler | None:
        """The handler of an already-normalised script name (AgiRequest.script)."""
        return self._handlers.get(script) if script else None

    def __contains__(self, script: str) -> bool:
        return script in self._handlers
