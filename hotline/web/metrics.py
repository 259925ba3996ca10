"""Prometheus metrics of the service, in one registry that ``/metrics`` exposes.

The composition root creates one ``HotlineMetrics`` and hands its attributes to the parts that update them
(AMI client, call store). Events per second is ``rate(hotline_ami_events_total[1m])``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from core.bus import EventBus
from core.clock import utcnow
from core.events import CallbackResult, RingEnded
from telephony import DIRECT_LINE


class BusStatsCollector(Collector):
    """Reads the bus's per-subscriber counters at scrape time, so the bus needs no metrics code of its own."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    def collect(self) -> Iterator[Metric]:
        failures = CounterMetricFamily(
            "hotline_bus_subscriber_failures", "Events a bus subscriber raised on (logged, then skipped)",
            labels=["subscriber"],
        )
        dropped = CounterMetricFamily(
            "hotline_bus_events_dropped", "Events dropped for a full non-durable subscriber queue",
            labels=["subscriber"],
        )
        for name, stats in self._bus.stats().items():
            failures.add_metric([name], stats.failed)
            dropped.add_metric([name], stats.dropped)
        yield failures
        yield dropped


# fine below 100 ms (the target of bench/sip_calls.py), coarse above
STORE_LAG_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HotlineMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.ami_connected = Gauge(
            "hotline_ami_connected", "1 while logged in to the PBX's AMI, else 0", registry=self.registry
        )
        self.ami_events = Counter(
            "hotline_ami_events", "AMI events received from the PBX", registry=self.registry
        )
        self.ami_reconnects = Counter(
            "hotline_ami_reconnects", "AMI reconnections after a lost or failed connection", registry=self.registry
        )
        self.calls_active = Gauge(
            "hotline_calls_active", "Calls in progress (offered and not yet ended)", registry=self.registry
        )
        self.rings = Counter(
            "hotline_rings", "Offered rings that ended, by queue ('(direct)' for direct lines), answered, in SLA",
            ["queue", "answered", "within_sla"], registry=self.registry,
        )
        self.callback_tries = Counter(
            "hotline_callback_tries", "Callback tries that ended, by outcome (answered, busy, no_answer, failed, "
            "no_agent) and the task's state after it (done, pending, failed)", ["outcome", "state"],
            registry=self.registry,
        )
        self.store_lag = Histogram(
            "hotline_call_store_lag_seconds", "From an AMI event's timestamp to its call state committed to the "
            "database", buckets=STORE_LAG_BUCKETS, registry=self.registry,
        )

    def observe_store_lag(self, event_times: list[dt.datetime]) -> None:
        """The call store's ``on_written``: one observation per committed call state."""
        now = utcnow()
        for at in event_times:
            self.store_lag.observe(max(0.0, (now - at).total_seconds()))

    def count_ring(self, event: RingEnded) -> None:
        """Bus subscriber for ``RingEnded``: ``hotline_rings_total{queue,answered,within_sla}``."""
        self.rings.labels(event.queue or DIRECT_LINE, str(event.answered).lower(),
                          str(event.within_sla).lower()).inc()

    def count_callback_try(self, event: CallbackResult) -> None:
        """Bus subscriber for ``CallbackResult``: ``hotline_callback_tries_total{outcome,state}``."""
        self.callback_tries.labels(event.outcome, event.state).inc()

    def watch_bus(self, bus: EventBus) -> None:
        """Expose ``hotline_bus_subscriber_failures_total`` and ``hotline_bus_events_dropped_total`` of ``bus``."""
        self.registry.register(BusStatsCollector(bus))
