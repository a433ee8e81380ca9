"""Totals without counting: totalCount and rentCampaign are sums of counters that the database
keeps in the transaction of every write; they stay exact under parallel declarations, imports
that move housing and tenants, and a migration that fills them from existing rows."""

from __future__ import annotations

import asyncio
import importlib
import inspect

from tortoise import Tortoise
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from bailleurs.db import migrate_database, tortoise_config
from models import Organisation, User
from policies.vocabulary import Role
from resolvers.declarations.counters import SEARCH_COUNT_CAP
from tests.declarations.counting import (
    PAGE,
    assert_counters_exact,
    declare,
    full_count,
    organisation_with_admin,
    readable_states,
    served_states,
)
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
    tenants_of,
)

YEAR = 2026  # the test settings' campaign


async def test_twenty_parallel_declarations_leave_the_counts_exact(api):
    # given: 24 tenants over two (type, département) pairs, and a user seeing one of them
    organisation, token = await organisation_with_admin(
        api, "PARALLELE", [("CONVENTIONNE", "14", 12), ("PRIVE", "2A", 12)])
    tenants = sorted(await tenants_of(organisation), key=lambda t: t.id)
    reader = await make_user(api, organisation, "PARALLELE.LECTEUR",
                             groups=(await group(organisation, "conventionne", "14"),))
    reader_token = await api.login(reader.identifier, PASSWORD)
    # when: 20 declarations at once (14 transmitted, 6 left as drafts), 6 of them twice at once
    jobs = [declare(api, token, t, transmit=i < 14) for i, t in enumerate(tenants[:20])]
    jobs += [declare(api, token, t, transmit=True) for t in tenants[:6]]
    outcomes = await asyncio.gather(*jobs)
    # then: each tenant's declaration counted once, in its final state
    assert outcomes.count("TRANSMIS") == 14 and outcomes[14:20] == ["brouillon"] * 6
    await assert_counters_exact()
    for who, user_token in (("PARALLELE.ADMIN", token), (reader.identifier, reader_token)):
        user = await User.get(identifier=who)
        expected = await readable_states(user.id, organisation.id, YEAR)
        assert await served_states(api, user_token) == expected
    admin_view = await served_states(api, token)
    assert (admin_view["*"], admin_view["transmis"], admin_view["brouillon"]) == (24, 14, 6)


async def test_declarations_during_an_import_into_the_same_pairs_stay_exact(api):
    # given: an organisation with declarations under way, its file as the agency holds it
    data = organisation_data("PENDANT", [("CONVENTIONNE", "14", 10), ("PRIVE", "2A", 10)])
    await import_organisations(api, data)
    organisation = await Organisation.get(name="PENDANT")
    admin = await make_user(api, organisation, "PENDANT.ADMIN", roles=(Role.ADMINISTRATEUR,))
    token = await api.login(admin.identifier, PASSWORD)
    tenants = sorted(await tenants_of(organisation), key=lambda t: t.id)
    # when: the next import (a new organisation first, whose groups it records in the audit
    # trail, then more tenants in the same pairs, and a housing moved to the 971) runs while 20
    # declarations are made on its tenants
    data["housings"][0].update(departement="971", postalCode="97110")
    for housing in data["housings"]:
        housing["tenants"] += organisation_data("X", [("PRIVE", "14", 10)])["housings"][0][
            "tenants"]
    newcomer = organisation_data("NOUVELLE", [("PRIVE", "75", 3), ("CONVENTIONNE", "14", 3)])
    jobs = [declare(api, token, t, transmit=i % 2 == 0) for i, t in enumerate(tenants)]
    outcomes = await asyncio.gather(import_organisations(api, newcomer, data), *jobs)
    # then
    assert outcomes[1:].count("TRANSMIS") == 10 and outcomes[1:].count("brouillon") == 10
    await assert_counters_exact()
    served = await served_states(api, token)
    assert (served["*"], served["transmis"], served["brouillon"]) == (40, 10, 10)
    moved = (await full_count())[(organisation.id, "conventionne", "971", YEAR, "transmis")]
    assert moved == 5


async def test_an_import_that_moves_housing_and_tenants_moves_their_counts(api):
    # given: declarations in both states on tenants of two housings
    data = organisation_data("DEMENAGE", [("CONVENTIONNE", "14", 3), ("PRIVE", "2A", 3)])
    await import_organisations(api, data)
    organisation = await Organisation.get(name="DEMENAGE")
    admin = await make_user(api, organisation, "DEMENAGE.ADMIN", roles=(Role.ADMINISTRATEUR,))
    token = await api.login(admin.identifier, PASSWORD)
    by_number = {t.allocataire_number: t for t in await tenants_of(organisation)}
    first, second = data["housings"]
    await declare(api, token, by_number[first["tenants"][0]["allocataireNumber"]], True)
    await declare(api, token, by_number[first["tenants"][1]["allocataireNumber"]], False)
    await declare(api, token, by_number[second["tenants"][0]["allocataireNumber"]], True)
    # when: the next import moves the first housing to the 971 and a tenant to the other housing
    first["departement"], first["postalCode"] = "971", "97110"
    second["tenants"].append(first["tenants"].pop(1))
    await import_organisations(api, data)
    # then
    await assert_counters_exact()
    key = (organisation.id, "conventionne", "971")
    counts = await full_count()
    assert (counts[(*key, 0, "tenant")], counts[(*key, YEAR, "transmis")]) == (2, 1)
    assert counts[(organisation.id, "prive", "2A", YEAR, "brouillon")] == 1
    viewer = await make_user(api, organisation, "DEMENAGE.971",
                             groups=(await group(organisation, "conventionne", "971"),))
    served = await served_states(api, await api.login(viewer.identifier, PASSWORD))
    assert served == await readable_states(viewer.id, organisation.id, YEAR)
    assert (served["*"], served["transmis"], served["non_saisi"]) == (2, 1, 1)


