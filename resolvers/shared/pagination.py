"""Keyset pagination: a page costs the same wherever it starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

T = TypeVar("T", bound=Model)


@dataclass
class Page(Generic[T]):
    rows: list[T]
    has_next: bool
    total: int
    keys: list[list[Any]]


def _after(order: tuple[str, ...], values: list[Any]) -> Q:
    """Rows strictly after `values` in ascending `order` (a lexicographic comparison)."""
    branches = []
    for i, name in enumerate(order):
        equal = {order[j]: values[j] for j in range(i)}
        branches.append(Q(**equal, **{f"{name}__gt": values[i]}))
    return Q(*branches, join_type=Q.OR)


def _key(row: Any, order: tuple[str, ...]) -> list[Any]:
    key = []
    for path in order:
        value = row
        for part in path.split("__"):
            value = getattr(value, part)
        key.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return key


async def paginate(
    query: QuerySet[T], order: tuple[str, ...], first: int, after: list[Any] | None
) -> Page[T]:
    total = await query.count()
    if after is not None:
        if len(after) != len(order):
            from resolvers.shared.errors import invalid

            raise invalid("after", "Curseur de pagination invalide.")
        query = query.filter(_after(order, after))
    rows = await query.order_by(*order).limit(first + 1)
    has_next = len(rows) > first
    rows = rows[:first]
    return Page(rows=rows, has_next=has_next, total=total, keys=[_key(r, order) for r in rows])
