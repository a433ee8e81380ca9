"""A database holding rows that point at each other migrates to the current schema: SQLite
rebuilds `organisation` (0007) and `tenant` (0008) with foreign keys off around the rebuild,
then checks them (a database with housing under an organisation failed at 0007 before)."""

from tortoise import Tortoise

from bailleurs.db import migrate_database, tortoise_config
from tests.support.migrations import stopped_at


async def test_rows_pointing_at_rebuilt_tables_survive_every_migration(empty_database_url):
    # given: a database as 0006 left it, with an organisation, its housing and a tenant there
    await stopped_at(
        empty_database_url, "0006_one_email_per_active_user",
        "INSERT INTO organisation (id, name, user_number, convention_name, convention_state, "
        "initial_identifier, created_at, postal_address) VALUES (7, 'A', 'AAAAAAAAAAAAAA', 'c', "
        "'s', 'P1', CURRENT_TIMESTAMP, 'SCI A\n12 RUE DES LILAS\n14000 CAEN')",
        "INSERT INTO housing (id, organisation_id, ref, housing_type, address, postal_code, "
        "commune, departement) VALUES (3, 7, 'h', 'prive', '1 RUE', '14000', 'CAEN', '14')",
        "INSERT INTO tenant (id, housing_id, allocataire_number, last_name, first_name, "
        "colocation) VALUES (5, 3, '0001234', 'LÆTITIA', 'Céline', false)")
    # when
    await migrate_database(empty_database_url)
    # then: every row is there, still pointing at its parent, the address carried over
    await Tortoise.init(config=tortoise_config(empty_database_url))
    try:
        connection = Tortoise.get_connection("default")
        _, rows = await connection.execute_query(
            "SELECT o.postal_code, o.postal_commune, h.id AS housing, t.organisation_id, "
            "t.departement, t.search_text FROM tenant t JOIN housing h ON h.id = t.housing_id "
            "JOIN organisation o ON o.id = h.organisation_id")
        assert [dict(r) for r in rows] == [{
            "postal_code": "14000", "postal_commune": "CAEN", "housing": 3,
            "organisation_id": 7, "departement": "14", "search_text": rows[0]["search_text"]}]
        assert "LAETITIA" in rows[0]["search_text"]
    finally:
        await Tortoise.close_connections()
