"""Background tasks of a service process: the outbox mail sender."""

from __future__ import annotations

import asyncio

from resolvers.context import Services


async def start_background(services: Services) -> list[asyncio.Task]:
    from bailleurs.mail import run_sender

    return [asyncio.create_task(run_sender(services), name="mail-sender")]
