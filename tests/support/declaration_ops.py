"""Small helpers shared by the declarations tests; their GraphQL documents are in
tests/declarations/operations.py."""

from __future__ import annotations

from datetime import date, timedelta

from bailleurs.demo import DEMO_LOGINS, load_demo
from models import Tenant
from resolvers.shared.clock import today
from resolvers.shared.french import add_months
from tests.declarations.operations import SAVE, START

# The guide's complete answer for BRISSON: still manager, tenant present, no colocation.
BRISSON_ANSWERS = [
    {"stillManager": True},
    {"tenantStillPresent": True},
    {"colocation": False},
    {"rentCents": 32875, "chargesCents": 4500},
]


async def demo_login(api, identifier: str = "OLIVIERS.ADMIN") -> str:
    await load_demo(api.services.settings)
    return await api.login(identifier, DEMO_LOGINS[identifier])


async def tenant_id(last_name: str) -> str:
    return str((await Tenant.get(last_name=last_name)).id)


async def started(api, token: str, last_name: str) -> dict:
    data = await api.ok(START, {"tenantId": await tenant_id(last_name)}, token)
    return data["startRentDeclaration"]


async def filled(api, token: str, last_name: str = "BRISSON", steps=BRISSON_ANSWERS) -> dict:
    declaration = await started(api, token, last_name)
    for step in steps:
        declaration = (await api.ok(SAVE, {"id": declaration["id"], "input": step}, token))[
            "saveRentDeclaration"
        ]
    return declaration


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()


def month_start(months_ago: int) -> date:
    return add_months(today().replace(day=1), -months_ago)
