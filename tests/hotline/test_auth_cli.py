"""`hotline users …` from the shell: the printed token authenticates against the web app."""
from __future__ import annotations

import asyncio
import os
import sys

from hotline.web import HotlineMetrics, WebDeps, create_app


async def hotline(args: list[str], db_url: str, cwd) -> tuple[int, str, str]:
    # cwd is a scratch directory so a developer's .env in the repo cannot redirect the test's database.
    env = {**os.environ, "HOTLINE_DATABASE_URL": db_url}
    env.pop("HOTLINE_DEBUG", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hotline", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def test_created_admin_token_authenticates(db_url, tmp_path, aiohttp_client, db_engine):
    code, out, err = await hotline(["users", "create", "--role", "admin", "root"], db_url, tmp_path)
    assert code == 0, err
    token = out.strip()
    assert len(token) >= 43 and "\n" not in token

    client = await aiohttp_client(create_app(WebDeps.create(db_engine, HotlineMetrics().registry)))
    response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    assert await response.json() == {"name": "root", "role": "admin", "extension": None, "can_see_numbers": False}

    code, out, err = await hotline(["users", "revoke", "root"], db_url, tmp_path)
    assert (code, out.strip()) == (0, "revoked 1 token(s) of root")
    assert (await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status == 401


async def test_users_command_errors_and_listing(db_url, tmp_path):
    code, _, err = await hotline(["users", "create", "--role", "agent", "--extension", "1001", "ona"], db_url, tmp_path)
    assert code == 0, err
    code, _, err = await hotline(["users", "create", "--role", "agent", "ona"], db_url, tmp_path)
    assert code == 1 and "already exists" in err and "hotline users token ona" in err

    code, out, _ = await hotline(["users", "create", "--role", "agent", "--exist-ok", "ona"], db_url, tmp_path)
    assert code == 0 and len(out.strip()) >= 43
    code, _, err = await hotline(["users", "create", "--role", "qa", "--exist-ok", "ona"], db_url, tmp_path)
    assert code == 1 and "exists with role 'agent'" in err

    code, out, _ = await hotline(["users", "list"], db_url, tmp_path)
    assert out.splitlines() == ["ona\tagent\t1001\tactive\t2 live token(s)"]


async def test_a_token_lives_as_many_hours_as_asked_within_a_month(db_url, tmp_path, db_sessionmaker):
    from sqlalchemy import select

    from core.clock import utcnow
    from hotline.auth.models import Token

    code, _, err = await hotline(["users", "create", "--role", "supervisor", "--hours", "720", "wall"], db_url,
                                 tmp_path)
    assert code == 0, err
    async with db_sessionmaker() as session:
        [expires_at] = (await session.scalars(select(Token.expires_at))).all()
    hours = (expires_at - utcnow()).total_seconds() / 3600
    assert 719 < hours <= 720
    code, _, err = await hotline(["users", "token", "--hours", "745", "wall"], db_url, tmp_path)
    assert code != 0 and "at most 744 hours" in err
