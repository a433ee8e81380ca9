"""A Casbin adapter storing policy lines in the `casbin_rule` table through Tortoise.

Written here because casbin-tortoise-adapter 2.0 breaks on Tortoise 1.x (`add_policies` raises,
filtered removals ignore `ptype`). Writes join the caller's Tortoise transaction, so a policy
change and its audit event commit or roll back together. Filtered loading takes one domain:
`p` lines hold the domain in v1, `g` lines in v2.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from casbin.persist.adapters.asyncio import AsyncAdapter

from models import CasbinRule

_COLUMNS = ("v0", "v1", "v2", "v3", "v4", "v5")
_DOMAIN_COLUMN = {"p": "v1", "g": "v2"}


@dataclass(frozen=True)
class DomainFilter:
    """Load only the lines of these domains."""

    domains: tuple[str, ...]


def _values(rule: list[str]) -> dict[str, Any]:
    return {column: value for column, value in zip(_COLUMNS, rule, strict=False)}


def load_policy_array(line: list[str], model) -> None:
    """Casbin's own load_policy_line, minus its CSV parsing: values may hold commas."""
    sec = line[0][0]
    if sec in model.model and line[0] in model.model[sec]:
        assertion = model.model[sec][line[0]]
        assertion.policy.append(line[1:])
        assertion.policy_map[",".join(line[1:])] = len(assertion.policy) - 1


def _line(row: CasbinRule) -> list[str]:
    return _trimmed([row.ptype, row.v0, row.v1, row.v2, row.v3, row.v4, row.v5])


def _trimmed(values: list[str]) -> list[str]:
    while values and values[-1] == "":
        values.pop()
    return values


@cache
def _filtered_sql(dialect: str, domains: int) -> str:
    """The lines of `domains` domains, in insertion order; each domain is one bound parameter."""
    mark = "$" if dialect == "postgres" else "?"  # numbered: each list below reuses them
    marks = [f"{mark}{i}" for i in range(1, domains + 1)]
    listed = ", ".join(marks)
    where = " OR ".join(
        f"(ptype = '{ptype}' AND {column} IN ({listed}))"
        for ptype, column in _DOMAIN_COLUMN.items()
    )
    table = CasbinRule._meta.db_table
    return f"SELECT ptype, {', '.join(_COLUMNS)} FROM {table} WHERE {where} ORDER BY id"


class TortoiseAdapter(AsyncAdapter):
    def __init__(self) -> None:
        self._filtered = False

    def is_filtered(self) -> bool:
        return self._filtered

    async def load_policy(self, model) -> None:
        for row in await CasbinRule.all().order_by("id"):
            load_policy_array(_line(row), model)
        self._filtered = False

    async def load_filtered_policy(self, model, filter: DomainFilter) -> None:  # noqa: A002
        # Fixed SQL, not a queryset: this runs on the first request of every organisation, where
        # building the query cost more than running it (and asyncpg reuses the prepared statement).
        db = CasbinRule._meta.db
        sql = _filtered_sql(db.capabilities.dialect, len(filter.domains))
        _, rows = await db.execute_query(sql, list(filter.domains))
        for row in rows:
            load_policy_array(_trimmed(list(row)), model)
        self._filtered = True

    async def save_policy(self, model) -> bool:
        await CasbinRule.all().delete()
        rows = [
            CasbinRule(ptype=ptype, **_values(rule))
            for sec in ("p", "g")
            for ptype, assertion in model.model.get(sec, {}).items()
            for rule in assertion.policy
        ]
        await CasbinRule.bulk_create(rows)
        return True

    async def add_policy(self, sec: str, ptype: str, rule: list[str]) -> bool:
        await CasbinRule.create(ptype=ptype, **_values(rule))
        return True

    async def add_policies(self, sec: str, ptype: str, rules: list[list[str]]) -> bool:
        await CasbinRule.bulk_create([CasbinRule(ptype=ptype, **_values(r)) for r in rules])
        return True

    async def remove_policy(self, sec: str, ptype: str, rule: list[str]) -> bool:
        deleted = await CasbinRule.filter(ptype=ptype, **_values(rule)).delete()
        return deleted > 0

    async def remove_policies(self, sec: str, ptype: str, rules: list[list[str]]) -> bool:
        for rule in rules:
            await self.remove_policy(sec, ptype, rule)
        return True

    async def remove_filtered_policy(
        self, sec: str, ptype: str, field_index: int, *field_values: str
    ) -> bool:
        criteria = {
            _COLUMNS[field_index + i]: value for i, value in enumerate(field_values) if value
        }
        deleted = await CasbinRule.filter(ptype=ptype, **criteria).delete()
        return deleted > 0
