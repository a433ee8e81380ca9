"""Every habilitation change goes through a Casbin enforcer and the audit trail in one transaction.

The change is made on a private enforcer loaded inside the transaction (requests keep using the
cached one meanwhile). Changes of one domain are serialised: each loads the policies the previous
one committed (on PostgreSQL two concurrent changes would otherwise both start from the same
state, duplicate lines and leave the audit trail out of step with the data; SQLite serialises
writers already). The other processes are told inside the transaction, so they hear of it
exactly when it commits; once committed, the domain is invalidated here. On failure nothing was
committed, nobody was told, and the cache was never touched.

`locked_domain` is the same transaction and lock without the announcement, for changes that
must see the domain's policies frozen while they decide but change no policy line (unlocking
an account).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import casbin
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from policies.enforcers import load_enforcer
from resolvers.shared.context import Services

# First key of the transaction-scoped advisory locks taken per domain (second key: its hash).
_POLICY_LOCK_SPACE = 71_551


async def _serialize_changes(connection, domain: str) -> None:
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))", [_POLICY_LOCK_SPACE, domain]
        )
    else:
        # Take SQLite's write lock before the first read (what BEGIN IMMEDIATE does): a process
        # of another worker then cannot commit between what we read and what we write. Within a
        # process Tortoise already runs one transaction at a time on its single connection.
        await connection.execute_query("UPDATE casbin_rule SET id = id WHERE 0")


@asynccontextmanager
async def locked_domain(
    domain: str,
) -> AsyncIterator[tuple[BaseDBAsyncClient, casbin.AsyncEnforcer]]:
    """A transaction holding the domain's change lock, and the domain's policies read under it."""
    async with in_transaction() as connection:
        await _serialize_changes(connection, domain)
        yield connection, await load_enforcer(domain)


@asynccontextmanager
async def policy_change(services: Services, domain: str) -> AsyncIterator[casbin.AsyncEnforcer]:
    async with locked_domain(domain) as (connection, enforcer):
        yield enforcer
        if services.announce_policy_change is not None:
            await services.announce_policy_change(connection, domain)
    if services.policy_changed is not None:
        await services.policy_changed(domain)
    else:
        services.registry.invalidate(domain)
