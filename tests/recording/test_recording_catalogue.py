"""The catalogue from a call's events: three files registered when MixMonitor starts, finalised after the hang-up
once the PBX closed them, linked to the call's agent, queue, topic and consent step; broken files are states."""
from __future__ import annotations

import asyncio
import hashlib

from sqlalchemy import event

from core.events import MessageLeft
from recording.setup import Recordings
from tests.recording.catalogue_fixtures import T0, make_catalogue
from tests.recording.wav_files import close_header, closed_wav, cut_wav, empty_wav, open_header, tone


async def test_a_recorded_call_registers_three_files_and_finalises_them_with_its_links(catalogued):
    await catalogued.start_recording("c1")
    recording = await catalogued.by_kind("c1")
    assert {kind: view.state for kind, view in recording.items()} == {
        "mix": "recording", "caller": "recording", "agent": "recording"}
    for name, seconds in zip(catalogued.names("c1"), (12.0, 12.0, 11.5)):
        closed_wav(catalogued.monitor / name, seconds)
    await catalogued.answer("c1")
    await catalogued.hang_up("c1")
    await catalogued.events.drain()

    recording = await catalogued.by_kind("c1")
    mix = recording["mix"]
    assert {kind: (v.state, v.duration_seconds) for kind, v in recording.items()} == {
        "mix": ("ready", 12.0), "caller": ("ready", 12.0), "agent": ("ready", 11.5)}
    assert mix.sha256 == hashlib.sha256((catalogued.monitor / "hotline-c1.wav").read_bytes()).hexdigest()
    assert (mix.file_format, mix.codec, mix.sample_rate, mix.channels, mix.sample_width) == (
        "wav", "pcm_s16le", 8000, 1, 2)
    assert (mix.agent_extension, mix.queue, mix.topic, mix.consent, mix.consent_at) == (
        "101", "employers", "employer", "played", T0)
    assert [(h.before, h.after, h.actor) for h in mix.history] == [
        (None, "recording", "catalogue"), ("recording", "ready", "catalogue")]
    assert sorted((e.kind, e.state) for e in catalogued.published) == [
        ("agent", "ready"), ("caller", "ready"), ("mix", "ready")]


async def test_a_recorded_call_costs_one_write_to_register_its_files_and_one_to_finalise_them(catalogued, db_engine):
    # the catalogue's writes per call were what put the service over its CPU budget in the SIP benchmark
    commits = []

    def count(connection) -> None:
        commits.append(connection)

    event.listen(db_engine.sync_engine, "commit", count)
    try:
        await catalogued.start_recording("c1")
        registering = len(commits)
        for name in catalogued.names("c1"):
            closed_wav(catalogued.monitor / name, 2.0)
        await catalogued.answer("c1")
        await catalogued.hang_up("c1")
        await catalogued.events.drain()
    finally:
        event.remove(db_engine.sync_engine, "commit", count)
    assert (registering, len(commits) - registering) == (1, 1)
    assert {view.state for view in (await catalogued.by_kind("c1")).values()} == {"ready"}


async def test_calls_ending_together_share_one_finalising_transaction(catalogued, db_engine):
    # the busy hour: the files of calls that hang up together are looked at, hashed and stored in shared rounds
    for call_id in ("c1", "c2", "c3"):
        await catalogued.start_recording(call_id)
        for name in catalogued.names(call_id):
            closed_wav(catalogued.monitor / name, 1.0)
    commits = []

    def count(connection) -> None:
        commits.append(connection)

    event.listen(db_engine.sync_engine, "commit", count)
    try:
        for call_id in ("c1", "c2", "c3"):
            await catalogued.hang_up(call_id)
        await catalogued.events.drain()
    finally:
        event.remove(db_engine.sync_engine, "commit", count)
    assert len(commits) == 1 and len(catalogued.published) == 9
    for call_id in ("c1", "c2", "c3"):
        assert {view.state for view in (await catalogued.by_kind(call_id)).values()} == {"ready"}


async def test_a_file_still_growing_at_the_hang_up_is_finalised_once_the_pbx_closed_it(catalogued):
    await catalogued.start_recording("c2")
    paths = [catalogued.monitor / name for name in catalogued.names("c2")]
    for path in paths:
        path.write_bytes(open_header() + tone(1.0))
    await catalogued.hang_up("c2")

    async def pbx_writes_then_closes() -> None:
        for _ in range(4):
            await asyncio.sleep(0.1)
            for path in paths:
                with path.open("ab") as file:
                    file.write(tone(0.5))
        for path in paths:
            close_header(path)

    await asyncio.gather(pbx_writes_then_closes(), catalogued.events.drain())
    assert {v.state: v.duration_seconds for v in (await catalogued.by_kind("c2")).values()} == {"ready": 3.0}


