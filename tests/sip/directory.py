"""The directory a real-SIP test needs: the employees it names, in every profile queue, and nobody else."""
from __future__ import annotations

from core.policy import load_profile
from core.ports import Employee
from tests.service_fixture import RunningService


async def employees(running: RunningService, *extensions: str, fallbacks: dict[str, str] | None = None) -> None:
    """Only ``extensions`` are active employees, each in every profile queue (``fallbacks``: their numbers);
    the service applies it to the PBX (membership, fallback numbers, SIP endpoints) before this returns."""
    fallbacks = fallbacks or {}
    queues = tuple(queue.name for queue in load_profile(running.service.settings.profile).queues)
    current = {employee.extension for employee in await running.service.directory.list_employees()}
    wanted = [Employee(extension, f"Agent {extension}", "hotline", queues, fallbacks.get(extension), True)
              for extension in extensions]
    gone = [Employee(extension, f"Agent {extension}", "hotline", (), None, False)
            for extension in current - set(extensions)]
    await running.service.directory.upsert(wanted + gone)
    await running.service.telephony.directory_changed()
