"""Policy profiles: every rule that differs between organisations, loaded from a data file and validated.

A profile is a TOML file in ``core/profiles/`` (or any path). A bad profile stops the service at start with the
field and the reason, never half-way through a call.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.analysis_policy import AnalysisPolicy
from core.data_protection import Retention, SubjectRequestPolicy
from core.recording_policy import RecordingAccess

PROFILE_DIR = Path(__file__).parent / "profiles"

Seconds = Annotated[float, Field(gt=0, le=3600)]


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file, the field and the reason."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RingCadence(_Strict):
    """How long one ring sounds and how long the pause after it lasts (European default 1 s on / 4 s off)."""

    on_seconds: Seconds = 1.0
    off_seconds: Annotated[float, Field(ge=0, le=3600)] = 4.0

    @property
    def period(self) -> float:
        return self.on_seconds + self.off_seconds


class RingSla(_Strict):
    """Ring-count SLA: a ring must be answered while ``ring_count <= max_ring_count``."""

    max_ring_count: Annotated[int, Field(ge=1, le=50)]
    clause: str = Field(..., min_length=1, description="where the rule comes from")
    cadence: RingCadence = RingCadence()
    # an agent who lets this many offered calls in a row ring out is paused (reason ring_no_answer)
    pause_after_ring_outs: Annotated[int, Field(ge=1, le=100)] = 3
    # an employee's direct line rings this long, then the caller hears they cannot answer (message, colleague)
    direct_line_ring_timeout: Annotated[float, Field(gt=0, le=600)] = 8.0

    @property
    def deadline_seconds(self) -> float:
        """Seconds of ringing after which an answer is late: the start of ring ``max_ring_count + 1``."""
        return self.max_ring_count * self.cadence.period


class QueuePolicy(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
    label: str
    dtmf: Annotated[str, Field(pattern=r"^[0-9]$")] | None = None
    topic: str
    strategy: str = "rrmemory"
    member_ring_timeout: Seconds = 8.0
    wrapup_seconds: Annotated[float, Field(ge=0, le=600)] = 5.0
    # a caller still waiting after overflow_after_seconds leaves for overflow_queue (one hop, see the dialplan)
    overflow_queue: str | None = None
    overflow_after_seconds: Seconds = 60.0
    # the menu branch asks for the last digits of the personal code before queueing (DTMF pre-verification)
    needs_personal_data: bool = False

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        # Asterisk's queues.conf reads a section named "general" as its settings, never as a queue.
        if value == "general":
            raise ValueError("queue name 'general' is reserved by Asterisk (queues.conf [general]); choose another")
        return value

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        allowed = {"ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom", "rrordered"}
        if value not in allowed:
            raise ValueError(f"unknown queue strategy {value!r}; use one of {sorted(allowed)}")
        return value


class BusinessHours(_Strict):
    """Opening hours per ISO weekday (1 = Monday); a missing day is closed."""

    days: dict[int, tuple[dt.time, dt.time]]
    # national holidays closed (the usual); a round-the-clock line sets false and is open on them too
    observe_holidays: bool = True

    @field_validator("days")
    @classmethod
    def _valid_days(cls, value: dict[int, tuple[dt.time, dt.time]]) -> dict[int, tuple[dt.time, dt.time]]:
        for day, (start, end) in value.items():
            if not 1 <= day <= 7:
                raise ValueError(f"weekday {day} is not 1..7")
            if start >= end:
                raise ValueError(f"weekday {day}: opening {start} is not before closing {end}")
        return value


class Prompts(_Strict):
    """Texts the caller hears, in the profile's language (turned into audio by the prompt builder)."""

    greeting: str
    consent: str
    menu: str
    invalid_choice: str
    goodbye: str
    preverify: str = ""      # asks for the last digits of the personal code (queues with needs_personal_data)
    # callback offer (LT-2021 §12.16.3) and employee-unavailable message taking (LT-2021 §12.18)
    callback_offer: str = ""             # "the wait is long: press 1 to be called back"
    callback_confirm_number: str = ""    # "press 1 to be called back on this number, 2 to key in another"
    callback_enter_number: str = ""      # "key in the number, then the hash key"
    callback_invalid_number: str = ""
    callback_booked: str = ""            # "we will call you back"
    callback_in_queue: str = ""          # played to waiting callers: "press 1 to be called back"
    employee_unavailable: str = ""       # "the employee cannot answer now"
    message_options: str = ""            # "press 1 to leave a message, 2 to speak to a colleague"
    message_record: str = ""             # "leave your message after the tone"
    message_saved: str = ""
    # the queue could not take the caller (nobody ready, the wait ran out): never cut off in silence
    queue_unavailable: str = ""          # "we are sorry: nobody can take your call now"
    queue_unavailable_offer: str = ""    # "press 1 to be called back; otherwise we call you back on this number"
    # the line is closed (outside business_hours, a national holiday): the hours as fixed text, then the choice
    closed_hours: str = ""               # "we are open Monday to Thursday 8-17, Friday 8-15.45"
    closed_options: str = ""             # "press 1 to leave a message, 2 to be called back when we open"
    closed_callback_booked: str = ""     # "thank you: we will call you back when we open"


