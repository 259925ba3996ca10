"""Access ends with the function, on open sockets too: once a second the hub's clients' tokens are checked
again (revoked, expired, user or employee deactivated: ``hotline.auth.service.still_valid``), and a socket whose
access ended is closed. A database that does not answer closes nothing: the check runs again a second later."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hotline.push.hub import PushHub

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0   # seconds: a revoked supervisor's wallboard goes dark within this

Check = Callable[[set[str]], Awaitable[set[str]]]   # token hashes -> those still valid


async def watch_access(hub: PushHub, still_valid: Check, every: float = CHECK_EVERY) -> None:
    while True:
        await asyncio.sleep(every)
        clients = [client for client in hub.clients.values() if client.token_hash]
        if not clients:
            continue
        try:
            valid = await still_valid({client.token_hash for client in clients})
        except Exception as exc:   # the database away: keep serving who was let in, check again next round
            log.warning("push: access of open sockets not checked (%s)", type(exc).__name__)
            continue
        for client in clients:
            if client.token_hash not in valid and not client.closed:
                log.info("push client %d closed: its access ended", client.id)
                hub.disconnect(client)
                asyncio.get_running_loop().create_task(client.close("access ended; sign in again"))
