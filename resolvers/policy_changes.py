"""Every habilitation change goes through a Casbin enforcer and the audit trail in one transaction.

The change is made on a private enforcer loaded inside the transaction (requests keep using the
cached one meanwhile); once committed, the domain is invalidated here and in other processes.
On failure nothing was committed, and the cache was never touched.
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
    async with in_transaction():
        yield await load_enforcer(domain)
    if services.policy_changed is not None:
        await services.policy_changed(domain)
    else:
        services.registry.invalidate(domain)
