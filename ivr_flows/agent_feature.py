"""Feature codes from an agent's own phone (the dialplan's ``hotline-agents`` context): log in, log out, pause with
a reason, unpause. Arguments: the PJSIP endpoint the call came from (the agent: a phone cannot pretend to be
another, unlike a caller ID it sets itself) and the code after ``*``:

    *61 log in    *62 log out    *63 pause (*631 break, *632 lunch, *633 training, *634 admin work; *63 = break)
    *64 unpause

The change is the same as from the API or the CLI (applied on the PBX, appended to the agent's history as
``phone:<ext>``); the agent hears Asterisk's confirmation, or ``beeperr`` for a code or an agent that is not.
"""
from __future__ import annotations

import logging
import re

from core.dialplan import AGI_AGENT_FEATURE_PATH
from core.ports import AgentAvailability
from ivr_flows.agi_session import AgiSession
from ivr_flows.exceptions import AgiCommandFailed

log = logging.getLogger(__name__)

ROUTE = AGI_AGENT_FEATURE_PATH
ACTIONS = {"61": "login", "62": "logout", "63": "pause", "64": "unpause"}
PAUSE_REASONS = {"": "break", "1": "break", "2": "lunch", "3": "training", "4": "admin_work"}
CONFIRMATIONS = {"login": "agent-loginok", "logout": "agent-loggedoff", "pause": "beep", "unpause": "beep"}
REFUSED = "beeperr"
_EXTENSION = re.compile(r"^[0-9]{2,8}$")


def parse(code: str) -> tuple[str, str] | None:
    """``61`` -> (login, ""), ``632`` -> (pause, lunch); None for anything else."""
    action = ACTIONS.get(code[:2])
    if action is None or (action != "pause" and len(code) != 2):
        return None
    if action == "pause":
        reason = PAUSE_REASONS.get(code[2:])
        return None if reason is None else (action, reason)
    return action, ""


class AgentFeatureFlow:
    """``await flow(session)`` on the ``agent_feature`` route."""

    def __init__(self, agents: AgentAvailability) -> None:
        self.agents = agents

    async def __call__(self, session: AgiSession) -> None:
        args = session.request.args
        extension, code = (list(args) + ["", ""])[:2]
        wanted = parse(code) if _EXTENSION.fullmatch(extension) else None
        sound = REFUSED
        if wanted is None:
            log.info("feature code refused: not a code of ours")
        else:
            action, reason = wanted
            try:
                await self.agents.change(extension, action, reason, f"phone:{extension}")
                sound = CONFIRMATIONS[action]
            except (LookupError, ValueError) as exc:   # not an agent, not a member: the agent hears it failed
                log.info("agent %s: %s from the phone refused (%s)", extension, action, type(exc).__name__)
        await session.answer()
        try:
            await session.stream_file(sound)
        except AgiCommandFailed:
            log.warning("agent %s: feature confirmation did not play", extension)
        await session.hangup()
