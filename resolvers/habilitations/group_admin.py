"""Habilitation groups beyond the pre-created ones: created, changed, deleted by the administrateur.

Each change is one `policy_change` transaction: the domain's change lock, the group row, its
Casbin lines and the audit event together. Changes of one organisation's groups and of its
memberships (which take the same lock) are therefore serialised: a group deleted while members
are being added is either deleted empty, or refused because a member landed first; a member
added after the deletion finds no group. Names are unique per organisation by the database's
own constraint, so that of parallel creations or renames to one name exactly one wins.

Only the administrateur manages groups (checked inside the transaction, on the roles read
there): a responsable, whose perimeter is made of groups, could otherwise widen it.
A group's zones must be départements where the organisation manages housing.

Group events follow the trail's convention for past views (`audit.policy_view`): target
"group", `after` = {name, housing_type, zones}, or None once deleted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import cast

import casbin
from tortoise.exceptions import IntegrityError

from models import HabilitationGroup, Housing, User
from models.enums import HousingType
from models.validators import fits_column
from policies.defaults import group_rules
from policies.vocabulary import Role, group_subject, org_domain, user_subject
from resolvers.audit import chain as audit_log
from resolvers.habilitations.policy_changes import policy_change
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, Forbidden, Invalid, NotFound

ADMIN_ONLY = "Seul l'administrateur de l'organisme crée, modifie ou supprime les groupes."
NAME_TAKEN = "Un groupe de votre organisme porte déjà ce nom."
NOT_EMPTY = "Ce groupe a encore {count} membre(s) : retirez-les avant de le supprimer."


@dataclass
class GroupDefinition:
    name: str
    housing_type: HousingType
    zones: list[str]


def definition_of(group: HabilitationGroup) -> dict:
    return {"name": group.name, "housing_type": group.housing_type.value,
            "zones": sorted(group.zones)}


async def _checked(organisation_id: int, data: GroupDefinition) -> GroupDefinition:
    name = " ".join(data.name.split())
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "Le nom du groupe est obligatoire."
    elif not fits_column(HabilitationGroup, "name", name):
        problems["name"] = "Le nom du groupe ne peut dépasser 200 caractères."
    zones = sorted({z.strip().upper() for z in data.zones})
    own = set(cast(  # flat=True gives the values themselves; Tortoise's stubs say tuples
        list[str], await Housing.filter(organisation_id=organisation_id)
        .distinct().values_list("departement", flat=True)))
    if not zones:
        problems["zones"] = "Indiquez au moins un département."
    elif outside := [z for z in zones if z not in own]:
        problems["zones"] = (
            "Départements où votre organisme ne gère aucun logement : " + ", ".join(outside) + "."
        )
    if problems:
        raise Invalid(problems)
    return GroupDefinition(name, HousingType(data.housing_type), zones)


@asynccontextmanager
async def _as_administrator(ctx: Context) -> AsyncIterator[casbin.AsyncEnforcer]:
    domain = org_domain(ctx.organisation_id)
    async with policy_change(ctx.services, domain) as enforcer:
        roles = await enforcer.get_roles_for_user_in_domain(user_subject(ctx.user_id), domain)
        if Role.ADMINISTRATEUR.value not in roles:
            raise Forbidden(ADMIN_ONLY)
        yield enforcer


@asynccontextmanager
async def _unique_name() -> AsyncIterator[None]:
    try:
        yield
    except IntegrityError:
        raise Conflict(NAME_TAKEN, fields={"name": NAME_TAKEN}) from None


async def _record(ctx: Context, action: str, group_id: int, before, after) -> None:
    actor = await User.get(id=ctx.user_id).only("id", "identifier")
    await audit_log.record(
        action, actor_id=actor.id, actor_label=actor.identifier,
        organisation_id=ctx.organisation_id, target_type="group", target_id=group_id,
        before=before, after=after,
    )


async def _set_lines(enforcer, organisation_id: int, group: HabilitationGroup) -> None:
    domain, subject = org_domain(organisation_id), group_subject(group.id)
    await enforcer.remove_filtered_policy(0, subject, domain)
    await enforcer.add_policies(
        group_rules(organisation_id, group.id, group.housing_type.value, group.zones)
    )


async def _locked_group(organisation_id: int, group_id: int) -> HabilitationGroup:
    query = HabilitationGroup.filter(id=group_id, organisation_id=organisation_id)
    group = await query.select_for_update().first()
    if group is None:
        raise NotFound("Groupe d'habilitation introuvable.")
    return group


async def create_group(ctx: Context, data: GroupDefinition) -> HabilitationGroup:
    organisation_id = ctx.organisation_id
    data = await _checked(organisation_id, data)
    async with _unique_name(), _as_administrator(ctx) as enforcer:
        group = await HabilitationGroup.create(
            organisation_id=organisation_id, name=data.name, housing_type=data.housing_type,
            zones=data.zones,
        )
        await _set_lines(enforcer, organisation_id, group)
        await _record(ctx, "habilitation_group_created", group.id, None, definition_of(group))
    return group


async def change_group(
    ctx: Context, group_id: int, name: str | None, housing_type: HousingType | None,
    zones: list[str] | None,
) -> HabilitationGroup:
    """Rename and/or redefine a group; its members' rights follow at once."""
    organisation_id = ctx.organisation_id
    async with _unique_name(), _as_administrator(ctx) as enforcer:
        group = await _locked_group(organisation_id, group_id)
        before = definition_of(group)
        data = await _checked(organisation_id, GroupDefinition(
            group.name if name is None else name,
            group.housing_type if housing_type is None else housing_type,
            list(group.zones) if zones is None else zones,
        ))
        group.name, group.housing_type, group.zones = data.name, data.housing_type, data.zones
        await group.save(update_fields=["name", "housing_type", "zones"])
        await _set_lines(enforcer, organisation_id, group)
        await _record(ctx, "habilitation_group_changed", group.id, before, definition_of(group))
    return group


async def delete_group(ctx: Context, group_id: int) -> bool:
    organisation_id = ctx.organisation_id
    domain = org_domain(organisation_id)
    async with _as_administrator(ctx) as enforcer:
        group = await _locked_group(organisation_id, group_id)
        members = await enforcer.get_users_for_role_in_domain(group_subject(group.id), domain)
        if members:
            raise Conflict(NOT_EMPTY.format(count=len(members)))
        before = definition_of(group)
        await enforcer.remove_filtered_policy(0, group_subject(group.id), domain)
        await group.delete()
        await _record(ctx, "habilitation_group_deleted", group_id, before, None)
    return True


async def group_exists(ctx: Context, group_id: int) -> bool:
    """Whether the group is one of the caller's organisation (others are not found alike)."""
    return await HabilitationGroup.exists(id=group_id, organisation_id=ctx.organisation_id)