async def test_missing_empty_and_truncated_files_are_states_with_their_reason(db_engine, tmp_path):
    catalogued = make_catalogue(db_engine, tmp_path / "monitor", close_wait=0.3)
    await catalogued.start_recording("c3")
    mix, caller, _agent = catalogued.names("c3")
    empty_wav(catalogued.monitor / mix)
    cut_wav(catalogued.monitor / caller, 6.0, keep_seconds=2.0)   # and the agent's leg never written
    await catalogued.hang_up("c3")
    await catalogued.events.drain()

    found = await catalogued.by_kind("c3")
    assert {kind: (v.state, v.duration_seconds) for kind, v in found.items()} == {
        "mix": ("empty", 0.0), "caller": ("truncated", 2.0), "agent": ("missing", None)}
    assert found["agent"].error == "no file in the store"
    assert found["caller"].error == "header says 96000 data bytes, the file holds 32000"


async def test_a_file_never_closed_by_the_pbx_is_truncated_after_the_wait(db_engine, tmp_path):
    catalogued = make_catalogue(db_engine, tmp_path / "monitor", close_wait=0.3)
    await catalogued.start_recording("c4")
    for name in catalogued.names("c4"):
        (catalogued.monitor / name).write_bytes(open_header() + tone(2.0))
    await catalogued.hang_up("c4")
    await catalogued.events.drain()
    states = {(v.state, v.duration_seconds, v.error) for v in (await catalogued.by_kind("c4")).values()}
    assert states == {("truncated", 2.0, "header never closed")}


async def test_a_file_deleted_behind_the_catalogues_back_becomes_missing_with_its_history(catalogued):
    await catalogued.start_recording("c5")
    for name in catalogued.names("c5"):
        closed_wav(catalogued.monitor / name, 1.0)
    await catalogued.hang_up("c5")
    await catalogued.events.drain()
    (catalogued.monitor / "hotline-c5-caller.wav").unlink()

    assert len(await catalogued.catalogue.check()) == 1
    caller = (await catalogued.by_kind("c5"))["caller"]
    assert (caller.state, caller.error, caller.duration_seconds) == ("missing", "the file is no longer in the store",
                                                                     1.0)
    assert [(h.before, h.after, h.actor) for h in caller.history][-1] == ("ready", "missing", "check")
    assert await catalogued.catalogue.check() == []    # told once: missing stays missing


async def test_a_voice_message_is_catalogued_when_it_is_left(catalogued):
    closed_wav(catalogued.monitor / "hotline-message-101-abc.wav", 4.0)
    pbx_path = "/var/spool/asterisk/monitor/hotline-message-101-abc.wav"   # as the PBX names it
    await catalogued.events(MessageLeft(at=T0, message_id=7, extension="101", caller=None, has_audio=True,
                                        call_id="c6", audio_path=pbx_path))
    await catalogued.events.drain()
    [message] = (await catalogued.by_kind("c6")).values()
    assert (message.kind, message.state, message.duration_seconds, message.message_id, message.agent_extension,
            message.key) == ("voice_message", "ready", 4.0, 7, "101", "hotline-message-101-abc.wav")


async def test_a_hang_up_overtaking_the_recordings_event_still_finalises(catalogued):
    for name in catalogued.names("c7"):
        closed_wav(catalogued.monitor / name, 1.0)
    await catalogued.hang_up("c7")
    await catalogued.start_recording("c7")
    await catalogued.events.drain()
    assert {v.state for v in (await catalogued.by_kind("c7")).values()} == {"ready"}


async def test_an_event_delivered_twice_registers_one_entry_per_file(catalogued):
    await catalogued.start_recording("c8")
    await catalogued.start_recording("c8")
    assert len((await catalogued.catalogue.ids_of_calls(["c8"]))["c8"]) == 3


async def test_entries_left_unfinished_by_a_restart_are_finalised_by_the_check_once_closed(db_engine, tmp_path):
    before = make_catalogue(db_engine, tmp_path / "monitor")
    await before.start_recording("c9")    # the service stops here; the call ends while it is away
    paths = [before.monitor / name for name in before.names("c9")]
    for path in paths[:2]:
        closed_wav(path, 2.0)
    paths[2].write_bytes(open_header() + tone(1.0))   # still written: another call of that instance, say
    after = make_catalogue(db_engine, tmp_path / "monitor")
    recordings = Recordings(after.catalogue, after.events, check_every=60)
    await recordings.check_once()
    await after.events.drain()
    states = {kind: view.state for kind, view in (await after.by_kind("c9")).items()}
    assert states == {"mix": "ready", "caller": "ready", "agent": "recording"}


async def test_a_stop_leaves_a_file_still_open_unfinished_for_the_next_check(catalogued):
    await catalogued.start_recording("c10")
    for name in catalogued.names("c10"):
        (catalogued.monitor / name).write_bytes(open_header() + tone(1.0))
    await catalogued.hang_up("c10")
    await catalogued.events.drain(timeout=0.1)   # the close wait is 3 s: the stop does not sit it out
    assert {v.state for v in (await catalogued.by_kind("c10")).values()} == {"recording"}
    assert not catalogued.events.busy
