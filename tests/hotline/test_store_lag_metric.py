"""The AMI event → stored lag histogram: one observation per committed call state, in fine buckets under 100 ms."""
from __future__ import annotations

import datetime as dt

from prometheus_client import generate_latest

from core.clock import utcnow
from hotline.web.metrics import HotlineMetrics


def test_each_committed_state_is_observed_from_its_event_time():
    metrics = HotlineMetrics()
    now = utcnow()
    metrics.observe_store_lag([now - dt.timedelta(milliseconds=40), now - dt.timedelta(milliseconds=300),
                               now + dt.timedelta(seconds=1)])   # a PBX clock ahead counts as no lag
    text = generate_latest(metrics.registry).decode()
    assert 'hotline_call_store_lag_seconds_bucket{le="0.05"} 2.0' in text
    assert 'hotline_call_store_lag_seconds_bucket{le="0.5"} 3.0' in text
    assert "hotline_call_store_lag_seconds_count 3.0" in text
