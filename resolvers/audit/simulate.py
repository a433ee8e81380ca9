"""A dry run of a habilitation change: who would gain or lose access to how many tenants.

The change is applied to an in-memory copy of the organisation's Casbin lines; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Subquery

from models import HabilitationGroup, User
from models.validators import is_departement
from policies.scope import Scope
from policies.vocabulary import ANY, Act, group_subject, user_subject
from resolvers.audit.policy_view import PolicyView
from resolvers.audit.questions import (
    organisation_or_404,
    scope_in,
    tenants_in,
    user_or_404,
    view_of,
)
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound, invalid


@dataclass
class SimulatedChange:
    user: User
    before: int
    after: int
    gained: int
    lost: int


async def _diff(old: Scope, new: Scope) -> tuple[int, int, int, int]:
    before = await tenants_in(old).count()
    after = await tenants_in(new).count()
    old_ids = Subquery(tenants_in(old).values("id"))
    new_ids = Subquery(tenants_in(new).values("id"))
    gained = await tenants_in(new).exclude(id__in=old_ids).count() if after else 0
    lost = await tenants_in(old).exclude(id__in=new_ids).count() if before else 0
    return before, after, gained, lost


def _changed_lines(
    view: PolicyView,
    user_id: int | None,
    group_ids: list[int] | None,
    group_id: int | None,
    zones: list[str] | None,
    housing_type: str | None = None,
) -> tuple[PolicyView, set[int]]:
    """The same view with the proposed change applied, and the users it touches."""
    p_lines, g_lines = view.lines()
    affected: set[int] = set()
    if user_id is not None and group_ids is not None:
        sub = user_subject(user_id)
        g_lines = [g for g in g_lines if not (g[0] == sub and g[1].startswith("grp:"))]
        g_lines += [[sub, group_subject(gid), view.domain] for gid in sorted(set(group_ids))]
        affected.add(user_id)
    if group_id is not None and (zones is not None or housing_type is not None):
        subject = group_subject(group_id)
        kept = [p for p in p_lines if p[0] != subject]
        actions = sorted({p[4] for p in p_lines if p[0] == subject})
        htype = housing_type or view.groups[group_id].housing_type
        zones = list(view.groups[group_id].zones) if zones is None else zones
        p_lines = kept + [
            [subject, view.domain, htype, z, a] for z in sorted(set(zones)) for a in actions
        ]
        affected |= set(view.members_of(subject))
    return view.copy_with_lines(p_lines, g_lines), affected


async def simulate_change(
    ctx: Context,
    act: Act,
    *,
    user_id: int | None = None,
    group_ids: list[int] | None = None,
    group_id: int | None = None,
    zones: list[str] | None = None,
    housing_type: str | None = None,
) -> list[SimulatedChange]:
    unknown = [z for z in zones or () if z != ANY and not is_departement(z)]
    if unknown:
        raise invalid("zones", f"Département inconnu : {', '.join(repr(z) for z in unknown)}.")
    organisation_id = await organisation_of_change(user_id, group_ids, group_id)
    view = await view_of(ctx, await organisation_or_404(organisation_id), None)
    changed, affected = _changed_lines(view, user_id, group_ids, group_id, zones, housing_type)
    users = await User.filter(id__in=sorted(affected)).order_by("last_name", "first_name", "id")
    results = []
    for user in users:
        numbers = await _diff(scope_in(view, user.id, act), scope_in(changed, user.id, act))
        results.append(SimulatedChange(user, *numbers))
    return results


async def organisation_of_change(
    user_id: int | None, group_ids: list[int] | None, group_id: int | None
) -> int:
    ids = set(group_ids or ()) | ({group_id} if group_id is not None else set())
    groups = await HabilitationGroup.filter(id__in=list(ids)) if ids else []
    if len(groups) != len(ids):
        raise NotFound("Groupe d'habilitation introuvable.")
    orgs = {g.organisation_id for g in groups}
    if user_id is not None:
        user = await user_or_404(user_id)
        if user.organisation_id is None:
            raise invalid("userId", "Ce compte n'appartient à aucune organisation.")
        orgs.add(user.organisation_id)
    if not orgs:
        raise invalid("userId", "Indiquez un utilisateur ou un groupe.")
    if len(orgs) != 1:
        raise invalid(
            "groupIds", "Les groupes et l'utilisateur doivent relever d'une même organisation."
        )
    return orgs.pop()
