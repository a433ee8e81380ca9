"""Every habilitation change goes through a Casbin enforcer and the audit trail in one transaction.

The change is made on a private enforcer loaded inside the transaction (requests keep using the
cached one meanwhile). The other processes are told inside the transaction, so they hear of it
exactly when it commits; once committed, the domain is invalidated here. On failure nothing was
committed, nobody was told, and the cache was never touched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import casbin
from tortoise.transactions import in_transaction

from policies.enforcers import load_enforcer
from resolvers.context import Services


@asynccontextmanager
async def policy_change(services: Services, domain: str) -> AsyncIterator[casbin.AsyncEnforcer]:
    async with in_transaction() as connection:
        yield await load_enforcer(domain)
        if services.announce_policy_change is not None:
            await services.announce_policy_change(connection, domain)
    if services.policy_changed is not None:
        await services.policy_changed(domain)
    else:
        services.registry.invalidate(domain)
