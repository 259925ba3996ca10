"""Data-subject requests worked through the service: access finds the subject's recordings and no one else's;
erasure deletes them through the purge's tombstones and records it; restriction makes them unplayable and keeps
them from the purge until lifted; rectification records the correction; every change is in the history."""
from __future__ import annotations

import pytest

from recording import (InvalidSubjectRequest, RecordingRestricted, RecordingState, SubjectRequestConflict,
                       SubjectRequests)
from telephony import TelephonySubjectData
from telephony.calls.models import CallRow
from telephony.messages.models import MessageRow
from tests.recording.retention_fixtures import LT, add_call, add_message, days_ago, make_purge, recorded, stored

SUBJECT, OTHER = "+37060000011", "+37060000022"


@pytest.fixture
async def subject(catalogued, db_engine):
    """The subject's call (stored as the PBX gave it, without "+"), their voice message, and someone else's call."""
    await add_call(db_engine, "s1", SUBJECT.lstrip("+"), days_ago(400))
    await add_call(db_engine, "o1", OTHER, days_ago(400))
    mix = await recorded(catalogued, "hotline-s1.wav", days_ago(400), call_id="s1")
    leg = await recorded(catalogued, "hotline-s1-caller.wav", days_ago(400), kind="caller", call_id="s1")
    message = await add_message(db_engine, SUBJECT, days_ago(5))
    voice = await recorded(catalogued, "msg-s.wav", days_ago(5), kind="voice_message", message_id=message)
    others = await recorded(catalogued, "hotline-o1.wav", days_ago(400), call_id="o1")
    requests = SubjectRequests(db_engine, LT, catalogued.catalogue, make_purge(catalogued),
                               TelephonySubjectData(db_engine))
    return requests, {"mine": [mix, leg, voice], "other": others, "message": message}


async def test_access_lists_the_subjects_recordings_and_no_others(subject):
    requests, ids = subject
    request = await requests.receive("access", "860000011", days_ago(1).date(), "dpo-1")   # national form
    assert request.number == SUBJECT and request.state == "received"

    done = await requests.execute(request.id, "dpo-1")

    assert sorted(done.result["recording_ids"]) == sorted(ids["mine"]) and ids["other"] not in done.result[
        "recording_ids"]
    assert done.result["call_ids"] == ["s1"] and done.result["message_ids"] == [ids["message"]]
    assert done.state == "in_progress"
    assert [(c.actor, c.before, sorted(c.after)) for c in done.history] == [
        ("dpo-1", None, ["assess_due_on", "count_from", "due_on", "kind", "received_on", "state"]),
        ("dpo-1", {"result": None, "state": "received"}, ["result", "state"])]
    finished = await requests.set_state(request.id, "done", "dpo-1")
    assert finished.state == "done"
    with pytest.raises(SubjectRequestConflict):
        await requests.set_state(request.id, "in_progress", "dpo-1")   # closed


async def test_erasure_deletes_the_subjects_audio_through_tombstones_and_records_it(subject, catalogued, db_engine):
    requests, ids = subject
    request = await requests.receive("erasure", SUBJECT, days_ago(1).date(), "dpo-1")
    await requests.set_state(request.id, "in_progress", "dpo-1")   # assessed: justified

    done = await requests.execute(request.id, "dpo-1")

    assert done.state == "done" and done.result["recordings"] == 3 and done.result["files_deleted"] == 3
    # the voice message's details went with its audio (the derived-data hook); no other message had the number
    assert done.result["calls"] == 1 and done.result["message_details"] == 1 and done.result["messages"] == 0
    assert "erased_at" in done.result
    for entry_id in ids["mine"]:
        tombstone = await catalogued.catalogue.get(entry_id)
        assert tombstone.state == RecordingState.DELETED and tombstone.sha256
        assert (tombstone.deletion_reason, tombstone.deletion_basis) == ("erasure", f"subject request {request.id}")
    assert (await catalogued.catalogue.get(ids["other"])).state == RecordingState.READY
    assert (catalogued.monitor / "hotline-o1.wav").exists() and not (catalogued.monitor / "hotline-s1.wav").exists()
    call, other = await stored(db_engine, CallRow, "s1"), await stored(db_engine, CallRow, "o1")
    assert (call.caller, call.anonymised_reason, other.caller) == ("", "erasure", OTHER)
    message = await stored(db_engine, MessageRow, ids["message"])
    assert (message.caller, message.caller_name, message.anonymised_reason) == (None, None, "erasure")


async def test_restriction_keeps_the_recordings_unplayable_and_out_of_the_purge_until_lifted(subject, catalogued):
    requests, ids = subject
    request = await requests.receive("restriction", SUBJECT, days_ago(1).date(), "dpo-1")

    restricted = await requests.execute(request.id, "dpo-1")

    assert restricted.result["restricted"] == 3 and restricted.state == "in_progress"
    for entry_id in ids["mine"]:
        with pytest.raises(RecordingRestricted):
            await catalogued.catalogue.playable(entry_id)
    counts = await make_purge(catalogued).run(days_ago(0))
    assert counts["restricted_kept"] == 2 and counts["recordings"] == 1   # only the other subject's old call
    assert (await catalogued.catalogue.get(ids["mine"][0])).state == RecordingState.READY

    lifted = await requests.lift(request.id, "dpo-1")
    assert lifted.state == "done" and "lifted_at" in lifted.result
    assert (await catalogued.catalogue.playable(ids["mine"][0])).id == ids["mine"][0]


async def test_rectification_records_the_correction_and_its_completion(subject):
    requests, _ = subject
    request = await requests.receive("rectification", SUBJECT, days_ago(1).date(), "dpo-1")
    with pytest.raises(InvalidSubjectRequest):
        await requests.execute(request.id, "dpo-1")   # nothing said about what was corrected
    done = await requests.execute(request.id, "dpo-1", correction="call s1 was not the subject's: noted")
    assert done.state == "done" and done.result["correction"] == "call s1 was not the subject's: noted"


@pytest.mark.parametrize("kind, number, problem", [
    ("copy", SUBJECT, "kind"), ("access", "12ab", "number"), ("access", "", "number")])
async def test_unusable_input_is_refused_without_echoing_the_number(subject, kind, number, problem):
    requests, _ = subject
    with pytest.raises(InvalidSubjectRequest) as refused:
        await requests.receive(kind, number, days_ago(1).date(), "dpo-1")
    assert problem in str(refused.value) and (not number or number not in str(refused.value))


async def test_a_refusal_needs_its_reason_and_the_list_is_soonest_due_first(subject):
    requests, _ = subject
    access = await requests.receive("access", SUBJECT, days_ago(1).date(), "dpo-1")
    rectify = await requests.receive("rectification", SUBJECT, days_ago(1).date(), "dpo-1")
    with pytest.raises(InvalidSubjectRequest):
        await requests.set_state(access.id, "refused", "dpo-1")
    refused = await requests.set_state(access.id, "refused", "dpo-1", reason="identity not confirmed (§47)")
    assert refused.refusal_reason == "identity not confirmed (§47)"
    assert [r.id for r in await requests.listing()] == [rectify.id]
    assert [r.id for r in await requests.listing(open_only=False)] == [rectify.id, access.id]
