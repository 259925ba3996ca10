"""Adapters: the outside world behind core's ports (imports ``core`` only; wired by ``hotline``). This is their
public surface."""
from adapters.object_store import NatsObjectStore

__all__ = ["NatsObjectStore"]
