"""Changing the audit trail behind the product's back, as someone owning the database would."""

from __future__ import annotations

import asyncio
import json

from tortoise import connections

from resolvers.audit.chain import digest_of
from tests.accounts.operations import LOGIN


def on_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def tamper(table: str, statements: list[str]) -> None:
    """Raw SQL by someone who owns the database: on PostgreSQL they first lift the trigger."""
    if on_postgres():
        lift = f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"
        statements = [lift, *statements, lift.replace("DISABLE", "ENABLE")]
    await connections.get("default").execute_script(";\n".join(statements))


async def failed_logins(api, count: int, prefix: str = "PERSONNE") -> None:
    """Failed logins at once: each writes an event outside any business transaction."""
    await asyncio.gather(
        *(api.gql(LOGIN, {"identifier": f"{prefix}{i}", "password": "x"}) for i in range(count))
    )


def rewritten_from(events: list, index: int, after_sql: str) -> list[str]:
    """Statements that rewrite events[index]'s `after` and recompute every digest from it on,
    so that the hash chain alone holds again (only a checkpoint can tell)."""
    victim = events[index]
    victim.after = json.loads(after_sql)
    previous, statements = events[index - 1].digest, []
    for e in events[index:]:
        digest = digest_of(previous, e.at, e.actor_label, e.organisation_id, e.action,
                           e.target_type, e.target_id, e.before, e.after, e.delegation,
                           e.digest_version)
        statements.append(f"UPDATE audit_event SET prev_digest = '{previous}', "
                          f"digest = '{digest}' WHERE id = {e.id}")
        previous = digest
    statements.append(f"UPDATE audit_event SET after = '{after_sql}' WHERE id = {victim.id}")
    return statements
