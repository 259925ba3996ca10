"""The data and the principals the route × role walk (``test_role_matrix_pbx.py``) uses: one caller number per
owner (an agent of each unit, a queue of each unit), in calls, messages and the callback tasks those messages ask
for; a user of every role, and for the roles that see only their own or their unit's records a second one
elsewhere."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert

from core.clock import utcnow
from core.ports import Employee
from hotline.auth.models import Role
from hotline.auth.service import create_user
from hotline.service import HotlineService
from hotline.web.masking import mask_number
from hotline.web.role_matrix import Records
from recording.models import RecordingState
from recording.service import NewRecording
from telephony.calls.models import CallRow, CallStateRow
from telephony.rings.models import CallRingRow

UNIT_A, UNIT_B = "Employers desk", "Information desk"
# owner -> the caller number of its records; the masked forms differ too (last four digits)
NUMBERS = {"101": "+37061110101", "102": "+37061110102", "employers": "+37061110103", "general_info": "+37061110104"}
IN_UNIT_A = {"101", "employers"}
EMPLOYEES = [
    Employee("101", "Agent A", UNIT_A, ("employers",), None, True),
    Employee("102", "Agent B", UNIT_B, ("general_info",), None, True),
    Employee("900", "Supervisor A", UNIT_A, (), None, True),
    Employee("901", "Supervisor B", UNIT_B, (), None, True),
]


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    extension: str | None
    token: str = ""

    def visible(self, records: Records) -> set[str]:
        """The owners whose records this principal may see under ``records``."""
        if records is Records.ALL:
            return set(NUMBERS)
        if records is Records.OWN:
            return {self.extension} & set(NUMBERS)
        return IN_UNIT_A if self.extension == "900" else set(NUMBERS) - IN_UNIT_A


# the principal the walk uses for each role, and the one elsewhere (another agent, another unit)
MAIN = {Role.AGENT: ("agent-101", "101"), Role.SUPERVISOR: ("supervisor-a", "900"), Role.QA: ("qa-1", None),
        Role.DPO: ("dpo-1", None), Role.ADMIN: ("admin-1", None), Role.WALLBOARD: ("wall-1", None)}
ELSEWHERE = {Role.AGENT: ("agent-102", "102"), Role.SUPERVISOR: ("supervisor-b", "901")}


async def principals(service: HotlineService) -> tuple[dict[Role, Principal], dict[Role, Principal]]:
    from core.db import make_sessionmaker

    made: dict[str, Principal] = {}
    async with make_sessionmaker(service.engine)() as session:
        for role, (name, extension) in [*MAIN.items(), *ELSEWHERE.items()]:
            _, token = await create_user(session, name, role, extension=extension)
            made[name] = Principal(name, role, extension, token)
        await session.commit()
    return ({role: made[name] for role, (name, _) in MAIN.items()},
            {role: made[name] for role, (name, _) in ELSEWHERE.items()})


async def seed(service: HotlineService) -> dict[str, str]:
    """Every owner's call, message and callback task; the ids of agent 101's (the path parameters' values)."""
    await service.directory.upsert(EMPLOYEES, actor="test")
    await service.telephony.directory_changed()   # the agents become queue members, as after an import
    now = utcnow()
    calls, states, rings = [], [], []
    for owner, number in NUMBERS.items():
        call_id = f"walk-{owner}"
        direct = owner.isdigit()
        calls.append({"id": call_id, "caller": number, "dialed": owner if direct else "1883", "started_at": now,
                      "direction": "inbound"})
        states.append({"call_id": call_id, "state": "offered", "at": now, "queue": None if direct else owner,
                       "target": None, "cause": None, "detail": ""})
        states.append({"call_id": call_id, "state": "ended", "at": now + dt.timedelta(seconds=20),
                       "queue": None if direct else owner, "target": None, "cause": "abandoned", "detail": ""})
    # 102's call came through its queue and rang the phone: ringing one's phone makes a call one's own too
    calls[1]["dialed"] = "1883"
    states[2]["queue"] = states[3]["queue"] = "general_info"
    rings.append({"call_id": "walk-102", "ring_id": "walk-102.1", "target": "PJSIP/102", "extension": "102",
                  "queue": "general_info", "started_at": now, "ended_at": now + dt.timedelta(seconds=5),
                  "ring_count": 2, "answered": False, "within_sla": False})
    async with service.engine.begin() as conn:
        await conn.execute(insert(CallRow), calls)
        await conn.execute(insert(CallStateRow), states)
        await conn.execute(insert(CallRingRow), rings)
    ids = {"call": "walk-101"}
    for owner, number in NUMBERS.items():
        direct = owner.isdigit()
        message_id = await service.telephony.messages.leave_message(
            extension=owner if direct else None, queue=None if direct else owner, caller=number,
            call_id=f"walk-{owner}", reason="walk")
        if owner == "101":
            ids["message"] = str(message_id)
    ids["recording"] = await service.recordings.catalogue.register(
        NewRecording(kind="mix", key="hotline-walk-101.wav", started_at=now, call_id="walk-101"),
        RecordingState.RECORDING)
    tasks = await service.telephony.callbacks.service.list()
    ids["callback"] = str(next(task.id for task in tasks if task.extension == "101"))
    return ids


def forms(owner: str) -> tuple[str, str]:
    """An owner's number in full and masked, as responses may carry it."""
    return NUMBERS[owner], mask_number(NUMBERS[owner])
