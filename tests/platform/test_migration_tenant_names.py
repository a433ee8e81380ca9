"""Migration 0019 fills the tenants already there: each row's other text (its search text less
its last name; a hand-written search text not starting with the name is rewritten from the
row's columns) and the last names' dictionary; searches then page by name groups, and later
writes keep the dictionary (its triggers)."""

from tortoise import Tortoise

from bailleurs.db import migrate_database, tortoise_config
from tests.declarations.test_tenant_names import assert_names_exact
from tests.support.migrations import TWO_ORGANISATIONS, found, stopped_at


async def test_existing_tenants_get_their_other_text_and_names(empty_database_url):
    # given: a database as 0018 left it, tenants sharing names, spelt with accents, ligatures,
    # one whose search text was written by hand
    await stopped_at(
        empty_database_url, "0018_search_index",
        *TWO_ORGANISATIONS,
        "INSERT INTO tenant (id, housing_id, allocataire_number, last_name, first_name, "
        "colocation, organisation_id, housing_type, departement, search_text) VALUES "
        "(5, 3, '0001234', 'LÆTITIA', 'Céline', false, 7, 'prive', '971', "
        "'LAETITIA CELINE POINTE 0001234 97110'), "
        "(6, 3, '0001235', 'MARTIN', 'Luc', false, 7, 'prive', '971', "
        "'MARTIN LUC POINTE 0001235 97110'), "
        "(10, 3, '0001237', 'MARTIN', 'Marthe', false, 7, 'prive', '971', "
        "'MARTIN MARTHE POINTE 0001237 97110'), "
        "(11, 3, '0001238', 'd''Œuf', 'Anne', false, 7, 'prive', '971', 'written by hand'), "
        "(9, 4, '0001236', 'LÆTITIA', 'Anne', false, 8, 'prive', '971', "
        "'LAETITIA ANNE POINTE 0001236 97110')")
    # when
    await migrate_database(empty_database_url)
    # then: texts and names exact; searches by name, by first name, in one organisation
    await Tortoise.init(config=tortoise_config(empty_database_url))
    try:
        await assert_names_exact()
        assert await found("LAETITIA") == [5]
        assert await found("MART") == [6, 10]
        assert await found("MARTHE") == [10]
        assert await found("OEUF") == [11]
        assert await found("ANNE") == [11]
        assert await found("POINTE") == [5, 6, 10, 11]
        # when: a row is renamed, one goes (the triggers follow)
        connection = Tortoise.get_connection("default")
        await connection.execute_query(
            "UPDATE tenant SET last_name = 'ROUX', search_text = 'ROUX ' || other_text "
            "WHERE id = 6")
        await connection.execute_query("DELETE FROM tenant WHERE id = 10")
        # then
        await assert_names_exact()
        assert await found("MART") == []
        assert await found("ROUX") == [6]
    finally:
        await Tortoise.close_connections()
