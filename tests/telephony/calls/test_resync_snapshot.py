"""What the resync reads from the PBX's list actions, with the events as Asterisk 22 sends them: the softphones'
registrations from ``PJSIPShowAors`` and ``PJSIPShowContacts``, and a PBX that has no PJSIP to ask."""
from __future__ import annotations

from panoramisk.message import Message

from telephony.ami.exceptions import AmiActionError
from telephony.calls.resync import fetch_snapshot

QUEUE_MEMBER = {"Event": "QueueMember", "Queue": "general_info", "Name": "101", "Location": "Local/101@agent-reach",
                "Status": "1", "Paused": "0", "InCall": "0"}
UNKNOWN = "Invalid/unknown command: {}. Use Action: ListCommands to show available commands."


def aor(name: str, *contacts: str) -> dict[str, str]:
    return {"Event": "AorList", "ObjectType": "aor", "ObjectName": name, "MaxContacts": "1",
            "Contacts": ",".join(f"{name}/{uri}" for uri in contacts)}


def contact(aor_name: str, uri: str, status: str) -> dict[str, str]:
    return {"Event": "ContactList", "ObjectType": "contact", "ObjectName": f"{aor_name};@2fec5ea51ce3cf39",
            "Endpoint": aor_name, "Uri": uri, "Status": status}


def pbx(**lists: list[dict] | AmiActionError):
    """A list action as ``AmiClient.action_list``: the action's events, or its error reply raised; an action not
    scripted answers with an empty list. ``asked`` records the actions sent."""
    asked: list[str] = []

    async def list_action(action: dict) -> list[Message]:
        asked.append(action["Action"])
        reply = lists.get(action["Action"], [])
        if isinstance(reply, AmiActionError):
            raise reply
        return [Message(event) for event in reply]

    return list_action, asked


async def test_registrations_come_from_the_aors_with_contacts_qualify_found_unreachable_counting_as_gone():
    list_action, _ = pbx(
        QueueStatus=[QUEUE_MEMBER],
        PJSIPShowAors=[aor("101", "sip:101-0x55a2@127.0.0.1:56795"), aor("102"),
                       aor("103", "sip:103-0x5652@127.0.0.1:43599"), aor("trunk", "sip:127.0.0.1:47825")],
        PJSIPShowContacts=[contact("101", "sip:101-0x55a2@127.0.0.1:56795", "Reachable"),
                           contact("103", "sip:103-0x5652@127.0.0.1:43599", "Unreachable"),
                           contact("105", "sip:105-0x1111@127.0.0.1:40000", "NonQualified")])  # AOR removed
    snapshot = await fetch_snapshot(list_action)
    # the trunk's permanent contact is in no ContactList: present, so registered; 105 is no AOR any more
    assert snapshot.registrations == {"101": True, "102": False, "103": False, "trunk": True}
    assert [entry["Location"] for entry in snapshot.queue_members] == [QUEUE_MEMBER["Location"]]


async def test_nobody_registered_is_an_error_reply_of_the_contacts_list_and_still_an_answer():
    list_action, _ = pbx(PJSIPShowAors=[aor("101"), aor("102")],
                         PJSIPShowContacts=AmiActionError("No Contacts found"))
    assert (await fetch_snapshot(list_action)).registrations == {"101": False, "102": False}


async def test_a_pbx_without_pjsip_leaves_registrations_unknown_and_the_rest_of_the_resync_intact():
    list_action, asked = pbx(QueueStatus=[QUEUE_MEMBER],
                             PJSIPShowAors=AmiActionError(UNKNOWN.format("PJSIPShowAors")),
                             PJSIPShowContacts=AmiActionError(UNKNOWN.format("PJSIPShowContacts")))
    snapshot = await fetch_snapshot(list_action)
    assert snapshot.registrations is None
    assert [entry["Location"] for entry in snapshot.queue_members] == [QUEUE_MEMBER["Location"]]
    assert asked == ["CoreShowChannels", "Status", "QueueStatus", "PJSIPShowAors"]