class Flow(_Strict):
    """The 1883 IVR as data: greeting → consent announcement (when recording) → menu → queue."""

    digit_timeout_seconds: Annotated[float, Field(gt=0, le=30)] = 5.0
    # menu rounds before the default queue (an invalid key or none at all uses one round)
    max_attempts: Annotated[int, Field(ge=1, le=5)] = 2
    preverify_digits: Annotated[int, Field(ge=1, le=11)] = 4


class Callbacks(_Strict):
    """When the IVR offers a callback instead of waiting, and how a message for an unavailable employee is taken."""

    # offer a callback when the estimated wait exceeds this (or no agent is logged in to the queue)
    offer_after_seconds: Seconds = 120.0
    # the wait estimate: each caller ahead takes this long, shared by the logged-in agents
    seconds_per_waiting_caller: Seconds = 180.0
    number_attempts: Annotated[int, Field(ge=1, le=5)] = 2   # tries at keying in a valid number
    message_max_seconds: Annotated[int, Field(ge=5, le=90)] = 60   # within the AGI session deadline
    message_silence_seconds: Annotated[int, Field(ge=1, le=60)] = 5   # silence that ends a message
    # how often a waiting caller hears prompts.callback_in_queue ("press 1 to be called back")
    announce_every_seconds: Annotated[int, Field(ge=15, le=600)] = 45
    # the dialer: tries per task before it is `failed`, and the wait before try n+1 (the last entry repeats)
    max_attempts: Annotated[int, Field(ge=1, le=20)] = 3
    retry_backoff_seconds: tuple[Annotated[int, Field(ge=0, le=86400)], ...] = Field((300, 900, 1800), min_length=1)
    # an agreed callback time (LT-2021 §12.10) is kept within this many seconds either side: the dialer may take
    # the task this early, and it outranks every task but a dropped conversation once due
    agreed_time_tolerance_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    # agent first: the agent's phone rings this long before the try counts as "no agent" (no client was dialled)
    agent_ring_seconds: Annotated[int, Field(ge=5, le=120)] = 20
    # then the client's phone rings this long before the try is `no_answer`
    client_ring_seconds: Annotated[int, Field(ge=10, le=120)] = 30
    # a try that found no free agent of the competence, or whose agent did not answer, waits this long
    no_agent_retry_seconds: Annotated[int, Field(ge=5, le=3600)] = 60
    # a task given back this many times because its agent did not answer (or none was free to take the try) is
    # `failed` and supervisors are alerted, instead of waiting on unseen (a reschedule starts the count again)
    max_no_agent_releases: Annotated[int, Field(ge=1, le=100)] = 10
    # a task addressed to one employee that is still waiting this long after it fell due goes to the queue of their
    # competence, and supervisors are alerted (an employee who is never free must not keep the client waiting)
    escalate_addressed_after_seconds: Annotated[int, Field(ge=60, le=7 * 86400)] = 1800
    # call back only numbers of the profile's country (a foreign caller's valid number is refused, and the skip
    # recorded as "no usable number"); off: any valid number in international form is called back
    domestic_only: bool = False


