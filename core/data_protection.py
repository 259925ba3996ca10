"""The profile's data-protection sections: how long each kind of personal data is kept (``[retention]``) and how
the deadlines of data-subject requests are counted (``[subject_requests]``).

Clauses: GDPR-LT = shared/seeds/002_* (a Lithuanian agency's rules for data-subject rights). No seed sets a
storage period in days: the periods are each organisation's decision, so they are data here.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Days = Annotated[int, Field(ge=1, le=3650)]
WorkingDays = Annotated[int, Field(ge=1, le=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retention(_Strict):
    """Days each kind is kept, counted from when it was recorded; then the purge deletes it (a tombstone stays)."""

    recordings_days: Days                 # a call's audio (mix and the two legs)
    call_records_days: Days               # call metadata: the caller's number is removed, the row kept
    analysis_days: Days | None = None     # derived from the audio; None: as long as the recordings
    voice_messages_days: Days | None = None   # a message's audio and its caller's details; None: as recordings

    @model_validator(mode="after")
    def _derived_not_longer(self) -> "Retention":
        # what is derived from a recording goes with it, so it cannot be kept longer
        if self.analysis_days is not None and self.analysis_days > self.recordings_days:
            raise ValueError("retention.analysis_days cannot exceed retention.recordings_days (analysis is "
                             "derived from the recordings and deleted with them)")
        return self

    @property
    def analysis(self) -> int:
        return self.analysis_days or self.recordings_days

    @property
    def voice_messages(self) -> int:
        return self.voice_messages_days or self.recordings_days


class CountFrom(StrEnum):
    RECEIPT_DAY = "receipt_day"   # the day the request came in is the first day of the period
    NEXT_DAY = "next_day"         # the period starts the day after (EU Regulation 1182/71 art. 3(1))


class SubjectRequestPolicy(_Strict):
    """Deadlines of data-subject requests; working days skip weekends and the profile country's holidays."""

    count_from: CountFrom = CountFrom.NEXT_DAY
    access_months: Annotated[int, Field(ge=1, le=3)] = 1           # GDPR-LT §49, GDPR art. 12(3)
    rectification_working_days: WorkingDays = 5                    # GDPR-LT §26
    assessment_working_days: WorkingDays = 10                      # erasure §31, restriction §34
    execution_working_days: WorkingDays = 5                        # §31, §34: after the assessment
