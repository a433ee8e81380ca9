"""CSV exports for auditors: the policies in force and the who-can-access-what report.

Served at /exports/policies/<organisation id>.csv and /exports/access/<organisation id>.csv with
the same session as the API: now, at an instant (`?at=`), or over an interval (`?from=…&to=…`,
bounds included, read as `between`: every line held at some instant of it, with its periods).
Semicolons and a BOM because the agency opens them in a French
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
from resolvers.audit import interval_reports
from resolvers.audit.access_report import access_rows
from resolvers.audit.explain import MESSAGES
from resolvers.audit.intervals import Interval, Period
from resolvers.audit.labels import ACTIONS as ACT_LABELS
from resolvers.audit.labels import HOUSING_TYPES, STATUSES, SUBJECT_KINDS, label
from resolvers.audit.policy_report import policy_report
from resolvers.audit.policy_view import PolicyView
from resolvers.audit.questions import organisation_or_404, view_of
from resolvers.audit.reads import moment_of, record_read
from resolvers.shared import french
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
# Over an interval: when each line held, for people (Paris time) and as ISO 8601 intervals in UTC
# ("start/end", end exclusive; "start/.." still held at the interval's end).
PERIOD_HEADER = ["periodes", "periodes_code"]
ACCESS_PERIOD_HEADER = [
    "identifiant",
    "nom",
    "prenom",
    "action",
    "action_code",
    "type_logement",
    "type_logement_code",
    "zone",
    *PERIOD_HEADER,
]
When = datetime | Interval | None


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


def _periods(periods: list[Period]) -> list[str]:
    labels = [
        f"du {french.moment(p.start)} au {french.moment(p.end)}" if p.end is not None
        else f"depuis le {french.moment(p.start)}, encore à la fin de l'intervalle"
        for p in periods
    ]
    codes = [f"{p.start.isoformat()}/{p.end.isoformat() if p.end else '..'}" for p in periods]
    return [" ; ".join(labels), " ".join(codes)]


async def _policy_rows(view: PolicyView, organisation) -> list[tuple[str | int | None, ...]]:
    report = await policy_report(view, organisation)
    rules = [
        (
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
        )
        for r in report.rules
    ]
    members = [
        (
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
        )
        for m in report.memberships
    ]
    return rules + members


async def _policies_csv(ctx: Context, organisation, when: When = None) -> str:
    if isinstance(when, Interval):

        async def lines(view: PolicyView) -> list[tuple[str | int | None, ...]]:
            return await _policy_rows(view, organisation)

        held = await interval_reports.held_over(organisation, when, lines)
        return _csv(POLICY_HEADER + PERIOD_HEADER,
                    ([*row, *_periods(periods)] for row, periods in held.items()))
    return _csv(POLICY_HEADER, await _policy_rows(await view_of(ctx, organisation, when),
                                                  organisation))


async def _access_over(organisation, interval: Interval) -> str:
    rows = await interval_reports.rights_over(organisation, interval)
    return _csv(
        ACCESS_PERIOD_HEADER,
        (
            [
                r.user.identifier,
                r.user.last_name,
                r.user.first_name,
                *_labelled(ACT_LABELS, r.action),
                *_labelled(HOUSING_TYPES, r.housing_type),
                r.zone,
                *_periods(r.periods),
            ]
            for r in rows
        ),
    )


async def _access_csv(ctx: Context, organisation, when: When = None) -> str:
    if isinstance(when, Interval):
        return await _access_over(organisation, when)
    rows = await access_rows(await view_of(ctx, organisation, when))
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


def _instant(name: str, value: str) -> datetime:
    """An instant of the query string, read as `Instant` (a bare date: its start in Paris)."""
    from schema.audit.instants import parse_instant

    try:
        return parse_instant(value)
    except ValueError as error:
        raise invalid(name, f"Instant illisible : {error}") from None


def asked_time(at: str | None, start: str | None = None, end: str | None = None) -> When:
    """`?at=`, or `?from=&to=` read as the GraphQL `between` (same parsing, same rules: bounds
    included, a reversed interval or both an instant and an interval refused)."""
    from schema.audit.instants import AccessInterval, Instant, one_moment

    between = None
    if (start is None) != (end is None):
        missing = "to" if end is None else "from"
        raise invalid(missing, "Un intervalle se donne par ses deux bornes, from et to.")
    if start is not None and end is not None:
        between = AccessInterval(from_=Instant(_instant("from", start)),
                                 to=Instant(_instant("to", end)))
    return one_moment(None, None if at is None else _instant("at", at), between)


async def auditor_only(ctx: Context) -> None:
    """The permission of the auditor's queries; refusals are raised, answered by the
    application's error handlers."""
    if ctx.principal is None or ctx.principal.restricted:
        raise Unauthenticated()
    if not await ctx.guard.has_organisation_right(Act.AUDIT):
        raise Forbidden()


async def export_response(
    ctx: Context, kind: str, organisation_id: str, at: str | None = None,
    start: str | None = None, end: str | None = None,
) -> Response:
    """The CSV file, now, at the instant `at` or over [start, end]; the export is recorded in
    the audit trail with the time asked (auditors are audited too)."""
    await auditor_only(ctx)
    number = parse_object_id(organisation_id)
    if kind not in EXPORTS or number is None:
        raise NotFound("Export introuvable.")
    organisation = await organisation_or_404(number)
    when = asked_time(at, start, end)
    body = await EXPORTS[kind](ctx, organisation, when)
    asked = None if when is None else {"asOf": moment_of(when)}
    await record_read(ctx, f"{kind}_exported", organisation.id, "organisation", organisation.id,
                      asked)
    filename = f"{kind}-{organisation.id}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
