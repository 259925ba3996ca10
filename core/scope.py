"""Whose records a reader may see (GDPR-LT §8: only what their function needs).

The API decides a reader's scope from the role matrix (``hotline.web.role_matrix``): an agent's own extension, a
supervisor's unit (its employees and the queues they serve), or everything (``None`` where a scope is taken). The
stores filter by it, so a record outside the scope never leaves the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_


@dataclass(frozen=True)
class RecordScope:
    """The records addressed to, dialled to or ringing these ``extensions``, and those of these ``queues``.

    An empty scope sees nothing (an agent whose user has no extension)."""

    extensions: frozenset[str] = frozenset()
    queues: frozenset[str] = frozenset()

    @classmethod
    def own(cls, extension: str | None) -> RecordScope:
        return cls(frozenset({extension}) if extension else frozenset())

    @property
    def empty(self) -> bool:
        return not self.extensions and not self.queues

    def holds(self, *, extensions: tuple[str | None, ...] = (), queue: str | None = None) -> bool:
        """Whether a record of these extensions (addressee, agent, ...) or this queue is in the scope."""
        return any(ext in self.extensions for ext in extensions if ext) or (queue is not None and queue in self.queues)


def scope_clause(scope: RecordScope, extension_columns: tuple[Any, ...], queue_column: Any) -> ColumnElement[bool]:
    """The SQL condition of a scope over a table with these extension columns (addressee, agent) and a queue."""
    if scope.empty:
        return false()
    extensions, queues = sorted(scope.extensions), sorted(scope.queues)
    return or_(*(column.in_(extensions) for column in extension_columns), queue_column.in_(queues))
