"""Names the dialplan in ``docker/asterisk/`` and our code share: contexts, channel variables, AstDB keys.

One place, so the AGI flows, the AMI call model and the PBX sandbox never spell them differently from the
dialplan files (tests check that every name here appears in ``docker/asterisk/extensions.conf``).
"""
from __future__ import annotations

# Contexts
CONTEXT_FROM_PSTN = "from-pstn"          # public number and direct lines (3-digit extensions 100-199)
CONTEXT_PUBLIC = "hotline-public"        # the public number's flow: AGI, then Queue(${HOTLINE_QUEUE})
CONTEXT_AGENT_REACH = "agent-reach"      # queue members Local/<ext>@agent-reach: softphone, else fallback number
CONTEXT_QUEUE_EXIT = "hotline-queue-exit"  # queues.conf context: a waiting caller's key 1 asks for a callback
CONTEXT_CALLBACK = "hotline-callback"    # the dialer's agent leg, once answered, dials the client from here
CONTEXT_QUEUE_FAILED = "hotline-queue-failed"  # a queue returned unanswered: apology and callback, never silence
CONTEXT_AGENT_PHONES = "hotline-agents"  # what an agent's softphone may dial (pjsip.conf endpoint template)
CONTEXT_HINTS = "hotline-hints"          # the pattern hint queue members watch (rendered hotline/hints.conf)
STATE_INTERFACE_TEMPLATE = "hint:{extension}@hotline-hints"   # a queue member's StateInterface
CUSTOM_FALLBACK_PREFIX = "Custom:hotline-fallback-"   # + extension: NOT_INUSE while the employee has a fallback

# PJSIP objects (docker/asterisk/pjsip.conf and the rendered hotline/pjsip-*.conf)
TRUNK_ENDPOINT = "trunk"                 # the public network; settings.pbx_trunk_template dials PJSIP/<n>@trunk
SIP_REALM = "hotline"                    # digest realm: the stored password digests are bound to it
CONTEXT_OPENING_HOURS = "hotline-opening-hours"  # Gosub: returns "open" or "closed" (weekly hours, AstDB holidays)
CONTEXT_CLOSED = "hotline-closed"        # the line is closed: the hours, a message or a callback; nobody rings

# Channel variables set by our AGI flows (read by the dialplan after AGI returns)
VAR_QUEUE = "HOTLINE_QUEUE"              # queue the caller joins; preset to the profile's default queue
VAR_FALLBACK = "HOTLINE_FALLBACK"        # set by the AGI when it fell back after a failure (dialplan ignores it)
VAR_TOPIC = "HOTLINE_TOPIC"              # the call's topic chosen in the menu (informational)

# Dialplan globals rendered from settings and the policy profile
GLOBAL_AGI_URL = "HOTLINE_AGI_URL"       # agi://127.0.0.1:<agi_port>/ivr
GLOBAL_DEFAULT_QUEUE = "HOTLINE_DEFAULT_QUEUE"
GLOBAL_PROFILE = "HOTLINE_PROFILE"
GLOBAL_PUBLIC_NUMBER = "HOTLINE_PUBLIC_NUMBER"   # presented on agents' outside calls
GLOBAL_DEVICE_PREFIX, GLOBAL_DEVICE_SUFFIX = "HOTLINE_DEVICE_PREFIX", "HOTLINE_DEVICE_SUFFIX"   # the softphone
GLOBAL_TRUNK_PREFIX, GLOBAL_TRUNK_SUFFIX = "HOTLINE_TRUNK_PREFIX", "HOTLINE_TRUNK_SUFFIX"       # the trunk
# what the sandbox renders there instead: its simulated softphones and public network
SANDBOX_DEVICE_TEMPLATE = "PJSIP/sim{extension}"   # the sandbox's desk phones (hotline/pbx/desk_phones.py)
GLOBAL_DIRECT_RING = "HOTLINE_DIRECT_RING"  # seconds an employee's direct line rings (below the ring-SLA deadline)
GLOBAL_OVERFLOW_PREFIX = "HOTLINE_OVERFLOW_"              # + queue name: the queue a waiting caller overflows to
GLOBAL_OVERFLOW_AFTER_PREFIX = "HOTLINE_OVERFLOW_AFTER_"  # + queue name: seconds of waiting before overflowing


