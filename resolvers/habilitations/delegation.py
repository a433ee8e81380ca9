"""The one rule of delegation: who may change whose habilitations.

An administrateur manages every user of its organisation. A responsable d'habilitation manages
within its perimeter, a set of (housing type, zone) pairs: the `grant` lines its administrateur
set on it (`setHabilitationManager(..., groupIds)`) or, without any, the groups it holds. It
- grants and withdraws only groups lying inside its perimeter;
- touches (creates, changes, closes, unlocks) only users all of whose groups lie inside it;
- never touches the administrateur nor a responsable (itself included), and names nobody.
Whatever sequence of calls it makes, no account gains a right outside its perimeter.

The rule is decided inside the transaction that makes the change, on the policies read under the
domain's change lock (`locked_domain`; the target's row is locked too): a perimeter shrunk, a
group granted or a role withdrawn by a concurrent call lands wholly before the check or wholly
after the change, so two calls cannot combine into what neither may do alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import casbin

from models import HabilitationGroup, Organisation, User
from policies.scope import Scope
from policies.vocabulary import Act, Role, group_subject, org_domain, parse_id, user_subject
from resolvers.habilitations.policy_changes import locked_domain, policy_change
from resolvers.shared.context import Context
from resolvers.shared.errors import Forbidden, NotFound

MANAGERS = frozenset({Role.ADMINISTRATEUR.value, Role.RESPONSABLE.value})

NOT_A_MANAGER = "Vous n'êtes pas gestionnaire des habilitations de cet organisme."
ONLY_ADMIN_NAMES = "Seul l'administrateur désigne les responsables d'habilitation."
MANAGER_TARGET = "Seul l'administrateur peut modifier un gestionnaire des habilitations."
TARGET_OUTSIDE = (
    "Cet utilisateur a des habilitations hors de votre périmètre de délégation : seul "
    "l'administrateur peut le modifier."
)
GRANT_OUTSIDE = "Ces groupes sont hors de votre périmètre de délégation : {names}."


@dataclass
class Delegated:
    """What a change may go on with once the rule allowed it."""

    enforcer: casbin.AsyncEnforcer
    target: User | None
    groups: list[HabilitationGroup] = field(default_factory=list)

    @property
    def user(self) -> User:
        """The target, for the changes that have one."""
        if self.target is None:
            raise NotFound("Utilisateur introuvable.")
        return self.target


def group_pairs(enforcer, domain: str, group_ids: Iterable[int]) -> set[tuple[str, str]]:
    """The (housing type, zone) pairs the groups give rights on, as their policy lines say."""
    pairs: set[tuple[str, str]] = set()
    for gid in group_ids:
        lines = enforcer.get_filtered_policy(0, group_subject(gid), domain)
        pairs |= {(line[2], line[3]) for line in lines}
    return pairs


def explicit_perimeter(enforcer, domain: str, user_id: int) -> set[tuple[str, str]]:
    lines = enforcer.get_filtered_policy(0, user_subject(user_id), domain, "", "", Act.GRANT.value)
    return {(line[2], line[3]) for line in lines}


async def perimeter(enforcer, organisation_id: int, user_id: int) -> Scope:
    """A responsable's perimeter: its explicit `grant` lines, else the groups it holds."""
    domain = org_domain(organisation_id)
    pairs = explicit_perimeter(enforcer, domain, user_id)
    if not pairs:
        names = await enforcer.get_roles_for_user_in_domain(user_subject(user_id), domain)
        pairs = group_pairs(enforcer, domain, (parse_id(n) for n in names if n.startswith("grp:")))
    return Scope(organisation_id, frozenset(pairs))


def covers(scope: Scope, pairs: Iterable[tuple[str, str]]) -> bool:
    organisation_id = scope.organisation_id
    return organisation_id is not None and all(
        scope.allows(organisation_id, h, z) for h, z in pairs
    )


