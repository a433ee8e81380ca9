"""A database left at a given migration, with rows written as that schema stood."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from bailleurs.db import tortoise_config


async def stopped_at(database_url: str, migration: str, *statements: str) -> None:
    """Migrate `database_url` up to `migration` (of the models app) and run `statements`."""
    config = tortoise_config(database_url)
    await Tortoise.init(config=config)
    try:
        connection = Tortoise.get_connection("default")
        await MigrationExecutor(connection, config["apps"]).migrate(
            [MigrationTarget("models", migration)])
        for sql in statements:
            await connection.execute_query(sql)
    finally:
        await Tortoise.close_connections()
