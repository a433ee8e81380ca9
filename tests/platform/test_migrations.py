"""Schema changes go through migrations: from empty to current, idempotent, in sync with models."""

from pathlib import Path

from tortoise import Tortoise
from tortoise.migrations.executor import MigrationExecutor

from bailleurs.db import init_database, migrate_database, tortoise_config
from models import __models__

APP = "models"
# Every migration file of the app, in order (0001_initial, 0002_…).
MIGRATIONS = sorted(
    p.stem for p in (Path(__file__).parents[2] / "models" / "migrations").glob("[0-9]*.py")
)


async def pending(database_url: str) -> list:
    config = tortoise_config(database_url)
    await Tortoise.init(config=config)
    try:
        executor = MigrationExecutor(Tortoise.get_connection("default"), config["apps"])
        return await executor.plan()
    finally:
        await Tortoise.close_connections()


async def snapshot(database_url: str) -> tuple[list, dict[str, int]]:
    await init_database(database_url)
    try:
        applied = await Tortoise.get_connection("default").execute_query_dict(
            "SELECT app, name FROM tortoise_migrations ORDER BY id")
        counts = {m.__name__: await m.all().count() for m in __models__}
        return applied, counts
    finally:
        await Tortoise.close_connections()



async def test_empty_database_migrates_to_current_and_again_changes_nothing(empty_database_url):
    # given: a database without a single table
    assert await pending(empty_database_url)
    # when
    await migrate_database(empty_database_url)
    first = await snapshot(empty_database_url)
    await migrate_database(empty_database_url)
    # then: every model's table answers, and a second run applies nothing more
    applied, counts = first
    assert [row["name"] for row in applied] == MIGRATIONS and MIGRATIONS[0] == "0001_initial"
    assert set(counts.values()) == {0} and len(counts) == len(__models__)
    assert await snapshot(empty_database_url) == first
    assert await pending(empty_database_url) == []


async def test_models_and_migrations_are_in_sync(database_url):
    from tortoise.migrations.autodetector import MigrationAutodetector

    config = tortoise_config(database_url)
    await Tortoise.init(config=config)
    try:
        detector = MigrationAutodetector(Tortoise.apps, {APP: config["apps"][APP]})
        changes = await detector.changes()
    finally:
        await Tortoise.close_connections()
    # `makemigrations` would write these: a model changed without its migration
    assert [(w.name, [type(op).__name__ for op in w.operations]) for w in changes] == []


async def test_the_free_text_postal_address_is_carried_into_its_parts(empty_database_url):
    # given: a database as 0002 left it, with two free-text addresses
    from tortoise.migrations.executor import MigrationTarget

    config = tortoise_config(empty_database_url)
    await Tortoise.init(config=config)
    try:
        connection = Tortoise.get_connection("default")
        executor = MigrationExecutor(connection, config["apps"])
        await executor.migrate([MigrationTarget(APP, "0002_audit_append_only")])
        await connection.execute_query(
            "INSERT INTO organisation (name, user_number, convention_name, convention_state, "
            "postal_address, initial_identifier, created_at) VALUES "
            "('A', 'AAAAAAAAAAAAAA', 'c', 's', '12 RUE X\n3E ETAGE\n14000 CAEN', 'P1', "
            "CURRENT_TIMESTAMP), ('B', 'BBBBBBBBBBBBBB', 'c', 's', 'ailleurs', 'P2', "
            "CURRENT_TIMESTAMP)")
    finally:
        await Tortoise.close_connections()
    # when
    await migrate_database(empty_database_url)
    # then: what reads as an address is carried over; the rest waits for the next import
    await Tortoise.init(config=config)
    try:
        rows = await Tortoise.get_connection("default").execute_query_dict(
            "SELECT postal_line1, postal_line2, postal_code, postal_commune FROM organisation "
            "ORDER BY name")
    finally:
        await Tortoise.close_connections()
    assert [tuple(r.values()) for r in rows] == [
        ("12 RUE X", "3E ETAGE", "14000", "CAEN"), (None, None, None, None)]
