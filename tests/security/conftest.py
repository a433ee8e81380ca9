"""The attacks of issue 13, as the reviewer ran them: bursts of parallel requests over HTTP."""

import asyncio
import time

import pytest

from models import OutboxMail


@pytest.fixture(autouse=True)
async def drained_outbox(api, smtp):
    """A burst queues mails (locks, resets): let the sender deliver them before the app stops,
    so that shutting down never cancels a delivery halfway."""
    yield
    deadline = time.monotonic() + 30
    while await OutboxMail.filter(sent_at=None).exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
