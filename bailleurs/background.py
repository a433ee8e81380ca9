"""Background tasks of a service process: the outbox mail sender, the repayment-plan reminders
and, on PostgreSQL, the policy watcher that keeps this process's policy caches in sync with the
other processes."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from resolvers.shared.context import Services

log = logging.getLogger("bailleurs.background")


async def _purge_throttles(every_seconds: float = 3600) -> None:
    """Throttle windows last an hour at most: older rows only take space."""
    from resolvers.accounts.throttle import purge

    while True:
        try:
            await purge(timedelta(days=1))
        except Exception:  # a database hiccup must not end the task
            log.exception("throttle purge failed")
        await asyncio.sleep(every_seconds)


async def _remind_repayment_plans(services: Services) -> None:
    """Mail the reminders due before repayment-plan deadlines; what is due is read from the
    database each time, so a restart or a second process changes nothing."""
    from resolvers.declarations.repayment_reminders import queue_due_reminders
    from resolvers.shared.outbox import wake_sender

    while True:
        try:
            if await queue_due_reminders(services.settings):
                wake_sender(services)
        except Exception:  # a database hiccup must not end the task
            log.exception("repayment reminders failed")
        await asyncio.sleep(services.settings.repayment_reminder_poll_seconds)


async def _invalidate_locally(services: Services, domain: str) -> None:
    services.registry.invalidate(domain)


async def start_background(services: Services) -> list[asyncio.Task]:
    from bailleurs import watcher
    from bailleurs.mail import run_sender

    tasks = [
        asyncio.create_task(run_sender(services), name="mail-sender"),
        asyncio.create_task(_purge_throttles(), name="throttle-purge"),
        asyncio.create_task(_remind_repayment_plans(services), name="repayment-reminders"),
    ]
    services.policy_changed = lambda domain: _invalidate_locally(services, domain)
    settings = services.settings
    if watcher.is_postgres(settings.database_url):
        services.announce_policy_change = watcher.announce
        policy_watcher = watcher.PolicyWatcher(
            settings.database_url, services.registry,
            ping_seconds=settings.watcher_ping_seconds,
            timeout_seconds=settings.db_connect_timeout_seconds,
        )
        services.watcher = policy_watcher
        tasks.append(asyncio.create_task(policy_watcher.run(), name="policy-watcher"))
    return tasks
