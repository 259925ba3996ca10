"""``nats_store``: a NatsObjectStore on the machine's NATS server (JetStream), its bucket unique to the test and
deleted after it; ``UNREACHABLE``: a NATS URL nothing listens on."""
from __future__ import annotations

import uuid

import nats
import pytest
from nats.js.errors import NotFoundError

from adapters import NatsObjectStore

NATS_URL = "nats://127.0.0.1:4222"
UNREACHABLE = "nats://127.0.0.1:1"


@pytest.fixture
async def nats_store():
    bucket = f"test-{uuid.uuid4().hex}"
    store = NatsObjectStore(NATS_URL, bucket, timeout=5.0)
    yield store
    store.close()
    client = await nats.connect(NATS_URL)
    try:
        await client.jetstream().delete_object_store(bucket)
    except NotFoundError:
        pass   # never used: never created
    finally:
        await client.close()
