"""The composition root: builds every part from settings, wires them, starts and stops them in order.

Order matters: the database is migrated before anything writes; bus subscribers exist before the AMI connection
delivers its first event; the web server starts last and stops first.
"""
from __future__ import annotations

import asyncio
import functools
import gc
import logging
import ssl
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

import directory
import ivr_flows
import recording
import telephony
from core.bus import EventBus
from core.db import make_engine
from core.deps import Dependencies
from core.events import CallbackResult, RingEnded
from core.policy import PolicyProfile, load_profile
from core.settings import Settings
from hotline import migrate
from hotline.retention import build_purge, build_subject_requests
from hotline.auth.service import token_checker
from hotline.log_privacy import quiet_parameter_loggers
from hotline.memory import limit_malloc_arenas
from hotline.pbx.credentials import ami_credentials
from hotline.pbx.paths import cdr_file, includes_dir, prompt_dirs
from hotline.recording_store import recording_stores
from hotline.push import setup as push_setup
from hotline.web import agents as agent_routes
from hotline.web import callbacks as callback_routes
from hotline.web import (audit_api, callbacks_page, calls, dpo_page, employees, listen_link, listen_sessions,
                         listening, pages, recordings, sla, subject_requests, wallboard, ws)
from hotline.web import messages as message_routes
from hotline.web.app import create_app
from hotline.web.deps import WebDeps
from hotline.web.metrics import HotlineMetrics
from ivr_flows import IvrPorts, SoundsDirs
from telephony import AmiClient, AmiConfig

log = logging.getLogger(__name__)


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access log without query strings (``?token=``, search terms: numbers) nor listen links' tokens."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %.1fms", request.method, listen_link.link_free_path(request.path), response.status,
                         time * 1000)