class Supervision(_Strict):
    """What the supervisors' pages highlight: a missed SLA ratio, a long wait, a late callback (policy, not code)."""

    # a queue's or agent's ring-SLA ratio at or above this is shown as met (``within_sla / offered``)
    sla_ratio_target: Annotated[float, Field(gt=0, le=1)] = 0.9
    # the wallboard highlights a queue whose longest-waiting caller has waited longer than this
    long_wait_seconds: Seconds = 30.0
    # the callbacks page highlights a due callback this much past its due time
    late_callback_minutes: Annotated[float, Field(gt=0, le=1440)] = 15.0


class PolicyProfile(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9-]{3,60}$")]
    organisation: str
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")]
    timezone: str
    public_number: Annotated[str, Field(pattern=r"^[0-9]{3,15}$")]
    ring_sla: RingSla
    queues: Annotated[list[QueuePolicy], Field(min_length=1)]
    default_queue: str
    business_hours: BusinessHours
    records_calls: bool = True
    retention: Retention
    qa_samples_per_employee_month: Annotated[int, Field(ge=1, le=200)] = 8
    prompts: Prompts
    flow: Flow = Flow()
    callbacks: Callbacks = Callbacks()
    supervision: Supervision = Supervision()
    analysis: AnalysisPolicy = AnalysisPolicy()
    subject_requests: SubjectRequestPolicy = SubjectRequestPolicy()
    recordings: RecordingAccess = RecordingAccess()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _consistent_queues(self) -> "PolicyProfile":
        names = [q.name for q in self.queues]
        if len(set(names)) != len(names):
            raise ValueError(f"queue names repeat: {names}")
        if self.default_queue not in names:
            raise ValueError(f"default_queue {self.default_queue!r} is not one of the queues {names}")
        digits = [q.dtmf for q in self.queues if q.dtmf is not None]
        if len(set(digits)) != len(digits):
            raise ValueError(f"two queues share a menu digit: {digits}")
        if any(q.needs_personal_data for q in self.queues) and not self.prompts.preverify.strip():
            raise ValueError("a queue needs_personal_data but prompts.preverify is empty")
        for queue in self.queues:
            if queue.overflow_queue is not None and (queue.overflow_queue not in names
                                                     or queue.overflow_queue == queue.name):
                raise ValueError(f"queues.{queue.name}.overflow_queue {queue.overflow_queue!r} is not another "
                                 f"of the queues {names}")
        return self

    @model_validator(mode="after")
    def _ring_moves_on_before_the_limit(self) -> "PolicyProfile":
        # An unanswered ring must move on to the next member while the caller is still within the ring SLA.
        deadline = self.ring_sla.deadline_seconds
        for queue in self.queues:
            if queue.member_ring_timeout >= deadline:
                raise ValueError(
                    f"queues.{queue.name}.member_ring_timeout {queue.member_ring_timeout:g} s must be shorter than "
                    f"the ring SLA deadline {deadline:g} s (ring_sla.max_ring_count x cadence period)")
        if self.ring_sla.direct_line_ring_timeout >= deadline:
            raise ValueError(
                f"ring_sla.direct_line_ring_timeout {self.ring_sla.direct_line_ring_timeout:g} s must be shorter "
                f"than the ring SLA deadline {deadline:g} s (ring_sla.max_ring_count x cadence period)")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def queue(self, name: str) -> QueuePolicy:
        for queue in self.queues:
            if queue.name == name:
                return queue
        raise KeyError(name)


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def load_profile(name_or_path: str | Path) -> PolicyProfile:
    """Load and validate a profile by name (shipped profiles) or by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise ProfileError(f"policy profile {str(name_or_path)!r} not found; shipped profiles: {available_profiles()}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"policy profile {path}: not valid TOML: {exc}") from exc
    try:
        return PolicyProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()
        )
        raise ProfileError(f"policy profile {path}: {problems}") from None
