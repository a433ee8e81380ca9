"""The counters serialise their writers per organisation (migration 0016): a transaction that
moved one organisation's housing and is still open holds back that organisation's declarations,
never another organisation's (issue 14)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from models import Housing
from resolvers.declarations.counters import COUNTER_LOCKS
from tests.conftest import PG_URL, wait_until
from tests.declarations.counting import (
    assert_counters_exact,
    declare,
    organisation_with_admin,
)
from tests.support.factories import tenants_of

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's triggers lock per organisation")


async def test_an_open_write_in_one_organisation_does_not_hold_back_another(api, database_url):
    # given: two organisations, and a transaction that moved a housing of the first (its
    # counters' triggers ran) and has not committed
    first, first_token = await organisation_with_admin(api, "VERROU", [("PRIVE", "14", 2)])
    other, other_token = await organisation_with_admin(api, "LIBRE", [("PRIVE", "14", 2)])
    [first_tenant, _] = await tenants_of(first)
    [other_tenant, _] = await tenants_of(other)
    housing = await Housing.get(id=first_tenant.housing_id)
    holder = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        async with holder.transaction():
            await holder.execute("UPDATE housing SET departement = '971', postal_code = '97110' "
                                 "WHERE id = $1", housing.id)
            await holder.execute("UPDATE tenant SET departement = '971' WHERE housing_id = $1",
                                 housing.id)
            # when: a declaration of each organisation is made meanwhile
            held_back = asyncio.create_task(declare(api, first_token, first_tenant, True))

            async def waiting() -> bool:
                return bool(await holder.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND classid = $1 AND objid = $2", COUNTER_LOCKS, first.id))

            await wait_until(waiting)
            # then: the other organisation's goes through while the first's waits
            assert await asyncio.wait_for(
                declare(api, other_token, other_tenant, True), timeout=10) == "TRANSMIS"
            assert not held_back.done()
        # and the first's goes through once the move commits, counted where the housing ended
        assert await asyncio.wait_for(held_back, timeout=10) == "TRANSMIS"
    finally:
        await holder.close()
    await assert_counters_exact()
