"""IVR flows over FastAGI: our own hardened FastAGI server and the flows the PBX runs through it.

``setup(deps, sounds, ports)`` builds the server with every route (menu, callback offer, employee unavailable); the
composition root starts it on ``settings.agi_host:agi_port``. A route is ``async def handler(session: AgiSession)``.
Imports only ``core``.
"""
from ivr_flows.agi_limits import AgiLimits
from ivr_flows.agi_protocol import AgiReply, AgiRequest
from ivr_flows.agi_server import AgiServer, AgiServerStats
from ivr_flows.agi_session import AgiSession
from ivr_flows.exceptions import (
                                  AgiCommandError,
                                  AgiCommandFailed,
                                  AgiConnectionLost,
                                  AgiError,
                                  AgiHangup,
                                  AgiProtocolError,
                                  AgiSessionClosed,
                                  AgiTimeout,
)
from ivr_flows.prompts import SPOKEN_OR_NOTHING, PromptBuilder, SoundsDirs, cache_name
from ivr_flows.routes import AgiHandler
from ivr_flows.setup import IvrFlows, IvrPorts, setup
from ivr_flows.step_store import IvrStepView, ivr_steps_of, topic_of

__all__ = [
    "AgiCommandError", "AgiCommandFailed", "AgiConnectionLost", "AgiError", "AgiHandler", "AgiHangup", "AgiLimits",
    "AgiProtocolError", "AgiReply", "AgiRequest", "AgiServer", "AgiServerStats", "AgiSession", "AgiSessionClosed",
    "AgiTimeout", "IvrFlows", "IvrPorts", "IvrStepView", "PromptBuilder", "SPOKEN_OR_NOTHING", "SoundsDirs",
    "cache_name", "ivr_steps_of", "setup", "topic_of",
]