def ivr_sounds(settings: Settings) -> SoundsDirs:
    """Prompts are cached beside the PBX build and placed where the PBX reads them (``prompt_dirs``)."""
    host, pbx = prompt_dirs(settings)
    return SoundsDirs(cache=settings.pbx_cache_dir / "prompts", host=host, pbx=pbx)


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The web server's TLS context when a certificate is configured; a file that cannot be read stops the start
    naming the setting (never the key's content)."""
    if not settings.tls:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise RuntimeError(f"HOTLINE_TLS_CERT / HOTLINE_TLS_KEY ({settings.tls_cert}, {settings.tls_key}) not "
                           f"usable: {type(exc).__name__}: {exc}") from None
    return context


def ami_config(settings: Settings) -> AmiConfig:
    credentials = ami_credentials(settings)
    return AmiConfig(
        host=credentials.host, port=credentials.port, username=credentials.username, secret=credentials.secret,
        action_timeout=settings.ami_action_timeout, ping_interval=settings.ami_ping_interval,
        ping_timeout=settings.ami_ping_timeout, reconnect_min=settings.ami_reconnect_min,
        reconnect_max=settings.ami_reconnect_max,
    )


@dataclass
class HotlineService:
    settings: Settings
    profile: PolicyProfile
    metrics: HotlineMetrics = field(default_factory=HotlineMetrics)
    bus: EventBus = field(default_factory=EventBus)

    async def start(self) -> None:
        tls = tls_context(self.settings)   # a bad certificate stops the start before anything runs
        limit_malloc_arenas()   # before the database's worker threads (hotline.memory)
        quiet_parameter_loggers()
        url = self.settings.resolved_database_url()
        await migrate.upgrade(url)
        self.engine = make_engine(url)
        self.ami = AmiClient(ami_config(self.settings))
        deps = Dependencies(self.settings, self.profile, self.bus, self.engine, self.ami)
        self.directory = directory.setup(deps)
        self.telephony = await telephony.setup(deps, self.directory, includes_dir(self.settings),
                                               cdr_file(self.settings))
        self.push = push_setup.setup(self.bus, self.engine, self.profile, live_calls=self.telephony.live_calls,
                                     members=self.telephony.queue_members, access_check=token_checker(self.engine))
        ports = IvrPorts(self.telephony.callbacks.service, self.telephony.messages, self.directory,
                         self.telephony.agents.availability, self.telephony.recordings)
        self.ivr = await ivr_flows.setup(deps, ivr_sounds(self.settings), ports) if self.settings.ivr_enabled else None
        self.stores = recording_stores(self.settings)
        self.recordings = recording.setup(deps, self.stores.store)
        self.stores.archive(self.bus, self.recordings.catalogue, self.settings.recording_check_seconds)
        purge = build_purge(self.engine, self.recordings.catalogue.store, self.settings, self.profile)
        self.retention = recording.RetentionLoop(purge, self.settings.retention_purge_seconds)
        self.subject_requests = build_subject_requests(self.engine, self.profile, self.recordings.catalogue, purge)
        self.metrics.watch_bus(self.bus)
        self.bus.subscribe("ring_metrics", self.metrics.count_ring, RingEnded)
        self.telephony.calls.writer.on_written = self.metrics.observe_store_lag
        self.bus.subscribe("callback_metrics", self.metrics.count_callback_try, CallbackResult)
        await self.bus.start()
        self.recordings.start()
        self.stores.start()
        self.retention.start()
        self.push.start()
        await self.ami.start()
        if self.ivr is not None:
            await self.ivr.start()
        self.telephony.start()
        self._sampler = asyncio.create_task(self._sample_metrics(), name="metrics-sampler")
        self.app = create_app(WebDeps.create(self.engine, self.metrics.registry,
                                             readiness_checks={"pbx": self._pbx_ready},
                                             cookie_secure=self.settings.tls or self.settings.cookie_secure),
                              self._web_routes())
        self.runner = web.AppRunner(self.app, access_log_class=PathOnlyAccessLogger)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.settings.http_host, self.settings.http_port, ssl_context=tls)
        await site.start()
        # what start built (modules, mappings, settings, the app) lives as long as the process: collected once and
        # frozen out of the cyclic GC, whose full collections would otherwise walk it again and again (issue 11's
        # benchmark: about a sixth of the time per AMI event)
        gc.collect()
        gc.freeze()
        log.info("hotline serving on %s (profile %s)", self.base_url, self.profile.name)

    def _web_routes(self) -> list:
        """Every route registrar of the app, each handed the services it uses (built above, never in here)."""
        profile, parts = self.profile, self.telephony
        return [
            functools.partial(calls.register_routes, recordings=self.recordings.catalogue.ids_of_calls),
            functools.partial(recordings.register_routes, catalogue=self.recordings.catalogue),
            functools.partial(listening.register_routes, catalogue=self.recordings.catalogue, profile=profile),
            functools.partial(listen_sessions.register_routes, sessions=self.recordings.listening, profile=profile),
            functools.partial(listen_link.register_routes, sessions=self.recordings.listening,
                              language=profile.language, timezone=profile.tz),
            functools.partial(sla.register_routes, profile=profile),
            ws.routes(self.push.hub), pages.register_routes, wallboard.routes(profile),
            functools.partial(employees.register_routes, directory=self.directory, profile=profile,
                              on_change=parts.directory_changed),
            functools.partial(agent_routes.register_routes, agents=parts.agent_views, control=parts.agents.control,
                              apply_membership=parts.agents.queues.apply),
            functools.partial(callback_routes.register_routes, callbacks=parts.callbacks.service,
                              admin=parts.callbacks.admin),
            callbacks_page.routes(profile),
            functools.partial(message_routes.register_routes, messages=parts.messages),
            audit_api.register_routes,
            functools.partial(subject_requests.register_routes, requests=self.subject_requests),
            dpo_page.routes(profile),
        ]

    @property
    def base_url(self) -> str:
        scheme = "https" if self.settings.tls else "http"
        return f"{scheme}://{self.settings.http_host}:{self.settings.http_port}"

    async def stop(self) -> None:
        await self.push.close()  # open sockets would hold the web server's shutdown
        await self.runner.cleanup()
        self._sampler.cancel()
        await self.telephony.stop_dialing()   # running tries stay `dialing`; the next start reconciles them
        if self.ivr is not None:
            await self.ivr.stop()  # calls in the IVR get the shutdown fallback: on to the default queue
        await self.ami.stop()
        await self.telephony.stop_intake()  # no resync may publish into a stopping bus
        await self.bus.drain()
        await self.retention.stop()
        await self.recordings.stop()   # the files of calls that just ended are finalised (that publishes too)
        await self.bus.drain()
        await self.stores.stop()
        await self.bus.stop()
        if self.ivr is not None:
            await self.ivr.close()
        await self.telephony.close()
        await self.engine.dispose()

    async def settle(self) -> None:
        """Until what the events received so far cause is committed: every bus subscriber has served them and every
        batched write is done (what a benchmark waits for before it stops the clock; a stop does it too)."""
        await self.bus.drain()
        await self.telephony.flush()
        if self.ivr is not None:
            await self.ivr.steps.flush()

    async def _pbx_ready(self) -> tuple[bool, str]:
        if self.ami.connected:
            return True, "AMI connected"
        return False, self.ami.stats.last_error or "AMI not connected"

    async def _sample_metrics(self, interval: float = 1.0) -> None:
        """Copy counters into Prometheus once a second instead of touching metrics on every AMI event."""
        events = reconnects = 0
        while True:
            stats = self.ami.stats
            self.metrics.ami_events.inc(stats.events_received - events)
            self.metrics.ami_reconnects.inc(stats.reconnects - reconnects)
            events, reconnects = stats.events_received, stats.reconnects
            self.metrics.ami_connected.set(1 if self.ami.connected else 0)
            self.metrics.calls_active.set(self.telephony.active_calls)
            await asyncio.sleep(interval)


def build_service(settings: Settings | None = None) -> HotlineService:
    settings = settings or Settings()
    return HotlineService(settings, load_profile(settings.profile))
