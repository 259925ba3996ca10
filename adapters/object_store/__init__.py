"""Object storage for recordings: a NATS JetStream object-store bucket as a ``core.ports.RecordingArchive``."""
from adapters.object_store.nats_store import NatsObjectStore

__all__ = ["NatsObjectStore"]