# The sandbox's desk phones (AstDB of its network instance): network/agent/<ext>/answer_after (seconds, default 2;
# "never" = never answers), network/agent/<ext>/talk (seconds, default 5)
ASTDB_AGENT_FAMILY = "network/agent"
ASTDB_ANSWER_AFTER = "answer_after"
ASTDB_TALK = "talk"
NEVER_ANSWERS = "never"

# Written by hotline from the employee directory (AstDB family/key): hotline/<ext>/fallback = fallback number
ASTDB_HOTLINE_FAMILY = "hotline"
ASTDB_FALLBACK = "fallback"
# UserEvent sent by agent-reach after dialling the softphone, with Extension and SoftphoneStatus (DIALSTATUS)
USEREVENT_AGENT_REACH = "HotlineAgentReach"

# The callback dialer (telephony.callbacks.dialer): Originate variables of the agent leg, the UserEvent its hangup
# sends with DialStatus (how the client's phone answered), and the AstDB copy of that status (family/<call id>),
# which a restarted service reads for a try that ended while it was down
VAR_CALLBACK_TASK = "HOTLINE_CALLBACK_TASK"
VAR_CALLBACK_CLI = "HOTLINE_CALLBACK_CLI"        # caller ID the client sees: the public number
VAR_CLIENT_RING = "HOTLINE_CLIENT_RING"          # seconds the client's phone rings
USEREVENT_CALLBACK_RESULT = "HotlineCallbackResult"
ASTDB_CALLBACK_FAMILY = "hotline-callback"

AGI_IVR_PATH = "ivr"                     # the FastAGI script name in HOTLINE_AGI_URL
AGI_CALLBACK_OFFER_PATH = "callback_offer"  # route before Queue(): offers a callback on a long wait
AGI_CALLBACK_REQUEST_PATH = "callback_request"  # route after key 1 while waiting in a queue: book a callback
AGI_UNAVAILABLE_PATH = "unavailable"     # route after an unanswered direct line: message or colleague
AGI_AGENT_FEATURE_PATH = "agent_feature"   # route of an agent's feature codes from their phone (*61..*64)
AGI_QUEUE_FAILED_PATH = "queue_failed"   # route after a queue that could not take the caller: apology, callback
AGI_CLOSED_PATH = "closed"               # route when the line is closed (argument: the dialled number)
# UserEvent sent before that route, with Queue and Status (QUEUESTATUS): the call ends unanswered, never abandoned
USEREVENT_QUEUE_FAILED = "HotlineQueueFailed"
# UserEvent sent when the line is closed, with Dialled: the call ends `closed` and is owed no callback
USEREVENT_CLOSED = "HotlineClosed"
# UserEvent the IVR sends on the caller's channel once it booked them a callback (Task): the call, unless answered
# after all, ends `callback_booked` instead of abandoned or unanswered
USEREVENT_CALLBACK_BOOKED = "HotlineCallbackBooked"

# Opening hours: the PBX checks them itself, so nobody rings at night even with hotline down. Weekly hours are
# rendered (hotline/opening-hours.conf); national holidays are AstDB flags hotline-closed/<YYYY-MM-DD, local>,
# written by hotline at every AMI login (value HOLIDAY_FLAG; other values are an operator's own closures, kept)
OPENING_HOURS_INCLUDE = "opening-hours.conf"
ASTDB_CLOSED_FAMILY = "hotline-closed"
HOLIDAY_FLAG = "holiday"
OPEN, CLOSED = "open", "closed"          # what the opening-hours Gosub returns (GOSUB_RETVAL)


def agent_interface(extension: str) -> str:
    """The queue-member interface of an agent by default (``Settings.agent_interface_template``)."""
    return f"Local/{extension}@{CONTEXT_AGENT_REACH}"
