"""A database left at a given migration, with rows written as that schema stood."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from bailleurs.db import tortoise_config
from resolvers.declarations.tenant_pages import read_page

# Two organisations (7 and 8), each with one private housing in 971: what the search
# migrations' tests (0018, 0019) write before their tenants.
TWO_ORGANISATIONS = (
    "INSERT INTO organisation (id, name, user_number, convention_name, convention_state, "
    "initial_identifier, created_at) VALUES (7, 'A', 'AAAAAAAAAAAAAA', 'c', 's', 'P1', "
    "CURRENT_TIMESTAMP), (8, 'B', 'BBBBBBBBBBBBBB', 'c', 's', 'P2', CURRENT_TIMESTAMP)",
    "INSERT INTO housing (id, organisation_id, ref, housing_type, address, postal_code, "
    "commune, departement) VALUES (3, 7, 'h', 'prive', '1 RUE', '97110', 'POINTE', "
    "'971'), (4, 8, 'h', 'prive', '1 RUE', '97110', 'POINTE', '971')",
)
PRIVE_971 = [("prive", "971")]


async def found(term: str, arms=PRIVE_971) -> list[int]:
    """The ids of organisation 7's first 10 tenants searched for `term` within `arms`."""
    return [t.id for t in await read_page(7, arms, 10, None, 2026, None, term)]


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
