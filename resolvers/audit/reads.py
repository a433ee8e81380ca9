"""Auditors are audited too: who looked at which organisation's policies or whose access, when.

One event per read in a request (an alias asking the same thing twice records it once), written
in its own short transaction after the answer is computed: a read that fails records nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from models import Organisation, Tenant, User
from resolvers.audit.actor import record_action
from resolvers.audit.trail import EventFilter
from resolvers.shared.context import Context


async def record_read(
    ctx: Context, action: str, organisation_id: int | None, target_type: str, target_id: Any,
    details: dict | None = None,
) -> None:
    key = (action, organisation_id, target_type, target_id, repr(sorted((details or {}).items())))
    if key in ctx.reads_recorded:
        return
    ctx.reads_recorded.add(key)
    await record_action(
        ctx, action, organisation_id=organisation_id, target_type=target_type,
        target_id=target_id, after=details,
    )


async def organisation_of_tenant(tenant_id: int) -> int | None:
    rows = await Tenant.filter(id=tenant_id).values_list("housing__organisation_id", flat=True)
    return cast(int, rows[0]) if rows else None


async def organisation_of_user(user_id: int) -> int | None:
    rows = await User.filter(id=user_id).values_list("organisation_id", flat=True)
    return cast(int | None, rows[0]) if rows else None


async def existing_organisation(organisation_id: int | None) -> int | None:
    """An id from a filter, kept only if it names an organisation (the trail refers to it)."""
    if organisation_id is None or not await Organisation.exists(id=organisation_id):
        return None
    return organisation_id


def moment_of(when: Any) -> Any:
    """The question's time as the trail stores it: none (now), a day, an instant, an interval."""
    if when is None:
        return None
    if hasattr(when, "start") and hasattr(when, "end"):
        return {"from": when.start.isoformat(), "to": when.end.isoformat()}
    return when.isoformat()


async def policies_read(ctx: Context, organisation_id: int) -> None:
    await record_read(ctx, "policies_read", organisation_id, "organisation", organisation_id)


async def tenant_access_read(
    ctx: Context, question: str, tenant_id: int, act: str, as_of: Any,
    user_id: int | None = None,
) -> None:
    details = {"question": question, "action": act, "asOf": as_of, "userId": user_id}
    await record_read(ctx, "access_read", await organisation_of_tenant(tenant_id), "tenant",
                      tenant_id, {k: v for k, v in details.items() if v is not None})


async def user_access_read(ctx: Context, user_id: int, act: str, as_of: Any) -> None:
    details = {"question": "userAccess", "action": act, "asOf": as_of}
    await record_read(ctx, "access_read", await organisation_of_user(user_id), "user", user_id,
                      {k: v for k, v in details.items() if v is not None})


def filter_asked(f: EventFilter) -> dict[str, Any]:
    """The trail's filters an auditor gave (the ones left empty are not written)."""
    return {k: v for k, v in asdict(f).items() if v is not None}


async def audit_events_read(ctx: Context, f: EventFilter) -> None:
    """A page of the trail read: one event per request and distinct filter set, whatever the
    page size or cursor (paging through N pages writes N events, not one per event read)."""
    await record_read(ctx, "audit_events_read", await existing_organisation(f.organisation_id),
                      "audit_trail", None, {"filter": filter_asked(f)})


async def simulation_read(ctx: Context, organisation_id: int, asked: dict[str, Any]) -> None:
    """A simulated habilitation change: what it would change is a read of that organisation."""
    await record_read(ctx, "habilitation_change_simulated", organisation_id, "organisation",
                      organisation_id, {k: v for k, v in asked.items() if v is not None})
