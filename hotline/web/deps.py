"""What the web app needs from the composition root, passed in one typed object (no globals)."""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db import make_sessionmaker, ping

# A readiness check answers (ready, detail), e.g. (False, "AMI not connected"). It should not take long; the app
# cuts it off after ``WebDeps.readiness_timeout`` seconds and reports it unready.
ReadinessCheck = Callable[[], Awaitable[tuple[bool, str]]]


@dataclass
class WebDeps:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    registry: CollectorRegistry
    readiness_checks: Mapping[str, ReadinessCheck] = field(default_factory=dict)
    readiness_timeout: float = 5.0
    title: str = "hotline"
    version: str = "0.1.0"
    cookie_secure: bool = False   # session cookies marked Secure: served over TLS, or behind a TLS-terminating proxy

    @classmethod
    def create(
        cls,
        engine: AsyncEngine,
        registry: CollectorRegistry,
        readiness_checks: Mapping[str, ReadinessCheck] | None = None,
        **options,
    ) -> WebDeps:
        """Deps with a session factory for ``engine`` and a ``database`` readiness check added to the given ones."""
        checks = {"database": functools.partial(ping, engine), **(readiness_checks or {})}
        return cls(
            engine=engine, sessionmaker=make_sessionmaker(engine), registry=registry, readiness_checks=checks, **options
        )


DEPS_KEY = web.AppKey("hotline_web_deps", WebDeps)


def request_key(name: str, value_type: type) -> Any:
    """A typed request-storage key (aiohttp >= 3.13 warns about plain strings; older versions only have them)."""
    factory = getattr(web, "RequestKey", None)
    return factory(name, value_type) if factory is not None else name


def deps_of(request: web.Request) -> WebDeps:
    return request.app[DEPS_KEY]
