"""The filter of « Mes utilisateurs »: a text, a group, a state; every condition is SQL, so the
keyset pagination and the total stay exact."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tortoise.expressions import Q

from models import HabilitationGroup
from models.enums import UserStatus
from policies.vocabulary import group_subject, org_domain, parse_id
from resolvers.shared.clock import today
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound, invalid

# Longer than any searched column: nothing could match (and SQLite refuses huge LIKE patterns).
MAX_SEARCH_LENGTH = 100


class UserState(StrEnum):
    """What a manager sees of an account: its status, its dates and a suspension together."""

    PENDING = "pending"  # first login to complete
    ACTIVE = "active"  # may work (inside its dates, not suspended)
    CLOSED = "closed"  # closed, or past its closing date
    SUSPENDED = "suspended"  # suspended by the Caf


@dataclass
class UserFilter:
    search: str | None = None
    group_id: int | None = None
    state: UserState | None = None


def _state_condition(state: UserState) -> Q:
    if state == UserState.SUSPENDED:
        return Q(suspended_at__isnull=False)
    if state == UserState.CLOSED:
        return Q(status=UserStatus.CLOSED) | Q(closing_date__lt=today())
    # Spelled without NOT: a NULL closing date would make "NOT (closing_date < today)" unknown.
    running = Q(closing_date__isnull=True) | Q(closing_date__gte=today())
    return Q(Q(status=UserStatus(state.value)), Q(suspended_at__isnull=True), running)


def _search_condition(text: str) -> Q:
    text = text.strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise invalid("search", f"La recherche dépasse {MAX_SEARCH_LENGTH} caractères.")
    return (Q(last_name__icontains=text) | Q(first_name__icontains=text)
            | Q(identifier__icontains=text) | Q(email__icontains=text))


async def _members(ctx: Context, group_id: int) -> Q:
    organisation_id = ctx.organisation_id
    if not await HabilitationGroup.exists(id=group_id, organisation_id=organisation_id):
        raise NotFound("Groupe d'habilitation introuvable.")
    domain = org_domain(organisation_id)
    enforcer = await ctx.services.registry.get(domain)
    subjects = await enforcer.get_users_for_role_in_domain(group_subject(group_id), domain)
    return Q(id__in=[parse_id(s) for s in subjects if s.startswith("u:")])


async def user_conditions(ctx: Context, wanted: UserFilter) -> Q:
    conditions = []
    if wanted.search and wanted.search.strip():
        conditions.append(_search_condition(wanted.search))
    if wanted.group_id is not None:
        conditions.append(await _members(ctx, wanted.group_id))
    if wanted.state is not None:
        conditions.append(_state_condition(wanted.state))
    return Q(*conditions) if conditions else Q()
