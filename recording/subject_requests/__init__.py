"""Data-subject requests (issue 13 item 6): access, rectification, erasure, restriction, with their deadlines."""
from recording.subject_requests.deadlines import deadlines
from recording.subject_requests.exceptions import (InvalidSubjectRequest, SubjectRequestConflict, SubjectRequestError,
                                                   SubjectRequestNotFound)
from recording.subject_requests.models import RequestKind, RequestState, SubjectRequest
from recording.subject_requests.service import SubjectRequests

__all__ = ["InvalidSubjectRequest", "RequestKind", "RequestState", "SubjectRequest", "SubjectRequestConflict",
           "SubjectRequestError", "SubjectRequestNotFound", "SubjectRequests", "deadlines"]
