"""Builds the directory from the shared dependencies (called by the composition root)."""
from __future__ import annotations

from core.deps import Dependencies
from directory.service import EmployeeDirectoryService


def setup(deps: Dependencies) -> EmployeeDirectoryService:
    return EmployeeDirectoryService(deps.engine)
