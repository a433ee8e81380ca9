"""The audit trail exported for the agency's own tools: CSV or JSON Lines, streamed.

Served at /exports/audit/events.csv and /exports/audit/events.jsonl with the filters of the
`auditEvents` query as query parameters (organisationId, actorId, targetType, targetId, action,
from, to) and its permission. Events are read by keyset batches and written as they come: memory
stays one batch, whatever the trail's size. The export itself is an audit event, written before
the first byte is sent.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Mapping
from datetime import date
from typing import Any

import strawberry
from starlette.responses import StreamingResponse

from bailleurs.exports import auditor_only, neutralised
from models import AuditEvent
from resolvers.audit import labels
from resolvers.audit import trail as audit_trail
from resolvers.audit.actor import record_action
from resolvers.audit.reads import existing_organisation, filter_asked
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound, invalid
from schema.common import decode_id

CSV_HEADER = [
    "id", "horodatage", "auteur_id", "auteur", "organisation_id", "action", "action_code",
    "type_cible", "type_cible_code", "cible_id", "avant", "apres", "delegation",
    "empreinte_precedente", "empreinte",
]
MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
_IDS = {"organisationId": "organisation_id", "actorId": "actor_id"}
_TEXTS = {"targetType": "target_type", "targetId": "target_id", "action": "action"}
_DAYS = {"from": "since", "to": "until"}


def event_filter(params: Mapping[str, str]) -> audit_trail.EventFilter:
    """The query string read as `auditEvents`' filter (same names, same meaning)."""
    values: dict[str, Any] = {}
    for name, attr in _IDS.items():
        if name in params:
            values[attr] = decode_id(strawberry.ID(params[name]))
    for name, attr in _TEXTS.items():
        if name in params:
            values[attr] = params[name]
    for name, attr in _DAYS.items():
        if name in params:
            try:
                values[attr] = date.fromisoformat(params[name])
            except ValueError:
                raise invalid(name, "Date attendue au format AAAA-MM-JJ.") from None
    return audit_trail.EventFilter(**values)


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def csv_row(e: AuditEvent) -> list[object]:
    return [
        e.id, e.at.isoformat(), e.actor_id, e.actor_label, e.organisation_id,
        labels.label(labels.ACTIONS, e.action), e.action,
        labels.label(labels.TARGET_TYPES, e.target_type), e.target_type, e.target_id,
        _json_text(e.before), _json_text(e.after), _json_text(e.delegation),
        e.prev_digest, e.digest,
    ]


def json_line(e: AuditEvent) -> dict[str, Any]:
    """The event as the `auditEvents` query names its fields."""
    return {
        "id": str(e.id), "at": e.at.isoformat(), "actorId": _opt(e.actor_id),
        "actorLabel": e.actor_label, "organisationId": _opt(e.organisation_id),
        "action": e.action, "actionLabel": labels.label(labels.ACTIONS, e.action),
        "targetType": e.target_type, "targetId": e.target_id, "before": e.before,
        "after": e.after, "delegation": e.delegation, "prevDigest": e.prev_digest,
        "digest": e.digest,
    }


def _opt(value: int | None) -> str | None:
    return None if value is None else str(value)


def _csv_line(row: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow([neutralised(v) for v in row])
    return out.getvalue()


async def _body(fmt: str, f: audit_trail.EventFilter) -> AsyncIterator[str]:
    if fmt == "csv":
        yield "\ufeff" + _csv_line(list(CSV_HEADER))
    async for event in audit_trail.stream_events(f):
        if fmt == "csv":
            yield _csv_line(csv_row(event))
        else:
            yield json.dumps(json_line(event), ensure_ascii=False) + "\n"


async def audit_events_response(ctx: Context, fmt: str, params: Mapping[str, str]):
    await auditor_only(ctx)
    if fmt not in MEDIA:
        raise NotFound("Export introuvable.")
    f = event_filter(params)
    await record_action(
        ctx, "audit_events_exported",
        organisation_id=await existing_organisation(f.organisation_id),
        target_type="audit_trail", target_id=None,
        after={"format": fmt, "filter": filter_asked(f)},
    )
    return StreamingResponse(
        _body(fmt, f),
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="audit-events.{fmt}"'},
    )
