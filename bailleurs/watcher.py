"""Keeps the policy caches of several processes in sync through PostgreSQL LISTEN/NOTIFY.

A policy change announces its domain with `pg_notify` inside its own transaction, so the
notification leaves exactly when the change commits (a process killed between the commit and a
later NOTIFY would otherwise leave the others serving revoked rights forever). Every process
listens on one dedicated asyncpg connection and forgets only the domain named.

While that connection is down, notifications are lost: the registry then stops trusting its
caches (every request reloads its domain) until LISTEN is back, when everything is forgotten once.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from policies.enforcers import EnforcerRegistry

log = logging.getLogger("bailleurs.watcher")
CHANNEL = "bailleurs_policy"
APPLICATION_NAME = "bailleurs-policy-watcher"  # to find the connection in pg_stat_activity


def is_postgres(database_url: str) -> bool:
    return database_url.split("://", 1)[0] in {"postgres", "postgresql", "asyncpg", "psycopg"}


def asyncpg_dsn(database_url: str) -> str:
    """Tortoise's URL as asyncpg wants it (its own scheme and no Tortoise query options)."""
    parts = urlsplit(database_url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


async def announce(connection, domain: str) -> None:
    """NOTIFY `domain` on the given (transaction) connection; delivered at commit."""
    if getattr(connection.capabilities, "dialect", "") == "postgres":
        await connection.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, domain])


class PolicyWatcher:
    def __init__(self, database_url: str, registry: EnforcerRegistry, *,
                 ping_seconds: float = 2.0, timeout_seconds: float = 5.0) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._registry = registry
        self._ping_seconds = ping_seconds
        self._timeout = timeout_seconds
        self.listening = asyncio.Event()
        self.reconnections = 0

    def _on_notify(self, _conn, _pid: int, _channel: str, payload: str) -> None:
        self._registry.invalidate(payload)

    async def _listen_once(self) -> None:
        conn = await asyncpg.connect(
            self._dsn, timeout=self._timeout, command_timeout=self._timeout,
            server_settings={"application_name": APPLICATION_NAME},
        )
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _c: lost.set())
        try:
            await conn.add_listener(CHANNEL, self._on_notify)
            # Anything committed before LISTEN took effect may have been missed.
            self._registry.trust(True)
            self.listening.set()
            log.info("policy watcher listening")
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), self._ping_seconds)
                except TimeoutError:
                    # A silent network drop never fires the termination listener: ping.
                    await conn.fetchval("SELECT 1", timeout=self._timeout)
        finally:
            self.listening.clear()
            self._registry.trust(False)
            conn.terminate()

    async def run(self) -> None:
        self._registry.trust(False)
        delay = 0.1
        while True:
            try:
                await self._listen_once()
                delay = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection refused, reset, timeout: try again
                log.warning("policy watcher disconnected", extra={"error": type(exc).__name__})
            self.reconnections += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
