"""Validity periods: written beside the trail and by imports, read back for an instant or interval.

`project` keeps the user and group periods in step with the trail (called by `chain.record`, in
the event's transaction, after the serialised append: periods follow the events' order).
`place_tenants` records, at the end of an import, each tenant arriving, moving housing or seeing
its housing change type or département, as one audit event per organisation and placements
valid from that event's instant. `date_departure` dates a declared departure in the placements,
in the departure's transaction (after its audit event: serialised with imports, which write
placements after theirs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from models import AuditEvent, GroupStatePeriod, Tenant, TenantPlacement, UserStatePeriod

PLACEMENTS_ACTION = "tenants_placed"


def is_user_state(after: Any) -> bool:
    """A user event in the trail's convention carries the full state: roles and groups."""
    return isinstance(after, dict) and "roles" in after and "groups" in after


def is_group_definition(after: Any) -> bool:
    return isinstance(after, dict) and "housing_type" in after


async def project(event: AuditEvent) -> None:
    """Close the subject's open period at the event's instant and open the next one."""
    if event.organisation_id is None or event.target_id is None:
        return
    kind, after = event.target_type, event.after
    model: type[UserStatePeriod] | type[GroupStatePeriod]
    if kind == "user" and is_user_state(after):
        model, key, content = UserStatePeriod, "user_id", "state"
    elif kind == "group" and (after is None or is_group_definition(after)):
        model, key, content = GroupStatePeriod, "group_id", "definition"
    else:
        return
    subject: dict[str, Any] = {key: int(event.target_id),
                               "organisation_id": event.organisation_id}
    await model.filter(**subject, valid_to=None).update(valid_to=event.at)
    if after is not None:
        await model.create(**subject, **{content: after}, valid_from=event.at, event_id=event.id)


@dataclass(frozen=True)
class Period:
    """One row of a period table, read into memory: `content` held on [valid_from, valid_to)."""

    key: int
    content: Any
    valid_from: datetime
    valid_to: datetime | None

    def holds_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_to is None or moment < self.valid_to)


def _overlapping(start: datetime, end: datetime) -> Q:
    """Periods holding at some instant of [start, end] (start == end: at that instant)."""
    return Q(valid_from__lte=end) & (Q(valid_to=None) | Q(valid_to__gt=start))


async def user_periods(organisation_id: int, start: datetime, end: datetime) -> list[Period]:
    rows = await UserStatePeriod.filter(
        _overlapping(start, end), organisation_id=organisation_id
    ).order_by("id")
    return [Period(r.user_id, r.state, r.valid_from, r.valid_to) for r in rows]


async def group_periods(organisation_id: int, start: datetime, end: datetime) -> list[Period]:
    rows = await GroupStatePeriod.filter(
        _overlapping(start, end), organisation_id=organisation_id
    ).order_by("id")
    return [Period(r.group_id, r.definition, r.valid_from, r.valid_to) for r in rows]


async def placements(tenant_id: int, start: datetime, end: datetime) -> list[TenantPlacement]:
    return await TenantPlacement.filter(_overlapping(start, end), tenant_id=tenant_id).order_by(
        "valid_from", "id"
    )


def placed_at(moment: datetime) -> Q:
    """Placements in force at `moment`, as a condition on the placement table."""
    return _overlapping(moment, moment)


def placed_between(start: datetime, end: datetime) -> Q:
    return _overlapping(start, end)


def held_at(periods: Iterable[Period], moment: datetime) -> dict[int, Any]:
    """What each subject held at `moment` (the latest period wins should two touch)."""
    return {p.key: p.content for p in periods if p.holds_at(moment)}


async def place_tenants(organisation_ids: list[int]) -> None:
    """Bring the placements of these organisations' tenants in line with today's rows."""
    from resolvers.audit import chain as audit_log  # chain calls `project` above

    for organisation_id in organisation_ids:
        rows = await Tenant.filter(housing__organisation_id=organisation_id).values(
            "id", "housing_id", "housing__housing_type", "housing__departement"
        )
        current = {
            r["id"]: (r["housing_id"], str(r["housing__housing_type"]), r["housing__departement"])
            for r in rows
        }
        opened = {
            p.tenant_id: p
            for p in await TenantPlacement.filter(
                tenant_id__in=list(current) or [0], valid_to=None
            )
        }
        arrived, moved, requalified, left = [], [], [], {}
        for tenant_id, (housing_id, housing_type, dept) in sorted(current.items()):
            old = opened.get(tenant_id)
            if old is None:
                arrived.append(tenant_id)
            elif old.housing_id != housing_id:
                moved.append(tenant_id)
            elif (old.housing_type, old.departement) != (housing_type, dept):
                requalified.append(tenant_id)
                left[tenant_id] = old.departed_at  # a departure stays; a move ends it
        changed = arrived + moved + requalified
        if not changed:
            continue
        event = await audit_log.record(
            PLACEMENTS_ACTION, actor_id=None, actor_label="import",
            organisation_id=organisation_id, target_type="organisation",
            target_id=organisation_id,
            after={"arrived": arrived, "moved": moved, "requalified": requalified},
        )
        await TenantPlacement.filter(tenant_id__in=changed, valid_to=None).update(
            valid_to=event.at
        )
        await TenantPlacement.bulk_create(
            [
                TenantPlacement(
                    tenant_id=t, housing_id=current[t][0], organisation_id=organisation_id,
                    housing_type=current[t][1], departement=current[t][2], valid_from=event.at,
                    departed_at=left.get(t),
                )
                for t in changed
            ]
        )


async def date_departure(tenant_id: int, housing_id: int, moment: datetime) -> None:
    """The tenant left `housing_id` at `moment`: the period in force then ends there and a
    period marked departed follows, in the same housing (the landlord keeps the file, so access
    does not change); later periods in that housing are marked too (a departure declared after
    the fact). Periods in another housing (a move by an import) are not the departure's."""
    rows = await TenantPlacement.filter(
        Q(valid_to=None) | Q(valid_to__gt=moment),
        tenant_id=tenant_id, housing_id=housing_id, departed_at=None,
    ).order_by("valid_from", "id")
    for row in rows:
        if row.valid_from >= moment:
            await TenantPlacement.filter(id=row.id).update(departed_at=moment)
            continue
        await TenantPlacement.filter(id=row.id).update(valid_to=moment)
        await TenantPlacement.create(
            tenant_id=tenant_id, housing_id=housing_id, organisation_id=row.organisation_id,
            housing_type=row.housing_type, departement=row.departement, valid_from=moment,
            valid_to=row.valid_to, departed_at=moment,
        )
