"""Reading the audit trail: a filtered keyset-paginated list, a stream, and (re-exported from
`verification`) the check of its hash chain.

Nothing here writes: events are only ever created by `audit_log.record`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from models import AuditEvent
from models.validators import fits_column
from resolvers.audit.verification import Anchor, ChainReport, Head, verify_chain
from resolvers.shared.clock import end_of
from resolvers.shared.pagination import Page, paginate

__all__ = ["Anchor", "ChainReport", "EventFilter", "Head", "events_matching", "list_events",
           "stream_events", "verify_chain"]
EVENT_ORDER = ("id",)
CHAIN_BATCH = 5000


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


def events_matching(f: EventFilter):
    return AuditEvent.filter(**(_conditions(f) if _matchable(f) else {"id__in": []}))


async def list_events(first: int, after: list[Any] | None, f: EventFilter) -> Page[AuditEvent]:
    query = events_matching(f).select_related("actor")
    return await paginate(query, EVENT_ORDER, first, after)


async def stream_events(f: EventFilter, batch: int = CHAIN_BATCH):
    """Every matching event, oldest first, read by keyset batches: memory stays one batch."""
    last_id = 0
    while True:
        rows = await events_matching(f).filter(id__gt=last_id).order_by("id").limit(batch)
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        last_id = rows[-1].id
