"""CSV exports for auditors: the policies in force and the who-can-access-what report.

Served at /exports/policies/<organisation id>.csv and /exports/access/<organisation id>.csv with
the same session as the API. Semicolons and a BOM because the agency opens them in a French
spreadsheet; cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from starlette.responses import Response

from models.validators import parse_object_id
from policies.vocabulary import Act
from resolvers.audit.access_report import access_rows
from resolvers.audit.explain import MESSAGES
from resolvers.audit.labels import ACTIONS as ACT_LABELS
from resolvers.audit.labels import HOUSING_TYPES, STATUSES, SUBJECT_KINDS, label
from resolvers.audit.policy_report import policy_report
from resolvers.audit.questions import organisation_or_404, view_of
from resolvers.audit.reads import record_read
from resolvers.shared.context import Context
from resolvers.shared.errors import Forbidden, NotFound, Unauthenticated, invalid

# A French label for people, and beside it (`_code`) the machine code for the agency's tools.
POLICY_HEADER = [
    "ligne",
    "type_sujet",
    "type_sujet_code",
    "sujet",
    "groupe_id",
    "type_logement",
    "type_logement_code",
    "zone",
    "action",
    "action_code",
    "identifiant",
    "nom",
    "prenom",
    "casbin",
]
ACCESS_HEADER = [
    "identifiant",
    "nom",
    "prenom",
    "etat",
    "etat_code",
    "refus",
    "refus_code",
    "roles",
    "groupes",
    "action",
    "action_code",
    "type_logement",
    "type_logement_code",
    "zone",
    "locataires",
]


def _labelled(table: dict[str, str], code: str | None) -> list[str]:
    return [label(table, code), code or ""]


def neutralised(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv(header: list[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([neutralised(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()


async def _policies_csv(ctx: Context, organisation, at: datetime | None = None) -> str:
    report = await policy_report(await view_of(ctx, organisation, at), organisation)
    rules = [
        [
            "p",
            *_labelled(SUBJECT_KINDS, r.subject_kind),
            r.subject,
            r.group_id,
            *_labelled(HOUSING_TYPES, r.housing_type or "*"),
            r.zone or "*",
            *_labelled(ACT_LABELS, r.action),
            "",
            "",
            "",
            r.casbin,
        ]
        for r in report.rules
    ]
    members = [
        [
            "g",
            *_labelled(SUBJECT_KINDS, m.subject_kind),
            m.subject,
            m.group_id,
            "",
            "",
            "",
            "",
            "",
            m.user.identifier,
            m.user.last_name,
            m.user.first_name,
            m.casbin,
        ]
        for m in report.memberships
    ]
    return _csv(POLICY_HEADER, rules + members)


async def _access_csv(ctx: Context, organisation, at: datetime | None = None) -> str:
    rows = await access_rows(await view_of(ctx, organisation, at))
    return _csv(
        ACCESS_HEADER,
        (
            [
                r.user.identifier,
                r.user.last_name,
                r.user.first_name,
                *_labelled(STATUSES, r.user.status.value),
                label(REFUSAL_LABELS, r.refusal),
                r.refusal or "",
                ", ".join(r.roles),
                ", ".join(r.groups),
                *_labelled(ACT_LABELS, r.action),
                label(HOUSING_TYPES, r.housing_type),
                r.housing_type or "",
                r.zone or "",
                r.tenants,
            ]
            for r in rows
        ),
    )


REFUSAL_LABELS = {refusal.value: message for refusal, message in MESSAGES.items()}
EXPORTS = {"policies": _policies_csv, "access": _access_csv}


def _instant(at: str | None) -> datetime | None:
    """`?at=`: an instant, or a bare date meaning its start in Europe/Paris (as `Instant`)."""
    from schema.audit.instants import parse_instant

    try:
        return None if at is None else parse_instant(at)
    except ValueError as error:
        raise invalid("at", f"Instant illisible : {error}") from None


async def auditor_only(ctx: Context) -> None:
    """The permission of the auditor's queries; refusals are raised, answered by the
    application's error handlers."""
    if ctx.principal is None or ctx.principal.restricted:
        raise Unauthenticated()
    if not await ctx.guard.has_organisation_right(Act.AUDIT):
        raise Forbidden()


async def export_response(
    ctx: Context, kind: str, organisation_id: str, at: str | None = None
) -> Response:
    """The CSV file, now or at the instant `at`; the export is recorded in the audit trail
    (auditors are audited too)."""
    await auditor_only(ctx)
    number = parse_object_id(organisation_id)
    if kind not in EXPORTS or number is None:
        raise NotFound("Export introuvable.")
    organisation = await organisation_or_404(number)
    body = await EXPORTS[kind](ctx, organisation, _instant(at))
    await record_read(ctx, f"{kind}_exported", organisation.id, "organisation", organisation.id)
    filename = f"{kind}-{organisation.id}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
