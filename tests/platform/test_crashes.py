"""The service killed (SIGKILL) in the middle of declaration validations and habilitation changes:
after a restart the database holds each change whole or not at all, every acknowledged change is
there, and the audit trail matches the data. A real uvicorn process; FAULT_ROUNDS kills (default
2; full run: FAULT_ROUNDS=10 uv run pytest tests/platform/test_crashes.py -s)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random

import httpx
import pytest

from models import AuditEvent, HabilitationGroup, Organisation, RentDeclaration, User
from models.enums import DeclarationState
from policies.vocabulary import Role
from tests.declarations.operations import SAVE, START, VALIDATE
from tests.habilitations.operations import CREATE_USER, SET_USER_GROUPS
from tests.support.demo_world import token_for
from tests.support.factories import import_organisations, make_user, organisation_data
from tests.support.integrity import trail_problems
from tests.support.servers import ServiceProcess, service_env

pytestmark = pytest.mark.slow
FAULT_ROUNDS = int(os.environ.get("FAULT_ROUNDS", "2"))
PER_ROUND = 10
MEMBERS = 4
ANSWERS = [{"stillManager": True}, {"tenantStillPresent": True}, {"colocation": False},
           {"rentCents": 40000, "chargesCents": 4500}]


async def prepare(api) -> tuple[str, list[str], list[str], str]:
    """An organisation with drafts ready to validate; (token, draft ids, member ids, group id)."""
    data = organisation_data("CRASH", [("CONVENTIONNE", "14", PER_ROUND * FAULT_ROUNDS + 2)])
    await import_organisations(api, data)
    org = await Organisation.get(name="CRASH")
    await make_user(api, org, "CRASH.ADMIN", roles=(Role.ADMINISTRATEUR,))
    members = [str((await make_user(api, org, f"CRASH.U{i}")).id) for i in range(MEMBERS)]
    group = await HabilitationGroup.get(organisation=org)
    token = await token_for(api, "CRASH.ADMIN")
    drafts = []
    for tenant_id in await _tenant_ids(org):
        declaration = (await api.ok(START, {"tenantId": tenant_id}, token))["startRentDeclaration"]
        for step in ANSWERS:
            await api.ok(SAVE, {"id": declaration["id"], "input": step}, token)
        drafts.append(declaration["id"])
    return token, drafts, members, str(group.id)


async def _tenant_ids(org: Organisation) -> list[str]:
    from models import Tenant

    return [str(i) for i in await Tenant.filter(housing__organisation=org).order_by("id")
            .values_list("id", flat=True)]


def operations(drafts: list[str], members: list[str], group: str, round_: int) -> list[tuple]:
    ops = [(VALIDATE, {"id": d}) for d in drafts]
    ops += [(SET_USER_GROUPS, {"u": m, "g": [group] if (i + round_) % 2 else []})
            for i in range(3) for m in members]
    ops += [(CREATE_USER, {"input": {"lastName": f"CRASH{round_}{i}", "firstName": "Test",
                                     "email": f"crash{round_}-{i}@example.test",
                                     "emailConfirmation": f"crash{round_}-{i}@example.test",
                                     "groupIds": [group]}}) for i in range(6)]
    random.Random(round_).shuffle(ops)
    return ops


async def kill_in_flight(service: ServiceProcess, token: str, ops: list[tuple]) -> list:
    """Send every operation at once; SIGKILL the service once a few have been answered."""
    answered = asyncio.Event()
    done = 0

    async def send(client, query, variables):
        nonlocal done
        try:
            response = await client.post(f"{service.url}/graphql", headers={
                "Authorization": f"Bearer {token}"}, json={"query": query, "variables": variables})
            body = response.json()
            return response.status_code == 200 and "errors" not in body, body
        finally:
            done += 1
            if done >= 3:
                answered.set()

    limits = httpx.Limits(max_connections=len(ops))
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        tasks = [asyncio.create_task(send(client, q, v)) for q, v in ops]
        with contextlib.suppress(TimeoutError):  # nothing answered: kill anyway
            await asyncio.wait_for(answered.wait(), 20)
        service.kill()
        return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)


async def declaration_problems() -> list[str]:
    problems = []
    transmitted = {}
    for event in await AuditEvent.filter(action="declaration_transmitted"):
        transmitted[event.target_id] = transmitted.get(event.target_id, 0) + 1
    for row in await RentDeclaration.all():
        whole = (row.state == DeclarationState.TRANSMIS and row.reference is not None
                 and row.transmitted_at is not None and transmitted.get(str(row.id)) == 1)
        absent = (row.state != DeclarationState.TRANSMIS and row.transmitted_at is None
                  and str(row.id) not in transmitted)
        if not (whole or absent):
            problems.append(f"declaration {row.id}: {row.state} {row.reference} "
                            f"{transmitted.get(str(row.id), 0)} events")
    return problems


async def test_sigkill_during_validations_and_habilitation_changes(api, settings, tmp_path):
    # given
    token, drafts, members, group = await prepare(api)
    last_user = (await User.all().order_by("-id").first()).id
    service = ServiceProcess(service_env(settings), log_path=tmp_path / "service.log")
    stats = {"kills": 0, "operations sent": 0, "acknowledged": 0, "unanswered": 0,
             "validations committed": 0}
    try:
        for round_ in range(FAULT_ROUNDS):
            await asyncio.to_thread(service.start)
            batch = drafts[round_ * PER_ROUND:(round_ + 1) * PER_ROUND]
            ops = operations(batch, members, group, round_)
            # when
            results = await kill_in_flight(service, token, ops)
            stats["kills"] += 1
            stats["operations sent"] += len(ops)
            acknowledged = [op for op, r in zip(ops, results, strict=True)
                            if not isinstance(r, BaseException) and r[0]]
            stats["acknowledged"] += len(acknowledged)
            stats["unanswered"] += len(ops) - len(acknowledged)
            stats["validations committed"] += await RentDeclaration.filter(
                id__in=[int(d) for d in batch], state=DeclarationState.TRANSMIS).count()
            # then: every change whole or absent, acknowledged ones present, trail matches data
            assert await declaration_problems() == []
            assert await trail_problems(new_users_after=last_user) == []
            for query, variables in acknowledged:
                if query is VALIDATE:
                    row = await RentDeclaration.get(id=int(variables["id"]))
                    assert row.state == DeclarationState.TRANSMIS
                elif query is CREATE_USER:
                    assert await User.exists(email=variables["input"]["email"])
        # and the restarted service works
        await asyncio.to_thread(service.start)
        async with httpx.AsyncClient(timeout=10) as client:
            body = await service.gql(client, VALIDATE, {"id": drafts[-1]}, token)
        assert body["data"]["validateRentDeclaration"]["state"] == "TRANSMIS", body
    finally:
        service.stop()
    print({"sigkill": stats})