def perimeter_groups(enforcer, domain: str, user_id: int) -> list[int] | None:
    """The groups an explicit perimeter covers (for audit states); None when it is the default."""
    explicit = explicit_perimeter(enforcer, domain, user_id)
    if not explicit:
        return None
    by_group: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for line in enforcer.get_filtered_policy(1, domain):
        if line[0].startswith("grp:"):
            by_group[parse_id(line[0])].add((line[2], line[3]))
    return sorted(gid for gid, pairs in by_group.items() if pairs <= explicit)


async def authorise(
    enforcer,
    organisation_id: int,
    actor_id: int,
    target: User | None,
    grants: list[HabilitationGroup],
    *,
    naming: bool = False,
) -> None:
    """The rule itself; raises Forbidden (in French) for whatever the actor may not do.

    `target`: the user changed (None for a creation); `grants`: the groups it will hold after
    the change; `naming`: the change names or dismisses a responsable.
    """
    domain = org_domain(organisation_id)
    roles = set(await enforcer.get_roles_for_user_in_domain(user_subject(actor_id), domain))
    if Role.ADMINISTRATEUR.value in roles:
        return
    if Role.RESPONSABLE.value not in roles:
        raise Forbidden(NOT_A_MANAGER)
    if naming:
        raise Forbidden(ONLY_ADMIN_NAMES)
    scope = await perimeter(enforcer, organisation_id, actor_id)
    if target is not None:
        names = set(await enforcer.get_roles_for_user_in_domain(user_subject(target.id), domain))
        if names & MANAGERS or target.id == actor_id or await Organisation.exists(
            id=organisation_id, administrator_id=target.id
        ):
            raise Forbidden(MANAGER_TARGET)
        held = [parse_id(n) for n in names if n.startswith("grp:")]
        if not covers(scope, group_pairs(enforcer, domain, held)):
            raise Forbidden(TARGET_OUTSIDE)
    outside = [g for g in grants if not covers(scope, group_pairs(enforcer, domain, [g.id]))]
    if outside:
        raise Forbidden(GRANT_OUTSIDE.format(names=", ".join(sorted(g.name for g in outside))))


async def _groups_in_org(organisation_id: int, group_ids: Iterable[int]) -> list[HabilitationGroup]:
    unique = sorted(set(group_ids))
    groups = await HabilitationGroup.filter(id__in=unique, organisation_id=organisation_id)
    if len(groups) != len(unique):
        raise NotFound("Groupe d'habilitation introuvable.")
    return groups


async def _locked_target(organisation_id: int, user_id: int) -> User:
    query = User.filter(id=user_id, organisation_id=organisation_id).select_for_update()
    user = await query.first()
    if user is None:
        raise NotFound("Utilisateur introuvable.")
    return user


@asynccontextmanager
async def delegated(
    ctx: Context,
    target_id: int | None = None,
    group_ids: Iterable[int] = (),
    *,
    naming: bool = False,
    changes_policies: bool = True,
) -> AsyncIterator[Delegated]:
    """One delegate change: a transaction under the domain's change lock, the target's row
    locked, the rule checked on what is read there; the body makes the change in the same
    transaction. `changes_policies=False` for changes that write no policy line (no announce)."""
    organisation_id = ctx.organisation_id
    domain = org_domain(organisation_id)
    async with _transaction(ctx, domain, changes_policies) as enforcer:
        target = None
        if target_id is not None:
            target = await _locked_target(organisation_id, target_id)
        groups = await _groups_in_org(organisation_id, group_ids)
        await authorise(enforcer, organisation_id, ctx.user_id, target, groups, naming=naming)
        yield Delegated(enforcer, target, groups)


@asynccontextmanager
async def _transaction(ctx: Context, domain: str, changes_policies: bool):
    if changes_policies:
        async with policy_change(ctx.services, domain) as enforcer:
            yield enforcer
    else:
        async with locked_domain(domain) as (_, enforcer):
            yield enforcer
