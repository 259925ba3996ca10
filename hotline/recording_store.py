"""The recordings' store from settings: the PBX's monitor directory (``local``), or that directory archiving into a
NATS object store (``nats``: finalised files move there, the ``recording.Archiver`` moves them)."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import adapters
import recording
from core.bus import EventBus
from core.events import RecordingFinalised
from core.ports import RecordingStore
from core.settings import Settings
from hotline.pbx.paths import recordings_dir


@dataclass
class RecordingStores:
    store: RecordingStore
    remote: adapters.NatsObjectStore | None = None
    archiver: recording.Archiver | None = None

    def archive(self, bus: EventBus, catalogue: recording.RecordingCatalogue, every: float) -> None:
        """With a remote store: the archiver over the catalogue, subscribed to finalisations."""
        if self.remote is not None:
            self.archiver = recording.Archiver(catalogue, self.store, every=every)
            bus.subscribe("recording_archive", self.archiver, RecordingFinalised, durable=True)

    def start(self) -> None:
        if self.archiver is not None:
            self.archiver.start()

    async def stop(self) -> None:
        """After the last finalisations were published: files not moved yet stay local for the next start."""
        if self.archiver is not None:
            await self.archiver.stop()
        if self.remote is not None:
            await asyncio.to_thread(self.remote.close)


def recording_stores(settings: Settings) -> RecordingStores:
    local = recording.LocalDirectoryStore(recordings_dir(settings))
    if settings.recording_store == "local":
        return RecordingStores(local)
    remote = adapters.NatsObjectStore(settings.nats_url, settings.recording_bucket)
    return RecordingStores(recording.ArchivingStore(local, remote), remote)
