"""The typed bundle of shared dependencies the composition root hands to every package's ``setup``."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from core.bus import EventBus
from core.policy import PolicyProfile
from core.ports import AmiPort
from core.settings import Settings


@dataclass(frozen=True)
class Dependencies:
    settings: Settings
    profile: PolicyProfile
    bus: EventBus
    engine: AsyncEngine
    ami: AmiPort
