"""Migration 0008 fills the tenant rows already there: their housing's scope columns and their
normalised search text, as the import writes them for new rows."""

from tortoise import Tortoise
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from bailleurs.db import migrate_database, tortoise_config


async def test_existing_tenants_carry_their_housing_and_search_text(empty_database_url):
    # given: a database as 0007 left it, with a tenant in a housing
    config = tortoise_config(empty_database_url)
    await Tortoise.init(config=config)
    try:
        connection = Tortoise.get_connection("default")
        executor = MigrationExecutor(connection, config["apps"])
        await executor.migrate([MigrationTarget("models", "0007_activation_letters")])
        for sql in (
            "INSERT INTO organisation (id, name, user_number, convention_name, convention_state, "
            "initial_identifier, created_at) VALUES (7, 'A', 'AAAAAAAAAAAAAA', 'c', 's', 'P1', "
            "CURRENT_TIMESTAMP)",
            "INSERT INTO housing (id, organisation_id, ref, housing_type, address, postal_code, "
            "commune, departement) VALUES (3, 7, 'h', 'prive', '1 RUE', '97110', "
            "'Pointe-à-Pitre', '971')",
            "INSERT INTO tenant (id, housing_id, allocataire_number, last_name, first_name, "
            "colocation) VALUES (5, 3, '0001234', 'LÆTITIA', 'Céline', false)",
        ):
            await connection.execute_query(sql)
    finally:
        await Tortoise.close_connections()
    # when
    await migrate_database(empty_database_url)
    # then
    await Tortoise.init(config=config)
    try:
        rows = await Tortoise.get_connection("default").execute_query_dict(
            "SELECT organisation_id, housing_type, departement, search_text FROM tenant")
    finally:
        await Tortoise.close_connections()
    assert [tuple(r.values()) for r in rows] == [
        (7, "prive", "971", "LAETITIA CELINE POINTE A PITRE 0001234 97110")]
