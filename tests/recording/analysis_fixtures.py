"""The analysis queue over a catalogue (SQLite and PostgreSQL): a recorded call's legs written with known speech,
its catalogue events run, the legs' ``RecordingFinalised`` delivered to the queue's subscriber, a worker over a
one-process ``Analyser``; and the recordings API over the same database."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from core.analysis_policy import AnalysisPolicy
from hotline.web import HotlineMetrics, WebDeps, create_app
from hotline.web.recordings import register_routes
from recording.analysis import Analyser
from recording.analysis.synthetic import place, write_wav
from recording.analysis_events import AnalysisEvents
from recording.analysis_queue import AnalysisQueue
from recording.analysis_worker import AnalysisWorker
from tests.recording.catalogue_fixtures import T0, Catalogued, make_catalogue

WORKER = "test-host:8080"


@dataclass
class Analysed:
    catalogued: Catalogued
    queue: AnalysisQueue
    worker: AnalysisWorker
    events: AnalysisEvents
    woken: list[int] = field(default_factory=list)

    async def record(self, call_id: str, caller: list[tuple[float, bytes]], agent: list[tuple[float, bytes]],
                     seconds: float, answered_after: float = 0.0) -> dict:
        """A call recorded with ``caller`` and ``agent`` clips on its legs, finalised; its entries by kind."""
        cat = self.catalogued
        await cat.start_recording(call_id)
        mix, caller_name, agent_name = cat.names(call_id)
        caller_pcm, agent_pcm = place(caller, seconds), place(agent, seconds)
        write_wav(cat.monitor / caller_name, caller_pcm)
        write_wav(cat.monitor / agent_name, agent_pcm)
        write_wav(cat.monitor / mix, caller_pcm)
        await cat.answer(call_id, at=T0 + dt.timedelta(seconds=answered_after))
        await cat.hang_up(call_id)
        await cat.events.drain()
        return await cat.by_kind(call_id)

    async def deliver(self, call_id: str | None = None) -> None:
        """The catalogue's finalised events (of one call, or all) to the queue's subscriber, in order."""
        for event in self.catalogued.published:
            if call_id is None or event.call_id == call_id:
                await self.events(event)


def make_analysed(engine, monitor, policy: AnalysisPolicy | None = None) -> Analysed:
    catalogued = make_catalogue(engine, monitor)
    policy = policy or AnalysisPolicy()
    queue = AnalysisQueue(engine, policy, lease_seconds=60)
    worker = AnalysisWorker(queue, Analyser(policy, workers=1), catalogued.catalogue.store, name=WORKER,
                            poll_seconds=3600)
    analysed = Analysed(catalogued, queue, worker, None)
    analysed.events = AnalysisEvents(queue, lambda: analysed.woken.append(1))
    return analysed


@pytest.fixture
async def analysed(db_engine, tmp_path):
    analysed = make_analysed(db_engine, tmp_path / "monitor")
    yield analysed
    await analysed.worker.analyser.close()


@pytest.fixture
async def recordings_api(aiohttp_client, db_engine, analysed):
    deps = WebDeps.create(db_engine, HotlineMetrics().registry)
    routes = [lambda router: register_routes(router, catalogue=analysed.catalogued.catalogue)]
    return await aiohttp_client(create_app(deps, routes))
