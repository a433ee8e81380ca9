"""The append-only audit trail. Each event's digest covers its content and the previous digest.

Only `record` writes here, and nothing updates or deletes an event. Callers run it inside the
transaction of the change it describes, so the trail and the data commit together; an event with
no such transaction (a failed login, a recovery request) gets one of its own. Either way the read
of the last digest, the insert and the checkpoint that may close a block are one serialised step:
two events never chain onto the same predecessor, however many requests arrive at once.
"""

from __future__ import annotations

import json
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.transactions import in_transaction

from models import AuditEvent
from resolvers.audit import checkpoints, history
from resolvers.audit.digests import CURRENT_VERSION, digest_of
from resolvers.shared.clock import now

GENESIS = checkpoints.GENESIS
__all__ = ["CURRENT_VERSION", "GENESIS", "digest_of", "event_digest", "record"]


def event_digest(event: AuditEvent) -> str:
    return digest_of(
        event.prev_digest, event.at, event.actor_label, event.organisation_id, event.action,
        event.target_type, event.target_id, event.before, event.after, event.delegation,
        event.digest_version,
    )


async def _serialize_writers() -> None:
    # Two transactions must not chain onto the same previous event. On SQLite, Tortoise runs a
    # transaction alone on the process's one connection (and SQLite serves one process here);
    # PostgreSQL takes a transaction-scoped advisory lock, held until the commit.
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock(715517)")


def _transaction() -> AbstractAsyncContextManager[object]:
    """The caller's transaction if there is one (same connection, no savepoint), else a new
    one: the lock below lasts until the event commits."""
    if isinstance(connections.get("default"), TransactionalDBClient):
        return nullcontext()
    return in_transaction()


async def record(
    action: str,
    *,
    actor_id: int | None,
    actor_label: str,
    organisation_id: int | None,
    target_type: str,
    target_id: Any = None,
    before: Any = None,
    after: Any = None,
    delegation: Any = None,
) -> AuditEvent:
    # Round-trip through JSON so the digest is computed on what the database will return.
    before, after, delegation = (
        json.loads(json.dumps(v, default=str)) for v in (before, after, delegation)
    )
    target = None if target_id is None else str(target_id)
    async with _transaction():
        await _serialize_writers()
        last = await AuditEvent.all().order_by("-id").first().only("digest")
        prev = last.digest if last else GENESIS
        at = now()
        event = await AuditEvent.create(
            at=at,
            actor_id=actor_id,
            actor_label=actor_label,
            organisation_id=organisation_id,
            action=action,
            target_type=target_type,
            target_id=target,
            before=before,
            after=after,
            delegation=delegation,
            prev_digest=prev,
            digest_version=CURRENT_VERSION,
            digest=digest_of(prev, at, actor_label, organisation_id, action, target_type,
                             target, before, after, delegation, CURRENT_VERSION),
        )
        # The validity periods index the trail: kept in the same serialised step.
        await history.project(event)
        await checkpoints.after_append(event)
        return event
