"""API test helpers: one user and bearer token per role, on the test's database (``db_sessionmaker``)."""
from __future__ import annotations

import pytest

from hotline.auth.service import create_user


@pytest.fixture
async def tokens(db_sessionmaker) -> dict[str, str]:
    """role -> bearer token of a user ``<role>-1`` with that role."""
    tokens = {}
    async with db_sessionmaker() as session:
        for role in ("agent", "supervisor", "qa", "dpo", "admin"):
            _, tokens[role] = await create_user(session, f"{role}-1", role)
        await session.commit()
    return tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
