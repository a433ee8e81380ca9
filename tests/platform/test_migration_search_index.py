"""Migration 0018 indexes the tenants already there for the search (SQLite: the full-text table
is filled from them), and the index follows later writes of the row (SQLite: triggers)."""

from tortoise import Tortoise

from bailleurs.db import migrate_database, tortoise_config
from tests.support.migrations import TWO_ORGANISATIONS, found, stopped_at


async def test_existing_tenants_are_searched_and_later_writes_followed(empty_database_url):
    # given: a database as 0014 left it, with two tenants of one organisation, one of another
    await stopped_at(
        empty_database_url, "0014_audit_checkpoints",
        *TWO_ORGANISATIONS,
        "INSERT INTO tenant (id, housing_id, allocataire_number, last_name, first_name, "
        "colocation, organisation_id, housing_type, departement, search_text) VALUES "
        "(5, 3, '0001234', 'LÆTITIA', 'Céline', false, 7, 'prive', '971', "
        "'LAETITIA CELINE POINTE 0001234 97110'), "
        "(6, 3, '0001235', 'MARTIN', 'Luc', false, 7, 'prive', '971', "
        "'MARTIN LUC POINTE 0001235 97110'), "
        "(9, 4, '0001236', 'LÆTITIA', 'Anne', false, 8, 'prive', '971', "
        "'LAETITIA ANNE POINTE 0001236 97110')")
    # when
    await migrate_database(empty_database_url)
    # then: each is found by its organisation's scope only
    await Tortoise.init(config=tortoise_config(empty_database_url))
    try:
        assert await found("LAETITIA") == [5]
        assert await found("POINTE") == [5, 6]
        assert await found("POINTE", [("prive", None)]) == [5, 6]
        assert await found("POINTE", [("conventionne", "971")]) == []
        assert await found("ZZZZ") == []
        # when: a row's name, text and scope change as a writer writes them (other_text with
        # search_text, migration 0019), and a row goes
        connection = Tortoise.get_connection("default")
        await connection.execute_query(
            "UPDATE tenant SET last_name = 'MARTINEZ', "
            "search_text = 'MARTINEZ LUC POINTE 0001235 97110' WHERE id = 6")
        await connection.execute_query(
            "UPDATE tenant SET departement = '14', search_text = 'LAETITIA CELINE CAEN 0001234 "
            "14000', other_text = 'CELINE CAEN 0001234 14000' WHERE id = 5")
        # then
        assert await found("MARTINEZ") == [6]
        assert await found("LAETITIA") == []
        assert await found("CAEN", [("prive", "14")]) == [5]
        await connection.execute_query("DELETE FROM tenant WHERE id = 6")
        assert await found("POINTE") == []
    finally:
        await Tortoise.close_connections()
