"""A principal's rights compiled once: set lookups for `can`, one SQL condition for lists."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q

from models.enums import HousingType
from models.validators import DEPARTEMENTS
from policies.vocabulary import ANY

HOUSING_TYPES = tuple(t.value for t in HousingType)

# A condition no row satisfies, for principals with no right at all.
NOTHING = Q(id__in=[])


@dataclass(frozen=True, slots=True)
class Scope:
    """The (housing type, zone) pairs on which one action is allowed in one organisation."""

    organisation_id: int | None
    grants: frozenset[tuple[str, str]]

    def allows(self, organisation_id: int, housing_type: str, zone: str) -> bool:
        if organisation_id != self.organisation_id:
            return False
        g = self.grants
        return (
            (housing_type, zone) in g
            or (housing_type, ANY) in g
            or (ANY, zone) in g
            or (ANY, ANY) in g
        )

    @property
    def is_empty(self) -> bool:
        return not self.grants

    def housing_filter(self, prefix: str = "") -> Q:
        """The same rule as `allows`, as one WHERE condition on housing columns."""
        if self.organisation_id is None or self.is_empty:
            return NOTHING
        org = _where(f"{prefix}organisation_id", self.organisation_id)
        if (ANY, ANY) in self.grants:
            return org
        zones_by_type: dict[str, set[str]] = defaultdict(set)
        for housing_type, zone in self.grants:
            zones_by_type[housing_type].add(zone)
        any_type_zones = zones_by_type.pop(ANY, set())
        branches: list[Q] = []
        if any_type_zones:
            branches.append(_where(f"{prefix}departement__in", sorted(any_type_zones)))
        for housing_type, zones in sorted(zones_by_type.items()):
            kind = _where(f"{prefix}housing_type", housing_type)
            if ANY in zones:
                branches.append(kind)
            else:
                branches.append(kind & _where(f"{prefix}departement__in", sorted(zones)))
        return org & Q(*branches, join_type=Q.OR)

    def arms(self) -> list[tuple[str, str | None]]:
        """The same rule as `allows`, as disjoint (housing type, zone) ranges (zone None: all
        the type's zones), each an index range of the list's order: a page merges them. Every
        département of a type is the type's whole range: the import accepts no other zone."""
        if self.organisation_id is None:
            return []
        arms: list[tuple[str, str | None]] = []
        for housing_type in HOUSING_TYPES:
            zones = {z for t, z in self.grants if t in (housing_type, ANY)}
            if ANY in zones or zones >= DEPARTEMENTS:
                arms.append((housing_type, None))
            else:
                arms += [(housing_type, zone) for zone in sorted(zones)]
        return arms


EMPTY = Scope(None, frozenset())


def _where(column: str, value: Any) -> Q:
    filters: dict[str, Any] = {column: value}
    return Q(**filters)


def compile_scopes(
    organisation_id: int | None, permissions: list[list[str]]
) -> dict[str, Scope]:
    """Turn Casbin's implicit permissions ([sub, dom, htype, zone, act]) into one Scope per act
    (organisation None: the agency's rights, which reach no organisation's housing)."""
    grants: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for _sub, _dom, housing_type, zone, act in permissions:
        grants[act].add((housing_type, zone))
    wildcard = grants.pop(ANY, set())
    acts = set(grants) | ({ANY} if wildcard else set())
    return {
        act: Scope(organisation_id, frozenset(grants.get(act, set()) | wildcard)) for act in acts
    }
