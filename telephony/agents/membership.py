"""Queue membership owned by hotline: the members each profile queue should have, made true on the PBX over AMI.

The desired members come from the employee directory (an active employee is a member of every profile queue in
their competences, unless they logged out: ``telephony.agents.control``) with the interface
``settings.agent_interface_template``. ``QueueConfigurator.apply`` compares them with ``QueueStatus`` and sends
``QueueAdd`` for the missing and ``QueueRemove`` for the extra dynamic members (static members from queues.conf
cannot be removed over AMI: they are reported, not touched). It also writes each
employee's fallback number to AstDB ``hotline/<ext>/fallback``, which the ``agent-reach`` dialplan reads.

It runs after every (re)connect's resync and after every directory change. An empty directory means "not
configured yet", not "nobody works here": membership is then left as the PBX has it, so a fresh install or a
failed import never empties every queue (deactivate employees to take them out).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from core import dialplan
from core.events import PbxResynced
from core.policy import PolicyProfile
from core.ports import PBX_ERRORS, AmiPort, Employee, EmployeeDirectory, PbxActionRefused

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Member:
    queue: str
    interface: str
    name: str  # MemberName: the employee's extension
    # the device whose state the queue watches (the softphone): busy on any call, the agent is not rung
    state_interface: str = ""


@dataclass(frozen=True)
class PbxMember:
    queue: str
    interface: str
    name: str
    dynamic: bool
    paused: bool
    state_interface: str = ""


@dataclass
class MembershipPlan:
    add: list[Member] = field(default_factory=list)
    remove: list[PbxMember] = field(default_factory=list)
    static_extras: list[PbxMember] = field(default_factory=list)  # would be removed, but queues.conf owns them
    # members watching another device than they should: removed and added again, paused as they were
    replace: list[tuple[PbxMember, Member]] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.add) + len(self.remove) + len(self.replace)


def member_interface(template: str, extension: str) -> str:
    return template.format(extension=extension)


def desired_members(profile: PolicyProfile, employees: Iterable[Employee], template: str,
                    logged_out: Collection[str] = (), state_template: str = "") -> set[Member]:
    """Every active employee who has not logged out, in each profile queue of their competences, watching their
    softphone (``state_template``, the settings' device template) when one is given."""
    queues = {queue.name for queue in profile.queues}
    return {
        Member(queue, member_interface(template, employee.extension), employee.extension,
               member_interface(state_template, employee.extension) if state_template else "")
        for employee in employees if employee.active and employee.extension not in logged_out
        for queue in employee.competences if queue in queues
    }


def pbx_members(queue_status: Iterable[Mapping]) -> list[PbxMember]:
    """The ``QueueMember`` entries of a ``QueueStatus`` reply."""
    out = []
    for entry in queue_status:
        if entry.get("Event") != "QueueMember":
            continue
        interface = entry.get("Location") or entry.get("Interface") or ""
        out.append(PbxMember(
            queue=entry.get("Queue") or "", interface=interface,
            name=entry.get("Name") or entry.get("MemberName") or "",
            dynamic=(entry.get("Membership") or "dynamic") == "dynamic",
            paused=str(entry.get("Paused")) == "1",
            state_interface=entry.get("StateInterface") or "",
        ))
    return out


def plan_membership(desired: set[Member], actual: Sequence[PbxMember], queues: Iterable[str]) -> MembershipPlan:
    """What to add and remove so the profile's queues hold exactly ``desired`` (other queues are not ours)."""
    managed = set(queues)
    present = {(m.queue, m.interface) for m in actual}
    wanted = {(m.queue, m.interface): m for m in desired}
    plan = MembershipPlan(add=sorted(m for m in desired if (m.queue, m.interface) not in present))
    for member in actual:
        if member.queue not in managed:
            continue
        should = wanted.get((member.queue, member.interface))
        if should is None:
            (plan.remove if member.dynamic else plan.static_extras).append(member)
        elif member.dynamic and should.state_interface and member.state_interface != should.state_interface:
            plan.replace.append((member, should))
    return plan


async def _nobody() -> set[str]:
    return set()


class QueueConfigurator:
    """Applies the directory's membership and fallback numbers to the PBX; one run at a time."""

    def __init__(self, ami: AmiPort, directory: EmployeeDirectory, profile: PolicyProfile, template: str,
                 logged_out: Callable[[], Awaitable[set[str]]] = _nobody, state_template: str = "") -> None:
        self.ami = ami
        self.directory = directory
        self.logged_out = logged_out   # the extensions whose agents logged out (their history says so)
        self.profile = profile
        self.template = template
        self.state_template = state_template
        self.runs = 0
        self._lock = asyncio.Lock()

    async def apply(self) -> MembershipPlan:
        async with self._lock:
            employees = await self.directory.list_employees()
            if not employees:
                log.warning("employee directory is empty: queue membership left as the PBX has it")
                return MembershipPlan()
            status = await self.ami.action_list({"Action": "QueueStatus"})
            desired = desired_members(self.profile, employees, self.template, await self.logged_out(),
                                      self.state_template)
            plan = plan_membership(desired, pbx_members(status), (queue.name for queue in self.profile.queues))
            for member in plan.add:
                await self._add(member, paused=False)
            for extra in plan.remove:
                await self.ami.action({"Action": "QueueRemove", "Queue": extra.queue, "Interface": extra.interface})
            for old, member in plan.replace:
                await self.ami.action({"Action": "QueueRemove", "Queue": old.queue, "Interface": old.interface})
                await self._add(member, paused=old.paused)
            for extra in plan.static_extras:
                log.warning("queue %s: static member %s is not in the directory; remove it from queues.conf",
                            extra.queue, extra.interface)
            await self._write_fallbacks(employees)
            self.runs += 1
            if plan.changes:
                log.info("queue membership reconciled: %d added, %d removed, %d re-added", len(plan.add),
                         len(plan.remove), len(plan.replace))
            return plan

    async def _add(self, member: Member, *, paused: bool) -> None:
        action = {"Action": "QueueAdd", "Queue": member.queue, "Interface": member.interface,
                  "MemberName": member.name, "Paused": "true" if paused else "false"}
        if member.state_interface:
            action["StateInterface"] = member.state_interface
        await self.ami.action(action)

    async def _write_fallbacks(self, employees: Sequence[Employee]) -> None:
        for employee in employees:
            family = f"{dialplan.ASTDB_HOTLINE_FAMILY}/{employee.extension}"
            reachable = bool(employee.active and employee.fallback_number)
            # the hint queue members watch: with a fallback number an unregistered phone still takes calls
            await self.ami.action({"Action": "Setvar", "Variable": f"DEVICE_STATE({dialplan.CUSTOM_FALLBACK_PREFIX}"
                                   f"{employee.extension})", "Value": "NOT_INUSE" if reachable else "UNAVAILABLE"})
            if reachable:
                await self.ami.action({"Action": "DBPut", "Family": family, "Key": dialplan.ASTDB_FALLBACK,
                                       "Val": employee.fallback_number})
            else:
                try:
                    await self.ami.action({"Action": "DBDel", "Family": family, "Key": dialplan.ASTDB_FALLBACK})
                except PbxActionRefused:  # "Database entry not found": nothing to delete
                    pass

    async def on_resynced(self, _event: PbxResynced) -> None:
        """Bus handler: after every (re)connect's resync the PBX may have lost or gained members."""
        try:
            await self.apply()
        except (*PBX_ERRORS, SQLAlchemyError, OSError) as exc:  # the next resync or directory change tries again
            log.error("queue membership not reconciled (%s): %s", type(exc).__name__, exc)
