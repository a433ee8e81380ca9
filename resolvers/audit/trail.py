"""Reading the audit trail: a filtered keyset-paginated list, and the check of its hash chain.

Nothing here writes: events are only ever created by `audit_log.record`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from models import AuditEvent
from models.validators import fits_column
from resolvers.audit.chain import GENESIS, event_digest
from resolvers.shared.clock import end_of
from resolvers.shared.pagination import Page, paginate

EVENT_ORDER = ("id",)
CHAIN_BATCH = 1000


@dataclass
class EventFilter:
    organisation_id: int | None = None
    actor_id: int | None = None
    target_type: str | None = None
    target_id: str | None = None
    action: str | None = None
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(f: EventFilter) -> dict[str, Any]:
    conditions: dict[str, Any] = {
        "organisation_id": f.organisation_id,
        "actor_id": f.actor_id,
        "target_type": f.target_type,
        "target_id": f.target_id,
        "action": f.action,
    }
    if f.since is not None:
        conditions["at__gte"] = _start_of(f.since)
    if f.until is not None:
        conditions["at__lt"] = end_of(f.until)
    return {k: v for k, v in conditions.items() if v is not None}


def _matchable(f: EventFilter) -> bool:
    """False when a text filter is longer than its column: no event can match it."""
    texts = {"target_type": f.target_type, "target_id": f.target_id, "action": f.action}
    return all(v is None or fits_column(AuditEvent, k, v) for k, v in texts.items())


async def list_events(first: int, after: list[Any] | None, f: EventFilter) -> Page[AuditEvent]:
    conditions = _conditions(f) if _matchable(f) else {"id__in": []}
    query = AuditEvent.filter(**conditions).select_related("actor")
    return await paginate(query, EVENT_ORDER, first, after)


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_broken_id: int | None


async def verify_chain() -> ChainReport:
    """Recompute every digest and follow every `prev` link, oldest first, in batches."""
    previous, checked, last_id = GENESIS, 0, 0
    while True:
        batch = await AuditEvent.filter(id__gt=last_id).order_by("id").limit(CHAIN_BATCH)
        for event in batch:
            checked += 1
            if event.prev_digest != previous or event_digest(event) != event.digest:
                return ChainReport(False, checked, event.id)
            previous, last_id = event.digest, event.id
        if len(batch) < CHAIN_BATCH:
            return ChainReport(True, checked, None)