async def test_a_search_counts_up_to_its_cap_and_says_so(api):
    # given: one more tenant than the cap, all named NOM…
    organisation, token = await organisation_with_admin(
        api, "NOMBREUSE", [("CONVENTIONNE", "14", SEARCH_COUNT_CAP + 1)])
    one = (await tenants_of(organisation))[0]
    # when
    many = await api.ok(PAGE, {"first": 5, "filter": {"search": "nom"}}, token)
    exact = await api.ok(PAGE, {"first": 5, "filter": {"search": one.last_name}}, token)
    everyone = await api.ok(PAGE, {"first": 5}, token)
    # then: the search's total stops at the cap and says so; the scope's total is exact
    assert (many["tenants"]["totalCount"], many["tenants"]["totalCountExact"]) == (
        SEARCH_COUNT_CAP, False)
    assert (exact["tenants"]["totalCount"], exact["tenants"]["totalCountExact"]) == (1, True)
    assert (everyone["tenants"]["totalCount"], everyone["tenants"]["totalCountExact"]) == (
        SEARCH_COUNT_CAP + 1, True)


async def test_a_page_past_the_end_still_tells_the_total(api):
    # given: three tenants, one of them transmitted, read three at a time
    organisation, token = await organisation_with_admin(api, "PETITE", [("PRIVE", "2A", 3)])
    tenant = (await tenants_of(organisation))[0]
    await declare(api, token, tenant, transmit=True)
    for filter_, total in (({}, 3), ({"declarationState": "TRANSMIS"}, 1),
                           ({"declarationState": "NON_SAISI"}, 2),
                           ({"search": tenant.first_name}, 1)):
        page = (await api.ok(PAGE, {"first": 3, "filter": filter_}, token))["tenants"]
        # when: the next page, which is empty
        after = page["pageInfo"]["endCursor"]
        rest = (await api.ok(PAGE, {"first": 3, "after": after, "filter": filter_}, token))
        # then
        assert (page["totalCount"], len(page["edges"])) == (total, total)
        assert (rest["tenants"]["totalCount"], rest["tenants"]["edges"]) == (total, [])
    transmitted = await api.ok(PAGE, {"first": 3, "filter": {"declarationState": "TRANSMIS"}},
                               token)
    assert [(e["node"]["id"], e["node"]["declarationState"])
            for e in transmitted["tenants"]["edges"]] == [(str(tenant.id), "TRANSMIS")]


async def test_the_migration_counts_the_rows_already_there(empty_database_url):
    # given: a database as 0007 left it, with tenants and declarations
    config = tortoise_config(empty_database_url)
    await Tortoise.init(config=config)
    try:
        connection = Tortoise.get_connection("default")
        await MigrationExecutor(connection, config["apps"]).migrate(
            [MigrationTarget("models", "0007_activation_letters")])
        for sql in (
            "INSERT INTO organisation (name, user_number, convention_name, convention_state, "
            "initial_identifier, created_at) VALUES ('A', 'AAAAAAAAAAAAAA', 'c', 's', 'P1', "
            "CURRENT_TIMESTAMP)",
            "INSERT INTO housing (organisation_id, ref, housing_type, address, postal_code, "
            "commune, departement) SELECT id, 'h1', 'prive', 'a', '14000', 'CAEN', '14' "
            "FROM organisation",
            "INSERT INTO housing (organisation_id, ref, housing_type, address, postal_code, "
            "commune, departement) SELECT id, 'h2', 'conventionne', 'a', '20000', 'AJACCIO', "
            "'2A' FROM organisation",
            "INSERT INTO tenant (housing_id, allocataire_number, last_name, first_name, "
            "colocation) SELECT id, ref || '1', 'N', 'P', false FROM housing",
            "INSERT INTO tenant (housing_id, allocataire_number, last_name, first_name, "
            "colocation) SELECT id, ref || '2', 'N', 'P', false FROM housing WHERE ref = 'h1'",
            "INSERT INTO rent_declaration (tenant_id, year, state, amount_confirmed, created_at, "
            "updated_at) SELECT id, 2026, CASE WHEN allocataire_number = 'h11' THEN 'transmis' "
            "ELSE 'non_saisi' END, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM tenant",
        ):
            await connection.execute_query(sql)
    finally:
        await Tortoise.close_connections()
    # when
    await migrate_database(empty_database_url)
    # then
    await Tortoise.init(config=config)
    try:
        await assert_counters_exact()
        assert sorted((await full_count()).values()) == [1, 1, 2]
    finally:
        await Tortoise.close_connections()


def test_counting_waits_for_the_same_lock_as_the_audit_trail():
    # One lock order for every writer (see migration 0009): should the audit chain change its
    # lock, the counters' triggers must follow it.
    migration = importlib.import_module("models.migrations.0009_tenant_counts")
    source = inspect.getsource(importlib.import_module("resolvers.audit.chain"))
    assert f"pg_advisory_xact_lock({migration.WRITERS_LOCK})" in source
