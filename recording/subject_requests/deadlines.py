"""A data-subject request's deadlines from the profile: its calendar (weekends, the country's national holidays),
its periods and whether the day of receipt counts (``[subject_requests]``, core.data_protection).

- access: ``access_months`` calendar months (GDPR-LT §49), ending on a working day;
- rectification: ``rectification_working_days`` (§26);
- erasure, restriction: assessed within ``assessment_working_days`` (§31, §34), executed within
  ``execution_working_days`` more, counted from the day after the assessment's deadline (the two periods do not
  share a day).
"""
from __future__ import annotations

import datetime as dt

from core.calendar import months_after, working_days_after
from core.data_protection import CountFrom, SubjectRequestPolicy
from recording.subject_requests.models import RequestKind


def deadlines(kind: RequestKind, received_on: dt.date, policy: SubjectRequestPolicy,
              country: str) -> tuple[dt.date | None, dt.date]:
    """(the assessment's deadline or None, the deadline of the whole request)."""
    first = policy.count_from is CountFrom.RECEIPT_DAY
    if kind is RequestKind.ACCESS:
        return None, months_after(received_on, policy.access_months, country, start_counts=first)
    if kind is RequestKind.RECTIFICATION:
        return None, working_days_after(received_on, policy.rectification_working_days, country, start_counts=first)
    assess = working_days_after(received_on, policy.assessment_working_days, country, start_counts=first)
    return assess, working_days_after(assess, policy.execution_working_days, country, start_counts=False)
