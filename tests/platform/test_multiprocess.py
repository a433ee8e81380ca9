"""Several service processes on one PostgreSQL: a habilitation revoked through one is enforced by
the others within a second (LISTEN/NOTIFY watcher), including after the listener lost its
connection. Two real uvicorn processes; bounded waits only."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
import pytest

from bailleurs.demo import DEMO_LOGINS, load_demo
from bailleurs.watcher import APPLICATION_NAME, asyncpg_dsn
from models import HabilitationGroup, User
from policies.vocabulary import org_domain, user_subject
from resolvers.habilitations.policy_changes import policy_change
from tests.conftest import PG_URL
from tests.declarations.operations import TENANTS
from tests.habilitations.operations import SET_USER_GROUPS
from tests.support.servers import ServiceProcess, service_env

pytestmark = pytest.mark.skipif(not PG_URL, reason="several processes share PostgreSQL only")

BOUND_SECONDS = 1.0


@pytest.fixture
async def demo_processes(api, settings, tmp_path):
    await load_demo(api.services.settings)
    env = service_env(settings)
    processes = [ServiceProcess(env, log_path=tmp_path / f"{name}.log") for name in "ab"]
    try:
        for process in processes:
            await asyncio.to_thread(process.start)
        yield processes
    finally:
        for process in processes:
            process.stop()


async def visible_count(process: ServiceProcess, client: httpx.AsyncClient, token: str) -> int:
    body = await process.gql(client, TENANTS, token=token)
    return body["data"]["tenants"]["totalCount"]


async def seconds_until(predicate, limit: float = 5.0) -> float:
    """Poll `predicate` until true; how long it took (fails past `limit`)."""
    started = time.monotonic()
    while not await predicate():
        assert time.monotonic() - started < limit, "condition never met"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def agent_and_group() -> tuple[User, HabilitationGroup]:
    agent = await User.get(identifier="OLIVIERS.AGENT")
    group = await HabilitationGroup.get(organisation_id=agent.organisation_id,
                                        name="Logements conventionnés – 14")
    return agent, group


async def revoke_directly(api, agent: User, group: HabilitationGroup) -> None:
    """Through the product's policy_change, in this (third) process."""
    domain = org_domain(agent.organisation_id)
    async with policy_change(api.services, domain) as enforcer:
        await enforcer.delete_roles_for_user_in_domain(
            user_subject(agent.id), f"grp:{group.id}", domain
        )


async def test_revocation_through_one_process_is_enforced_by_the_other_within_a_second(
    api, demo_processes
):
    # given: the agent's rights are cached in process B
    _, b = demo_processes
    agent, group = await agent_and_group()
    async with httpx.AsyncClient(timeout=5) as client:
        token = await b.login(client, "OLIVIERS.AGENT", DEMO_LOGINS["OLIVIERS.AGENT"])
        assert await visible_count(b, client, token) == 4
        # when
        await revoke_directly(api, agent, group)
        took = await seconds_until(lambda: _is_zero(b, client, token))
        # then
        assert took < BOUND_SECONDS
        for _ in range(10):  # and it stays revoked
            assert await visible_count(b, client, token) == 0


async def _is_zero(process, client, token) -> bool:
    return await visible_count(process, client, token) == 0


async def test_set_user_groups_on_a_is_enforced_by_b_within_a_second(api, demo_processes):
    a, b = demo_processes
    async with httpx.AsyncClient(timeout=5) as client:
        admin = await a.login(client, "OLIVIERS.ADMIN", DEMO_LOGINS["OLIVIERS.ADMIN"])
        token = await b.login(client, "OLIVIERS.AGENT", DEMO_LOGINS["OLIVIERS.AGENT"])
        agent, _ = await agent_and_group()
        assert await visible_count(b, client, token) == 4
        body = await a.gql(client, SET_USER_GROUPS, {"u": str(agent.id), "g": []},
                           admin)
        if any("setUserGroups" in e["message"] for e in body.get("errors", [])):
            pytest.skip("setUserGroups is not in the schema yet")
        assert "errors" not in body, body
        assert await seconds_until(lambda: _is_zero(b, client, token)) < BOUND_SECONDS


async def terminate_listeners(database_url: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database()", APPLICATION_NAME)
        return len(rows)
    finally:
        await conn.close()


async def test_a_listener_that_lost_its_connection_never_serves_a_revoked_right(
    api, settings, demo_processes
):
    # given: every listener of this database just lost its connection (B's among them)
    _, b = demo_processes
    agent, group = await agent_and_group()
    async with httpx.AsyncClient(timeout=5) as client:
        token = await b.login(client, "OLIVIERS.AGENT", DEMO_LOGINS["OLIVIERS.AGENT"])
        assert await visible_count(b, client, token) == 4
        assert await terminate_listeners(settings.database_url) >= 3  # a, b and this process
        # when: revoked while B may not be listening
        await revoke_directly(api, agent, group)
        # then
        assert await seconds_until(lambda: _is_zero(b, client, token)) < BOUND_SECONDS
        # and once reconnected, B still hears of later changes
        await asyncio.wait_for(api.services.watcher.listening.wait(), 5)
        await asyncio.sleep(1.5)  # B pings every 0.5 s and reconnects within ~0.2 s
        domain = org_domain(agent.organisation_id)
        async with policy_change(api.services, domain) as enforcer:
            await enforcer.add_role_for_user_in_domain(user_subject(agent.id), f"grp:{group.id}",
                                                       domain)
        assert await seconds_until(
            lambda: _count_is(b, client, token, 4)) < BOUND_SECONDS


async def _count_is(process, client, token, expected: int) -> bool:
    return await visible_count(process, client, token) == expected
