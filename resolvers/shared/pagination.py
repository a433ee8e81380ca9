"""Keyset pagination: a page costs the same wherever it starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

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
    # False when `total` is a lower bound (a count stopped at its cap).
    total_exact: bool = True


class Counted(Protocol):
    """A total read with the page's own statement instead of a COUNT of its own."""

    def annotate(self, query: QuerySet[Any]) -> QuerySet[Any]: ...

    async def total(self, rows: list[Any], resumed: bool) -> tuple[int, bool]: ...


def _name(term: str) -> str:
    """The field of an order term ("-month" sorts on month, newest first)."""
    return term.removeprefix("-")


def _after(order: tuple[str, ...], values: list[Any]) -> Q:
    """Rows strictly after `values` in `order` (a lexicographic comparison; a "-" term is
    descending)."""
    branches = []
    for i, term in enumerate(order):
        equal = {_name(order[j]): values[j] for j in range(i)}
        beyond = "lt" if term.startswith("-") else "gt"
        branches.append(Q(**equal, **{f"{_name(term)}__{beyond}": values[i]}))
    return Q(*branches, join_type=Q.OR)


def row_key(row: Any, order: tuple[str, ...]) -> list[Any]:
    key = []
    for path in map(_name, order):
        value = row
        for part in path.split("__"):
            value = getattr(value, part)
        key.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return key


def _cursor_value(field: Any, value: Any) -> Any:
    """A cursor's value for `field` as the database compares it; ValueError if it cannot be one
    (cursors come back from clients: a forged one must not reach the query)."""
    kind = field.field_type
    if kind is int and type(value) is int:
        low, high = field.constraints.get("ge"), field.constraints.get("le")
        if (low is None or value >= low) and (high is None or value <= high):
            return value
    elif kind is str and isinstance(value, str):
        if field.max_length is None or len(value) <= field.max_length:
            return value
    elif kind is date and isinstance(value, str):
        return date.fromisoformat(value)
    raise ValueError(f"not a cursor value for {field.model_field_name}")


def parse_cursor(model: Any, order: tuple[str, ...], after: list[Any]) -> list[Any]:
    fields = model._meta.fields_map
    try:
        if len(after) != len(order):
            raise ValueError("cursor of another list")
        return [_cursor_value(fields[_name(term)], v)
                for term, v in zip(order, after, strict=True)]
    except ValueError as exc:
        from resolvers.shared.errors import invalid

        raise invalid("after", "Curseur de pagination invalide.") from exc


async def paginate(
    query: QuerySet[T], order: tuple[str, ...], first: int, after: list[Any] | None,
    counted: Counted | None = None,
) -> Page[T]:
    start = None if after is None else parse_cursor(query.model, order, after)
    total, exact = (await query.count(), True) if counted is None else (0, True)
    if start is not None:
        query = query.filter(_after(order, start))
    if counted is not None:
        query = counted.annotate(query)
    rows = await query.order_by(*order).limit(first + 1)
    has_next = len(rows) > first
    rows = rows[:first]
    if counted is not None:
        total, exact = await counted.total(rows, start is not None)
    keys = [row_key(r, order) for r in rows]
    return Page(rows=rows, has_next=has_next, total=total, keys=keys, total_exact=exact)
