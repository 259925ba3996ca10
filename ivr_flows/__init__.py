"""IVR flows over FastAGI: our own hardened FastAGI server and the flows the PBX runs through it.

The composition root builds an :class:`AgiServer` from settings, registers each flow with
``server.add_route("ivr", handler)`` (``async def handler(session: AgiSession)``) and starts it on
``settings.agi_host:agi_port``. Imports only ``core``.
"""
from ivr_flows.agi_limits import AgiLimits
from ivr_flows.agi_protocol import AgiReply, AgiRequest
from ivr_flows.agi_server import AgiServer, AgiServerStats
from ivr_flows.agi_session import AgiSession
from ivr_flows.exceptions import (
    AgiCommandError, AgiCommandFailed, AgiConnectionLost, AgiError, AgiHangup, AgiProtocolError, AgiSessionClosed,
    AgiTimeout,
)
from ivr_flows.routes import AgiHandler

__all__ = [
    "AgiCommandError", "AgiCommandFailed", "AgiConnectionLost", "AgiError", "AgiHandler", "AgiHangup", "AgiLimits",
    "AgiProtocolError", "AgiReply", "AgiRequest", "AgiServer", "AgiServerStats", "AgiSession", "AgiSessionClosed",
    "AgiTimeout",
]
