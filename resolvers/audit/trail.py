"""Reading the audit trail: a filtered keyset-paginated list, and the check of its hash chain.

Nothing here writes: events are only ever created by `audit_log.record`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import msgspec
from tortoise import connections

from models import AuditCheckpoint, AuditEvent
from models.validators import fits_column
from resolvers.audit.chain import GENESIS, digest_of, event_digest
from resolvers.audit.checkpoints import signature_holds
from resolvers.shared.clock import end_of
from resolvers.shared.pagination import Page, paginate

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


@dataclass
class ChainReport:
    ok: bool
    checked: int  # events whose digest was recomputed
    first_broken_id: int | None
    checkpoints: int = 0  # checkpoints whose signature and block were checked
    first_broken_checkpoint_id: int | None = None
    full: bool = True
    # The checkpoint the verification started from (None: the start of the trail).
    trusted_checkpoint_id: int | None = None


# Read as plain rows, without building a model per event, and JSON decoded by msgspec: a
# million events verify in seconds. A row that fails this fast path is checked again through the
# model before being reported, so a parsing difference could never be taken for tampering.
_COLUMNS = ("id", "at", "actor_label", "organisation_id", "action", "target_type", "target_id",
            "before", "after", "delegation", "prev_digest", "digest", "digest_version")
_decode = msgspec.json.Decoder().decode


def _select(dialect: str) -> str:
    mark = "$1" if dialect == "postgres" else "?"
    return (f"SELECT {', '.join(_COLUMNS)} FROM audit_event WHERE id > {mark} "
            f"ORDER BY id LIMIT {CHAIN_BATCH}")


async def _rows(after_id: int):
    conn = connections.get("default")
    sql = _select(conn.capabilities.dialect)
    while True:
        _, batch = await conn.execute_query(sql, [after_id])
        for row in batch:
            yield tuple(row)
        if len(batch) < CHAIN_BATCH:
            return
        after_id = batch[-1][0]


def _json(value: Any) -> Any:
    return _decode(value) if isinstance(value, str | bytes) else value


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _intact(row: tuple) -> bool:
    return row[11] == digest_of(row[10], _moment(row[1]), row[2], row[3], row[4], row[5],
                                row[6], _json(row[7]), _json(row[8]), _json(row[9]), row[12])


async def _intact_as_model(event_id: int) -> bool:
    event = await AuditEvent.get(id=event_id)
    return event_digest(event) == event.digest


async def _walk(after_id: int, previous: str, marks: list[AuditCheckpoint],
                report: ChainReport, counted: int = 0) -> ChainReport:
    """Follow the chain after `after_id`; at each checkpoint's last event, check the checkpoint
    (its link to the previous one, its signature, the digest and the count it vouches for)."""
    pending = iter(marks)
    mark = next(pending, None)
    prev_mark = GENESIS
    async for row in _rows(after_id):
        if mark is not None and mark.last_event_id < row[0]:  # its event is gone
            return _broken_mark(report, mark)
        report.checked += 1
        if row[10] != previous or not (_intact(row) or await _intact_as_model(row[0])):
            report.ok, report.first_broken_id = False, row[0]
            return report
        previous = row[11]
        if mark is not None and mark.last_event_id == row[0]:
            if (mark.prev_digest != prev_mark or not signature_holds(mark)
                    or mark.event_digest != row[11] or mark.events != counted + report.checked):
                return _broken_mark(report, mark)
            report.checkpoints += 1
            prev_mark, mark = mark.digest, next(pending, None)
    return report if mark is None else _broken_mark(report, mark)


def _broken_mark(report: ChainReport, mark: AuditCheckpoint) -> ChainReport:
    report.ok, report.first_broken_checkpoint_id = False, mark.id
    return report


async def verify_chain(full: bool = False) -> ChainReport:
    """Recompute digests and follow `prev` links, oldest first, in batches.

    By default from the last checkpoint, once its signature, its link to the one before and the
    event it names are checked: the cost is what was added since. `full` walks the whole trail
    and checks every checkpoint on the way, which also catches an old event rewritten with every
    digest after it recomputed."""
    if full:
        marks = await AuditCheckpoint.all().order_by("id")
        return await _walk(0, GENESIS, marks, ChainReport(True, 0, None))
    last_two = await AuditCheckpoint.all().order_by("-id").limit(2)
    if not last_two:
        return await _walk(0, GENESIS, [], ChainReport(True, 0, None, full=False))
    mark = last_two[0]
    report = ChainReport(True, 0, None, full=False, trusted_checkpoint_id=mark.id)
    before = last_two[1].digest if len(last_two) > 1 else GENESIS
    anchor = await AuditEvent.filter(id=mark.last_event_id).first()
    if (mark.prev_digest != before or not signature_holds(mark) or anchor is None
            or anchor.digest != mark.event_digest or event_digest(anchor) != anchor.digest):
        return _broken_mark(report, mark)
    report.checkpoints = 1
    return await _walk(mark.last_event_id, mark.event_digest, [], report)
