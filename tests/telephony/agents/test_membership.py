"""Queue membership from the directory: the desired members, the plan against QueueStatus, and applying it."""
from __future__ import annotations

from core.clock import utcnow
from core.events import PbxResynced
from core.policy import load_profile
from core.ports import Employee
from directory import EmployeeDirectoryService
from telephony.agents.membership import Member, QueueConfigurator, desired_members, pbx_members, plan_membership
from telephony.ami.exceptions import AmiActionError, AmiDisconnected

LT = load_profile("lt-employment-1883")
TEMPLATE = "Local/{extension}@agent-reach"
QUEUES = [q.name for q in LT.queues]


def employee(ext: str, *queues: str, active: bool = True, fallback: str | None = None) -> Employee:
    return Employee(ext, f"Agent {ext}", "unit", queues, fallback, active)


def qm(queue: str, ext: str, membership: str = "dynamic", paused: str = "0", **more: str) -> dict:
    return {"Event": "QueueMember", "Queue": queue, "Name": ext, "Location": f"Local/{ext}@agent-reach",
            "Membership": membership, "Paused": paused, "Status": "1", **more}


def test_active_employees_are_members_of_their_profile_queues():
    members = desired_members(LT, [employee("101", "employers", "general_info"),
                                   employee("102", "general_info", active=False),
                                   employee("103", "pensions")], TEMPLATE)  # not a queue of this profile
    assert members == {Member("employers", "Local/101@agent-reach", "101"),
                       Member("general_info", "Local/101@agent-reach", "101")}


def test_plan_adds_missing_removes_extra_dynamic_and_reports_static():
    desired = {Member("employers", "Local/101@agent-reach", "101"),
               Member("general_info", "Local/101@agent-reach", "101")}
    actual = pbx_members([qm("employers", "101"), qm("employers", "102"), qm("general_info", "103", "static"),
                          qm("other_queue", "109"), {"Event": "QueueParams", "Queue": "employers"}])
    plan = plan_membership(desired, actual, QUEUES)
    assert plan.add == [Member("general_info", "Local/101@agent-reach", "101")]
    assert [(m.queue, m.name) for m in plan.remove] == [("employers", "102")]
    assert [(m.queue, m.name) for m in plan.static_extras] == [("general_info", "103")]
    assert plan.changes == 2


class FakeAmi:
    def __init__(self, queue_status: list[dict], connected: bool = True) -> None:
        self.queue_status = queue_status
        self.actions: list[dict] = []
        self.connected = connected

    async def action_list(self, action: dict, *, timeout=None) -> list[dict]:
        if not self.connected:
            raise AmiDisconnected("down")
        assert action == {"Action": "QueueStatus"}
        return self.queue_status

    async def action(self, action: dict, *, timeout=None) -> dict:
        self.actions.append(action)
        if action["Action"] == "DBDel":
            raise AmiActionError("Database entry not found")
        return {"Response": "Success"}


async def test_apply_makes_the_pbx_match_the_directory_and_writes_fallbacks(db_engine):
    await EmployeeDirectoryService(db_engine).upsert([employee("101", "general_info", fallback="+37061234567"),
                                       employee("102", "general_info"),
                                       employee("103", "general_info", active=False, fallback="+37061234568")])
    ami = FakeAmi([qm("general_info", "102"), qm("general_info", "103"), qm("general_info", "105")])
    plan = await QueueConfigurator(ami, EmployeeDirectoryService(db_engine), LT, TEMPLATE).apply()
    assert plan.changes == 3
    assert ami.actions == [
        {"Action": "QueueAdd", "Queue": "general_info", "Interface": "Local/101@agent-reach", "MemberName": "101",
         "Paused": "false"},
        {"Action": "QueueRemove", "Queue": "general_info", "Interface": "Local/103@agent-reach"},
        {"Action": "QueueRemove", "Queue": "general_info", "Interface": "Local/105@agent-reach"},
        # the flag in the members' hint: with a fallback number an unregistered phone still takes queue calls
        {"Action": "Setvar", "Variable": "DEVICE_STATE(Custom:hotline-fallback-101)", "Value": "NOT_INUSE"},
        {"Action": "DBPut", "Family": "hotline/101", "Key": "fallback", "Val": "+37061234567"},
        {"Action": "Setvar", "Variable": "DEVICE_STATE(Custom:hotline-fallback-102)", "Value": "UNAVAILABLE"},
        {"Action": "DBDel", "Family": "hotline/102", "Key": "fallback"},
        {"Action": "Setvar", "Variable": "DEVICE_STATE(Custom:hotline-fallback-103)", "Value": "UNAVAILABLE"},
        {"Action": "DBDel", "Family": "hotline/103", "Key": "fallback"},  # inactive: no longer reachable there
    ]


async def test_members_watch_their_phones_hint_and_one_watching_another_device_is_added_again(db_engine):
    await EmployeeDirectoryService(db_engine).upsert([employee("101", "general_info"),
                                                      employee("102", "general_info")])
    ami = FakeAmi([qm("general_info", "101", StateInterface="hint:101@hotline-hints"),
                   qm("general_info", "102", paused="1", StateInterface="Local/102@agent-reach")])
    plan = await QueueConfigurator(ami, EmployeeDirectoryService(db_engine), LT, TEMPLATE,
                                   state_template="hint:{extension}@hotline-hints").apply()
    assert plan.changes == 1
    assert [a for a in ami.actions if a["Action"].startswith("Queue")] == [
        {"Action": "QueueRemove", "Queue": "general_info", "Interface": "Local/102@agent-reach"},
        {"Action": "QueueAdd", "Queue": "general_info", "Interface": "Local/102@agent-reach", "MemberName": "102",
         "Paused": "true", "StateInterface": "hint:102@hotline-hints"},   # paused as it was
    ]


async def test_an_empty_directory_leaves_the_pbx_alone(db_engine):
    ami = FakeAmi([qm("general_info", "101")])
    plan = await QueueConfigurator(ami, EmployeeDirectoryService(db_engine), LT, TEMPLATE).apply()
    assert plan.changes == 0 and ami.actions == []


async def test_resync_handler_survives_a_lost_connection(db_engine):
    await EmployeeDirectoryService(db_engine).upsert([employee("101", "general_info")])
    configurator = QueueConfigurator(FakeAmi([], connected=False), EmployeeDirectoryService(db_engine), LT, TEMPLATE)
    await configurator.on_resynced(PbxResynced(at=utcnow(), live_calls=0))
    assert configurator.runs == 0
    configurator.ami = FakeAmi([])
    await configurator.on_resynced(PbxResynced(at=utcnow(), live_calls=0))
    assert configurator.runs == 1


def test_an_agent_who_logged_out_is_no_member_of_any_queue():
    members = desired_members(LT, [employee("101", "employers"), employee("102", "employers")], TEMPLATE,
                              logged_out={"101"})
    assert members == {Member("employers", "Local/102@agent-reach", "102")}


async def test_apply_takes_a_logged_out_agent_out_and_keeps_them_out(db_engine):
    await EmployeeDirectoryService(db_engine).upsert([employee("101", "general_info"), employee("102", "general_info")])

    async def logged_out() -> set[str]:
        return {"101"}
    ami = FakeAmi([qm("general_info", "101"), qm("general_info", "102")])
    configurator = QueueConfigurator(ami, EmployeeDirectoryService(db_engine), LT, TEMPLATE, logged_out=logged_out)
    await configurator.apply()
    assert [a for a in ami.actions if a["Action"].startswith("Queue")] == [
        {"Action": "QueueRemove", "Queue": "general_info", "Interface": "Local/101@agent-reach"}]
