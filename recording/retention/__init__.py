"""Retention (issue 13 item 5): the purge of recordings and what derives from them at the end of the profile's
periods, leaving tombstones; the same path erases a data subject's recordings."""
from recording.retention.loop import RetentionLoop
from recording.retention.ports import DerivedData, PurgedRecording
from recording.retention.service import RESTRICTED_KEPT, RetentionPurge
from recording.retention.tombstones import ERASURE, RETENTION, Graveyard

__all__ = ["DerivedData", "ERASURE", "Graveyard", "PurgedRecording", "RESTRICTED_KEPT", "RETENTION",
           "RetentionLoop", "RetentionPurge"]
