"""Exactly-once callbacks across a crash: the service (a real process) is killed with SIGKILL while its dialer has
a callback in progress on the sandbox PBX; after the restart the task is neither lost nor dialled twice.

Two cases: the conversation ends while the service is down (the restarted service reads the result the dialplan
kept in AstDB), and it is still going on when the service is back (the restarted service follows it to its end).
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from core import dialplan
from core.db import make_engine
from hotline import migrate
from telephony.callbacks.service import CallbackService
from telephony.calls.queries import get_call
from tests.pbx_sandbox import free_tcp_ports
from tests.profiles import always_open_profile
from tests.service_fixture import until

pytestmark = pytest.mark.pbx

CLIENT = "+37060000093"   # made up
CLIENT_DIGITS = CLIENT.lstrip("+")
CLIENT_TALKS = 12         # seconds the client stays on the line once answered
REPO = Path(__file__).resolve().parents[3]   # the repository root (tests/telephony/callbacks/ is three below)


def service_env(pbx, tmp_path: Path, database_url: str) -> dict[str, str]:
    (http_port,) = free_tcp_ports(1)
    return {**os.environ, "HOTLINE_PBX_INSTANCE": pbx.settings.pbx_instance,
            "HOTLINE_AMI_PORT": str(pbx.ami_port), "HOTLINE_AGI_PORT": str(pbx.agi_port),
            "HOTLINE_PBX_CACHE_DIR": str(pbx.settings.pbx_cache_dir), "HOTLINE_VAR_DIR": str(tmp_path),
            "HOTLINE_HTTP_PORT": str(http_port), "HOTLINE_DATABASE_URL": database_url,
            "HOTLINE_PROFILE": str(always_open_profile(tmp_path)), "HOTLINE_IVR_ENABLED": "false",
            "HOTLINE_DIALER_WORKER": "restart-drill"}


async def start_service(env: dict[str, str], log_path: Path) -> asyncio.subprocess.Process:
    with log_path.open("ab") as log_file:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "hotline", "run", cwd=REPO, env=env,
                                                    stdout=log_file, stderr=log_file)


@pytest.mark.parametrize("ended_while_down", [True, False], ids=["ended-while-down", "still-up-after-restart"])
async def test_a_service_killed_mid_callback_neither_loses_nor_redials_the_task(pbx, tmp_path, ended_while_down):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'hotline.sqlite3'}"
    await migrate.upgrade(database_url)
    engine = make_engine(database_url)
    callbacks = CallbackService(engine)
    task_id = await callbacks.request_callback(CLIENT, "missed")
    await pbx.set_all_agents(answer_after=1, talk=120)
    await pbx.set_public_phones(talk=CLIENT_TALKS)
    env, log_path = service_env(pbx, tmp_path, database_url), tmp_path / "service.log"
    restarted = None
    try:
        async with pbx.events() as log:
            first = await start_service(env, log_path)
            client_phone = await log.wait_for_trunk_dial(CLIENT_DIGITS, timeout=60)
            await log.wait_for("Newstate", Uniqueid=client_phone["DestUniqueid"], ChannelStateDesc="Up")
            first.send_signal(signal.SIGKILL)   # mid-conversation: no chance to clean up
            await first.wait()
            assert (await callbacks.get(task_id)).state == "dialing"
            if ended_while_down:
                await log.wait_for("UserEvent", timeout=60, UserEvent=dialplan.USEREVENT_CALLBACK_RESULT)

            restarted = await start_service(env, log_path)

            async def settled() -> bool:
                return (await callbacks.get(task_id)).state != "dialing"

            await until(settled, timeout=60)
            result = await log.wait_for("UserEvent", UserEvent=dialplan.USEREVENT_CALLBACK_RESULT)
            task = await callbacks.get(task_id)

            async def produced_call_closed() -> bool:   # the call history is closed too, not left "live"
                view = await get_call(engine, task.dial_call_id)
                return view is not None and view.state == "ended"

            await until(produced_call_closed, timeout=30)
            produced = await get_call(engine, task.dial_call_id)
    finally:
        if restarted is not None and restarted.returncode is None:
            restarted.terminate()
            await restarted.wait()
        await engine.dispose()

    assert (task.state, task.attempts) == ("done", 1), log_path.read_text()[-3000:]
    assert result["Uniqueid"] == task.dial_call_id
    assert (produced.direction, produced.ended_cause) == ("outbound", "completed")
    assert len(log.trunk_dials(CLIENT_DIGITS)) == 1   # the client was dialled once, across the crash
