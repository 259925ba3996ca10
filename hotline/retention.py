"""The retention purge and the data-subject requests as hotline wires them (the service's loop and the
``hotline retention`` command build the same): recordings' tombstones with the derived data that exists now (a
voice message's details, a call's analysis results, listen-only sessions' renderings), the call metadata and
voice messages of telephony, the analysis results past their own period, telephony's records of a number."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

import recording
import telephony
from core.policy import PolicyProfile
from core.ports import RecordingStore
from core.settings import Settings


def build_purge(engine: AsyncEngine, store: RecordingStore, settings: Settings,
                profile: PolicyProfile) -> recording.RetentionPurge:
    derived = [telephony.MessageDetailsHook(engine), recording.AnalysisResultsPurge(),
               recording.ListenRenderingsPurge(recording.listen_dir_of(settings))]
    graveyard = recording.Graveyard(engine, store, derived, batch=settings.retention_batch)
    expiring = [telephony.call_metadata(engine), telephony.message_details(engine), recording.ExpiredAnalyses(engine)]
    return recording.RetentionPurge(engine, graveyard, profile.retention, expiring)


def build_subject_requests(engine: AsyncEngine, profile: PolicyProfile, catalogue: recording.RecordingCatalogue,
                           purge: recording.RetentionPurge) -> recording.SubjectRequests:
    return recording.SubjectRequests(engine, profile, catalogue, purge, telephony.TelephonySubjectData(engine))
