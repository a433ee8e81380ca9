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
from resolvers.audit.policy_report import policy_report
from resolvers.audit.questions import organisation_or_404, view_of
from resolvers.shared.context import Context
from resolvers.shared.errors import Forbidden, NotFound, Unauthenticated, invalid

POLICY_HEADER = [
    "ligne",
    "type_sujet",
    "sujet",
    "groupe_id",
    "type_logement",
    "zone",
    "action",
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
    "refus",
    "roles",
    "groupes",
    "action",
    "type_logement",
    "zone",
    "locataires",
]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv(header: list[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()


async def _policies_csv(ctx: Context, organisation, at: datetime | None = None) -> str:
    report = await policy_report(await view_of(ctx, organisation, at), organisation)
    rules = [
        [
            "p",
            r.subject_kind,
            r.subject,
            r.group_id,
            r.housing_type or "*",
            r.zone or "*",
            r.action,
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
            m.subject_kind,
            m.subject,
            m.group_id,
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
                r.user.status.value,
                r.refusal,
                ", ".join(r.roles),
                ", ".join(r.groups),
                r.action,
                r.housing_type or "",
                r.zone or "",
                r.tenants,
            ]
            for r in rows
        ),
    )


EXPORTS = {"policies": _policies_csv, "access": _access_csv}


def _instant(at: str | None) -> datetime | None:
    """`?at=`: an instant, or a bare date meaning its start in Europe/Paris (as `Instant`)."""
    from schema.audit.instants import parse_instant

    try:
        return None if at is None else parse_instant(at)
    except ValueError as error:
        raise invalid("at", f"Instant illisible : {error}") from None


async def export_response(
    ctx: Context, kind: str, organisation_id: str, at: str | None = None
) -> Response:
    """The CSV file, now or at the instant `at`; refusals are raised, answered by the
    application's error handlers."""
    if ctx.principal is None or ctx.principal.restricted:
        raise Unauthenticated()
    if not await ctx.guard.has_organisation_right(Act.AUDIT):
        raise Forbidden()
    number = parse_object_id(organisation_id)
    if kind not in EXPORTS or number is None:
        raise NotFound("Export introuvable.")
    organisation = await organisation_or_404(number)
    body = await EXPORTS[kind](ctx, organisation, _instant(at))
    filename = f"{kind}-{organisation.id}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
