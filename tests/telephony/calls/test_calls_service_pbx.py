"""The service on the real sandbox Asterisk: calls recorded in order, restart and freeze drills, wrong secret."""
from __future__ import annotations

import asyncio
import logging
import os
import signal

import pytest

from core.policy import load_profile
from hotline import pbx as sandbox
from hotline.service import build_service
from tests.service_fixture import until

pytestmark = pytest.mark.pbx

CALLER = "+37060000042"  # a made-up number


def public_number(pbx) -> str:
    return load_profile(pbx.settings.profile).public_number


def ended(call: dict) -> bool:
    return call["state"] == "ended"


async def long_answered_call(pbx, hotline_service):
    """A call that is answered and would go on for two minutes (for outage drills)."""
    await pbx.set_all_agents(answer_after=0.5, talk=120)
    placed = await pbx.originate(public_number(pbx), CALLER, talk=120)
    await hotline_service.wait_call(placed.uniqueid, lambda c: c["state"] == "answered")
    return placed


async def test_public_number_call_is_listed_with_its_states_in_order_and_completes(pbx, hotline_service, caplog):
    caplog.set_level(logging.DEBUG)
    await pbx.set_all_agents(answer_after=1, talk=2)
    placed = await pbx.originate(public_number(pbx), CALLER, talk=10)

    call = await hotline_service.wait_call(placed.uniqueid, ended)

    assert [s["state"] for s in call["states"]] == ["offered", "queued", "ringing", "answered", "ended"]
    assert call["ended_cause"] == "completed"
    assert call["caller"] == CALLER and call["dialed"] == public_number(pbx)
    assert call["queue"] == load_profile(pbx.settings.profile).default_queue
    times = [s["at"] for s in call["states"]]
    assert times == sorted(times) and all(t.endswith("+00:00") for t in times)
    status, listed = await hotline_service.get("/api/calls")
    assert status == 200 and placed.uniqueid in [c["id"] for c in listed]
    assert caplog.records and CALLER[1:] not in caplog.text  # personal data never reaches the logs

    async def sampled() -> bool:  # the sampler copies counters into Prometheus once a second
        async with hotline_service.http.get("/metrics") as response:
            metrics = {line.split()[0]: float(line.split()[1]) for line in (await response.text()).splitlines()
                       if line and not line.startswith("#")}
        return (metrics.get("hotline_ami_connected") == 1.0 and metrics.get("hotline_ami_events_total", 0) > 20
                and metrics.get("hotline_calls_active") == 0.0)
    await until(sampled, timeout=5)


async def test_asterisk_restart_mid_call_closes_the_lost_call_and_the_next_call_is_recorded(pbx, hotline_service):
    service = hotline_service.service
    placed = await long_answered_call(pbx, hotline_service)
    reconnects = service.ami.stats.reconnects

    await pbx.acli("core restart now")

    lost = await hotline_service.wait_call(placed.uniqueid, ended, timeout=60)
    assert lost["ended_cause"] == "lost_during_outage"
    await until(lambda: _reconnected(service, reconnects), timeout=30)  # by itself, nobody restarts it
    await until(lambda: _resynced(service, 2), timeout=15)  # the resync runs beside the events, after login

    await pbx.wait_ready()
    await pbx.set_all_agents(answer_after=1, talk=1)
    after = await pbx.originate(public_number(pbx), CALLER, talk=5)
    call = await hotline_service.wait_call(after.uniqueid, ended)
    assert [s["state"] for s in call["states"]] == ["offered", "queued", "ringing", "answered", "ended"]
    assert call["ended_cause"] == "completed"
    assert all(stats.failed == 0 for stats in service.bus.stats().values())


async def test_frozen_asterisk_makes_readyz_unready_within_15_s_and_it_recovers(pbx, hotline_service):
    async def ready() -> bool:
        async with hotline_service.http.get("/readyz") as response:
            return response.status == 200

    assert await ready()
    pbx.freeze()
    try:
        took = await until(lambda: _not(ready), timeout=15)
        async with hotline_service.http.get("/readyz") as response:
            body = await response.json()
        assert response.status == 503 and body["checks"]["pbx"]["ok"] is False
        assert body["checks"]["database"]["ok"] is True
    finally:
        pbx.thaw()
    assert took < 15
    await until(ready, timeout=30)


async def _resynced(service, count: int) -> bool:
    return service.telephony.calls.handler.resyncs >= count


async def _reconnected(service, reconnects_before: int) -> bool:
    return service.ami.connected and service.ami.stats.reconnects > reconnects_before


async def _not(check) -> bool:
    return not await check()


async def test_wrong_ami_secret_is_a_clear_error_with_backoff_not_a_tight_loop(pbx, tmp_path):
    settings = pbx.settings.model_copy(update={
        "ami_secret": "definitely-not-the-secret", "var_dir": tmp_path, "database_url": "",
        "http_port": 0, "ami_reconnect_min": 0.5, "ami_reconnect_max": 30.0,
    })
    service = build_service(settings)
    await service.start()
    try:
        await until(lambda: _has_failures(service, 1), timeout=10, every=0.05)
        await asyncio.sleep(3)  # a window in which a tight loop would have retried hundreds of times
        failures = service.ami.stats.auth_failures
        assert 1 <= failures <= 4
        assert "login refused" in service.ami.stats.last_error
        assert "HOTLINE_AMI_SECRET" in service.ami.stats.last_error
        assert "definitely-not-the-secret" not in service.ami.stats.last_error
        assert not service.ami.connected
        ready, detail = await service._pbx_ready()
        assert not ready and "login refused" in detail
    finally:
        await service.stop()


async def _has_failures(service, count: int) -> bool:
    return service.ami.stats.auth_failures >= count


async def test_asterisk_crash_mid_call_is_resynced_and_the_lost_call_closed(pbx, hotline_service):
    """No hangup events at all (SIGKILL): only the resync after reconnect can tell the call is gone."""
    service = hotline_service.service
    placed = await long_answered_call(pbx, hotline_service)
    reconnects = service.ami.stats.reconnects

    os.kill(pbx.pid(), signal.SIGKILL)
    await until(lambda: _disconnected(service), timeout=15)
    await sandbox.up(pbx.settings)  # the operator (or systemd) starts it again

    lost = await hotline_service.wait_call(placed.uniqueid, ended, timeout=60)
    assert lost["ended_cause"] == "lost_during_outage"
    assert "reconnect" in lost["states"][-1]["detail"]
    await until(lambda: _reconnected(service, reconnects), timeout=30)
    assert service.telephony.calls.tracker.active_calls == 0


async def _disconnected(service) -> bool:
    return not service.ami.connected
