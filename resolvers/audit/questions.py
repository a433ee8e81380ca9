"""The auditor's questions about habilitations: what is in force, why, for whom, since when.

Read-only, across organisations. Every answer is computed from a `PolicyView` (today's Casbin
lines, or those replayed from the audit trail) with the same Casbin model that enforces requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.functions import Count

from models import Organisation, Tenant, User
from policies.scope import EMPTY, Scope, compile_scopes
from policies.vocabulary import ANY, Act, user_subject
from resolvers.audit.explain import Explanation, Target, account_refusal, explain_decision
from resolvers.audit.policy_view import PolicyView, current_view, view_as_of
from resolvers.shared.clock import today
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound


@dataclass
class UserExplanation:
    user: User
    explanation: Explanation


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


async def view_of(
    ctx: Context, organisation: Organisation, as_of: date | None, user_ids: list[int] | None = None
) -> PolicyView:
    if as_of is None:
        view = await current_view(ctx.services.registry, organisation.id, user_ids)
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


async def explain_access(
    ctx: Context, user_id: int, tenant_id: int, act: Act, as_of: date | None = None
) -> UserExplanation:
    user, tenant = await user_or_404(user_id), await tenant_or_404(tenant_id)
    organisation = await organisation_or_404(tenant.housing.organisation_id)
    view = await view_of(ctx, organisation, as_of, [user.id])
    return UserExplanation(
        user, explain_decision(view, user.id, user.organisation_id, target_of(tenant), act)
    )


async def who_can_access(
    ctx: Context, tenant_id: int, act: Act, as_of: date | None = None
) -> list[UserExplanation]:
    tenant = await tenant_or_404(tenant_id)
    organisation = await organisation_or_404(tenant.housing.organisation_id)
    view = await view_of(ctx, organisation, as_of)
    users = await User.filter(id__in=view.user_ids()).order_by("last_name", "first_name", "id")
    target = target_of(tenant)
    answers = [
        UserExplanation(u, explain_decision(view, u.id, u.organisation_id, target, act))
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


async def count_by_housing(scope: Scope) -> list[AccessCount]:
    rows = await (
        tenants_in(scope)
        .annotate(n=Count("id"))
        .group_by("housing__housing_type", "housing__departement")
        .values("housing__housing_type", "housing__departement", "n")
    )
    counts = [
        AccessCount(str(r["housing__housing_type"]), r["housing__departement"], r["n"])
        for r in rows
    ]
    return sorted(counts, key=lambda c: (c.housing_type, c.zone))


async def user_access(
    ctx: Context, user_id: int, act: Act, as_of: date | None = None
) -> UserAccessReport:
    user = await user_or_404(user_id)
    if user.organisation_id is None:  # agency accounts see no tenant
        return UserAccessReport(user, as_of or today(), 0, [])
    organisation = await organisation_or_404(user.organisation_id)
    view = await view_of(ctx, organisation, as_of, [user.id])
    counts = await count_by_housing(scope_in(view, user.id, act))
    return UserAccessReport(user, view.day, sum(c.count for c in counts), counts)
