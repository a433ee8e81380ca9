"""The auditor's questions about habilitations: what is in force, why, for whom, since when.

Read-only, across organisations. Every answer is computed from a `PolicyView` (today's Casbin
lines, or those rebuilt from the trail's validity periods) with the same Casbin model that
enforces requests. When asked: None (now), a day (`asOf`, its last instant, as before), an
instant, or an `Interval`, answered by `resolvers.audit.intervals`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.functions import Count

from models import Organisation, Tenant, TenantPlacement, User
from policies.scope import EMPTY, Scope, compile_scopes
from policies.vocabulary import ANY, Act, user_subject
from resolvers.audit import history
from resolvers.audit.explain import (
    Explanation,
    Refusal,
    Target,
    account_refusal,
    explain_decision,
    possibly_allowed,
)
from resolvers.audit.policy_view import PolicyView, current_view, view_as_of, view_at
from resolvers.shared.clock import end_of, today
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound


@dataclass
class UserExplanation:
    user: User
    explanation: Explanation
    tenant_left_at: datetime | None = None  # the tenant had left its housing then (departure)


@dataclass
class AccessCount:
    housing_type: str
    zone: str
    count: int


@dataclass
class UserAccessReport:
    user: User
    day: date
    total: int
    by_housing: list[AccessCount]


async def organisation_or_404(organisation_id: int) -> Organisation:
    organisation = await Organisation.get_or_none(id=organisation_id)
    if organisation is None:
        raise NotFound("Organisation introuvable.")
    return organisation


When = date | datetime | None


def moment_of(when: date | datetime) -> datetime:
    """The instant asked: itself, or a day's last instant (the `asOf` meaning, kept)."""
    if isinstance(when, datetime):
        return when
    return end_of(when) - timedelta(microseconds=1)


async def view_of(
    ctx: Context, organisation: Organisation, as_of: When, user_ids: list[int] | None = None
) -> PolicyView:
    if as_of is None:
        view = await current_view(ctx.services.registry, organisation.id, user_ids)
    elif isinstance(as_of, datetime):
        view = await view_at(organisation.id, as_of)
    else:
        view = await view_as_of(organisation.id, as_of)
    view.organisation_name = organisation.name
    return view


async def tenant_or_404(tenant_id: int) -> Tenant:
    tenant = await Tenant.get_or_none(id=tenant_id).select_related("housing")
    if tenant is None:
        raise NotFound("Locataire introuvable.")
    return tenant


async def user_or_404(user_id: int) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("Utilisateur introuvable.")
    return user


def target_of(tenant: Tenant) -> Target:
    h = tenant.housing
    return Target(h.organisation_id, h.housing_type.value, h.departement)


def placement_target(placement: TenantPlacement) -> Target:
    return Target(placement.organisation_id, placement.housing_type, placement.departement)


async def target_then(tenant: Tenant, as_of: When) -> tuple[Target | None, datetime | None]:
    """Where the tenant was at the instant asked, as the imports placed it (None: not there),
    and since when it had left that housing if a departure was declared (None: living there)."""
    if as_of is None:
        held = await TenantPlacement.filter(tenant_id=tenant.id, valid_to=None).order_by(
            "-valid_from", "-id").first()
        return target_of(tenant), None if held is None else held.departed_at
    moment = moment_of(as_of)
    found = await history.placements(tenant.id, moment, moment)
    return (placement_target(found[-1]), found[-1].departed_at) if found else (None, None)


def absent(user_id: int, act: Act) -> Explanation:
    return Explanation(
        allowed=False, request=[user_subject(user_id), "", "", "", act.value],
        refusal=Refusal.TENANT_ABSENT,
    )


async def explain_access(
    ctx: Context, user_id: int, tenant_id: int, act: Act, as_of: When = None
) -> UserExplanation:
    user, tenant = await user_or_404(user_id), await tenant_or_404(tenant_id)
    target, left_at = await target_then(tenant, as_of)
    if target is None:
        return UserExplanation(user, absent(user.id, act))
    organisation = await organisation_or_404(target.organisation_id)
    view = await view_of(ctx, organisation, as_of, [user.id])
    explained = explain_decision(view, user.id, user.organisation_id, target, act)
    return UserExplanation(user, explained, left_at)


async def who_can_access(
    ctx: Context, tenant_id: int, act: Act, as_of: When = None
) -> list[UserExplanation]:
    tenant = await tenant_or_404(tenant_id)
    target, left_at = await target_then(tenant, as_of)
    if target is None:
        return []
    organisation = await organisation_or_404(target.organisation_id)
    view = await view_of(ctx, organisation, as_of)
    candidates = sorted(possibly_allowed(view, target, act.value) & set(view.user_ids()))
    users = await User.filter(id__in=candidates).order_by("last_name", "first_name", "id")
    answers = [
        UserExplanation(u, explain_decision(view, u.id, u.organisation_id, target, act), left_at)
        for u in users
    ]
    return [a for a in answers if a.explanation.allowed]


def scope_in(view: PolicyView, user_id: int, act: Act) -> Scope:
    """The scope a session of this user would get in this view (empty if it could not work)."""
    if account_refusal(view.accounts.get(user_id), view) is not None:
        return EMPTY
    permissions = view.enforcer.get_implicit_permissions_for_user(
        user_subject(user_id), view.domain
    )
    scopes = compile_scopes(view.organisation_id, permissions)
    return scopes.get(act) or scopes.get(ANY) or EMPTY


def tenants_in(scope: Scope):
    return Tenant.filter(scope.housing_filter("housing__"))


def placed_in(scope: Scope, moment: datetime):
    """The placements in force at `moment` that the scope covers (the tenants of then)."""
    return TenantPlacement.filter(history.placed_at(moment)).filter(scope.housing_filter())


async def count_by_housing(scope: Scope, as_of: When = None) -> list[AccessCount]:
    if as_of is None:
        query, prefix = tenants_in(scope), "housing__"
    else:
        query, prefix = placed_in(scope, moment_of(as_of)), ""
    htype, dept = f"{prefix}housing_type", f"{prefix}departement"
    rows = await query.annotate(n=Count("id")).group_by(htype, dept).values(htype, dept, "n")
    counts = [AccessCount(str(r[htype]), r[dept], r["n"]) for r in rows]
    return sorted(counts, key=lambda c: (c.housing_type, c.zone))


async def user_access(
    ctx: Context, user_id: int, act: Act, as_of: When = None
) -> UserAccessReport:
    user = await user_or_404(user_id)
    if user.organisation_id is None:  # agency accounts see no tenant
        day = as_of.date() if isinstance(as_of, datetime) else as_of
        return UserAccessReport(user, day or today(), 0, [])
    organisation = await organisation_or_404(user.organisation_id)
    view = await view_of(ctx, organisation, as_of, [user.id])
    counts = await count_by_housing(scope_in(view, user.id, act), as_of)
    return UserAccessReport(user, view.day, sum(c.count for c in counts), counts)
