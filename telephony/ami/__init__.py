"""The hardened AMI client on panoramisk (imports nothing else of telephony): one connection to the PBX, kept
alive, every action bounded in time, events delivered in order to isolated subscribers."""
from panoramisk.message import Message

from telephony.ami.client import AmiClient
from telephony.ami.exceptions import AmiActionError, AmiAuthError, AmiDisconnected, AmiError, AmiTimeout
from telephony.ami.models import AmiConfig, AmiStats

__all__ = ["AmiActionError", "AmiAuthError", "AmiClient", "AmiConfig", "AmiDisconnected", "AmiError",
           "AmiStats", "AmiTimeout", "Message"]
