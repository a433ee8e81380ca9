"""Start-up time and resident memory of one worker; outbox delivery rate; receipt rendering."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx
from tortoise import Tortoise

from bailleurs.db import tortoise_config
from bailleurs.settings import load
from bench.data import AGENT_TOKEN
from bench.page import PAGE_BODY
from bench.queries import ME_QUERY
from bench.server import Server, cpu_seconds, free_port, rss_mib


def worker_footprint(database_url: str) -> dict:
    """One uvicorn worker: time to answer /health, RSS then, and after a `me` and a page."""
    with Server(database_url) as server:
        pid = server.process.pid
        idle, startup_cpu = rss_mib(pid), cpu_seconds(pid)
        headers = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        for body in ({"query": ME_QUERY}, PAGE_BODY):
            httpx.post(f"{server.url}/graphql", json=body, headers=headers, timeout=30)
        return {"startup_s": server.startup_s, "startup_cpu_s": startup_cpu, "rss_idle_mib": idle,
                "rss_after_requests_mib": rss_mib(pid)}


async def _outbox_rate(database_url: str, mails: int) -> dict:
    from aiosmtpd.controller import Controller

    from bailleurs.mail import send_due
    from models import OutboxMail
    from resolvers.shared.outbox import queue_mail

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            Sink.received += 1
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    settings = replace(load(), smtp_url=f"smtp://127.0.0.1:{port}")
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        await OutboxMail.all().delete()
        for i in range(mails):
            await queue_mail(f"user{i}@bailleur.example", "Offre Bailleurs : test",
                             "Bonjour,\n\nCeci est un message de mesure.\n")
        started = time.perf_counter()
        sent = 0
        while sent < mails:
            done = await send_due(settings, limit=50)
            if done == 0:
                break
            sent += done
        elapsed = time.perf_counter() - started
        await OutboxMail.all().delete()
    finally:
        await Tortoise.close_connections()
        controller.stop()
    return {"mails": mails, "sent": sent, "received": Sink.received,
            "per_s": sent / elapsed if elapsed else 0.0}


def outbox_rate(database_url: str, mails: int) -> dict:
    return asyncio.run(_outbox_rate(database_url, mails))


def receipt_render(renders: int) -> dict:
    """The receipt PDF of a transmitted demo declaration (bench/receipt_render.py)."""
    from bench import receipt_render

    return asyncio.run(receipt_render.measure(renders))
