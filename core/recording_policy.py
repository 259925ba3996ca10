"""The profile's ``[recordings]`` section: who may listen to recordings and what copies leave the service.

GDPR-LT §8 and §15: access to recordings only for those whose function needs it; §14 and §24.1: a data subject may
listen to their own recording, third parties in it made unidentifiable, and gets no copy. Another organisation
may decide otherwise (a copy under GDPR art. 15(3)), so these are policy, not code.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ListenRole = Literal["agent", "supervisor", "qa", "dpo", "admin"]


class RecordingAccess(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # the roles that may play a recording (GET /api/recordings/{id}/audio); the role matrix bounds them, and a
    # role listed here but not there is still refused
    listen_roles: tuple[ListenRole, ...] = Field(("qa", "supervisor", "dpo"), min_length=1)
    # whether staff may take a recording away as a file (``?download=1``: an attachment); off, it only plays
    allow_copies: bool = False
    # what a data subject may be given beside listening: nothing, or the same redacted audio as a file
    subject_access_copy: Literal["none", "redacted_audio"] = "none"
    clause: str = Field("", description="where the decisions come from")
