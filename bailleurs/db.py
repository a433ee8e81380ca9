"""Tortoise configuration and start-up migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate

from bailleurs.settings import Settings


def _sqlite_dir(url: str) -> None:
    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


def _connection(database_url: str, settings: Settings | None) -> str | dict[str, Any]:
    """On PostgreSQL, bounded connect and command times: with the server down or stuck, a request
    fails after a few seconds instead of hanging, and the pool reconnects by itself later."""
    if settings is None or not database_url.startswith(("postgres", "asyncpg")):
        return database_url
    config = expand_db_url(database_url)
    credentials = config["credentials"]
    credentials.setdefault("timeout", settings.db_connect_timeout_seconds)
    credentials.setdefault("command_timeout", settings.db_command_timeout_seconds)
    credentials.setdefault("maxsize", settings.db_pool_size)
    credentials.setdefault("reset", _keep_session)
    # No JIT: every statement here is a short one, yet a page over many arms can be estimated
    # above jit_above_cost (a lateral over 100 arms) and compiling cost 80 ms against a 2 ms run.
    # Sent with the connection's start-up: no round trip.
    credentials.setdefault("server_settings", {"jit": "off"})
    return config


async def _keep_session(connection) -> None:  # noqa: ANN001 - asyncpg.Connection
    """Skip asyncpg's reset query on release, a second round trip after every pooled query.

    Nothing here leaves session state on a pooled connection: advisory locks are transaction
    scoped, LISTEN has a connection of its own, nothing SETs. asyncpg still rolls back a
    transaction left open before calling this."""


def tortoise_config(database_url: str, settings: Settings | None = None) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url, settings)},
        "apps": {
            "models": {
                "models": ["models"],
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate_database(database_url: str) -> None:
    """Apply pending migrations; they add, or carry data over before a column goes (0003)."""
    _sqlite_dir(database_url)
    try:
        await migrate(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


async def init_database(database_url: str, settings: Settings | None = None) -> None:
    from resolvers.audit import checkpoints

    signing = settings or Settings()
    checkpoints.configure(signing.audit_checkpoint_key, signing.audit_checkpoint_every)
    await migrate_database(database_url)
    await Tortoise.init(
        config=tortoise_config(database_url, settings), _enable_global_fallback=True
    )
