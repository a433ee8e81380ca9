"""The agency's view of its partners: organisations found by name, number, state or département,
each with its administrator and its numbers, computed for a whole page at once.

A page costs a constant number of queries whatever its size: the page itself (keyset on
(name, id)), then one grouped query each for the users, the tenants per zone and the
administrators of the organisations on it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count

from models import Housing, Organisation, Tenant, User
from models.organisations import folded
from models.validators import is_departement, is_user_number
from resolvers.shared.errors import NotFound, invalid
from resolvers.shared.pagination import Page, paginate

MAX_SEARCH_LENGTH = 100
# Three keys (as the other lists): a forged two-value cursor is refused by its length.
ORDER = ("name", "user_number", "id")


@dataclass
class OrganisationFilter:
    search: str | None = None
    activated: bool | None = None
    departement: str | None = None


@dataclass
class ZoneCount:
    housing_type: str
    departement: str
    tenants: int


@dataclass
class OrganisationFacts:
    """What the agency sees of one organisation."""

    row: Organisation
    administrator: User | None = None
    users: int = 0
    zones: list[ZoneCount] = field(default_factory=list)


def _conditions(wanted: OrganisationFilter) -> Q:
    conditions = []
    text = (wanted.search or "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise invalid("search", f"La recherche dépasse {MAX_SEARCH_LENGTH} caractères.")
    if text:
        by_name = Q(search_name__contains=folded(text))
        # The column's validator refuses anything but a N° utilisateur, even in a filter.
        number = text.upper()
        conditions.append(by_name | Q(user_number=number) if is_user_number(number) else by_name)
    if wanted.activated is not None:
        conditions.append(Q(activated_at__isnull=not wanted.activated))
    if wanted.departement is not None:
        code = wanted.departement.strip().upper()
        if not is_departement(code):
            raise invalid("departement", f"Département inconnu : {wanted.departement!r}.")
        housed = Housing.filter(departement=code).values("organisation_id")
        conditions.append(Q(id__in=Subquery(housed)))
    return Q(*conditions) if conditions else Q()


async def facts_of(rows: list[Organisation]) -> list[OrganisationFacts]:
    """The page's numbers: three grouped queries, whatever the number of rows."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    user_counts = await (
        User.filter(organisation_id__in=ids).group_by("organisation_id")
        .annotate(n=Count("id")).values_list("organisation_id", "n")
    )
    zone_counts = await (
        Tenant.filter(housing__organisation_id__in=ids)
        .group_by("housing__organisation_id", "housing__housing_type", "housing__departement")
        .annotate(n=Count("id"))
        .values_list("housing__organisation_id", "housing__housing_type",
                     "housing__departement", "n")
    )
    admin_ids = [r.administrator_id for r in rows if r.administrator_id is not None]
    admins = {u.id: u for u in await User.filter(id__in=admin_ids)} if admin_ids else {}
    users = dict(user_counts)
    zones: dict[int, list[ZoneCount]] = defaultdict(list)
    for org_id, htype, dept, n in sorted(zone_counts, key=lambda z: (z[0], z[2], str(z[1]))):
        zones[org_id].append(ZoneCount(str(getattr(htype, "value", htype)), dept, n))
    return [
        OrganisationFacts(r, admins.get(r.administrator_id or 0), users.get(r.id, 0), zones[r.id])
        for r in rows
    ]


async def list_organisations(
    first: int, after: list | None, wanted: OrganisationFilter
) -> tuple[Page[Organisation], list[OrganisationFacts]]:
    page = await paginate(Organisation.filter(_conditions(wanted)), ORDER, first, after)
    return page, await facts_of(page.rows)


async def get_organisation(organisation_id: int) -> OrganisationFacts:
    row = await Organisation.get_or_none(id=organisation_id)
    if row is None:
        raise NotFound("Organisme introuvable.")
    [facts] = await facts_of([row])
    return facts
