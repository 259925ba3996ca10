"""Everything hotline speaks over AMI, one sub-package per capability: ``ami`` (the hardened client), ``calls``,
``rings``, ``agents``, ``callbacks``, ``messages``, ``phones`` (the agents' SIP endpoints), ``hours`` (holiday
flags on the PBX), ``recordings`` (muting a call's recording). Imports ``core`` only.

This module is telephony's public surface: the composition root (``hotline/``) imports telephony only from here.
``setup(deps, directory)`` builds all of it; the rest are the read models and errors the web layer shows.
"""
import telephony.agents.models  # noqa: F401  table agent_history
import telephony.callbacks.models  # noqa: F401  tables callback_tasks, callback_task_history, callback_skips
import telephony.calls.models  # noqa: F401  tables calls, call_states, call_links
import telephony.messages.models  # noqa: F401  table messages
import telephony.phones.models  # noqa: F401  tables sip_accounts, sip_account_history
import telephony.rings.models  # noqa: F401  table call_rings
from telephony.agents.control import AgentChange, AgentControl, AgentNotFound, InvalidAgentChange
from telephony.agents.membership import QueueConfigurator
from telephony.agents.tracker import AgentView
from telephony.ami import AmiClient, AmiConfig, AmiStats
from telephony.callbacks.admin import AgreedCallback, CallbackAdmin, CallbackDetail, DroppedMark
from telephony.callbacks.exceptions import CallbackConflict, CallbackNotFound, InvalidCallbackRequest
from telephony.callbacks.models import CallbackFilter, CallbackTask
from telephony.callbacks.service import CallbackService
from telephony.calls.contacts import caller_of, follow_ups, previous_contacts
from telephony.anonymise import Anonymiser, call_metadata, message_details
from telephony.calls.queries import CallFilter, CallView, StateEntry, get_call, list_calls
from telephony.messages.models import Message
from telephony.messages.retention import MessageDetailsHook
from telephony.messages.service import MessageService
from telephony.phones.credentials import password_digest
from telephony.phones.endpoints import endpoints_conf
from telephony.phones.exceptions import NoSuchAccount, PhonesError, UnknownEmployee
from telephony.phones.service import PhoneAccounts
from telephony.phones.sync import ENDPOINTS_FILE, EndpointSync
from telephony.rings.queries import (DIRECT_LINE, MAX_REPORT_DAYS, GroupBy, RingView, SlaFigures, SlaReport, rings_of,
                                     sla_report)
from telephony.setup import Telephony, setup
from telephony.subject_data import TelephonySubjectData

__all__ = [
    "AgentChange", "AgentControl", "Anonymiser", "MessageDetailsHook", "TelephonySubjectData", "call_metadata",
    "message_details", "AgentNotFound", "AgentView", "AgreedCallback", "AmiClient", "AmiConfig",
    "AmiStats", "CallFilter", "CallView", "CallbackAdmin", "CallbackConflict", "CallbackDetail", "CallbackFilter",
    "CallbackNotFound", "CallbackService", "CallbackTask", "DIRECT_LINE", "DroppedMark", "ENDPOINTS_FILE",
    "EndpointSync", "GroupBy", "InvalidAgentChange", "InvalidCallbackRequest", "MAX_REPORT_DAYS", "Message",
    "MessageService", "NoSuchAccount", "PhoneAccounts", "PhonesError", "QueueConfigurator", "RingView",
    "SlaFigures", "SlaReport", "StateEntry", "Telephony", "UnknownEmployee", "caller_of", "endpoints_conf",
    "follow_ups", "get_call", "list_calls", "password_digest", "previous_contacts", "rings_of", "setup",
    "sla_report",
]
