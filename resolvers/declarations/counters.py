"""Totals of tenants without counting them: sums of the `tenant_count` rows (kept by database
triggers in the transaction of every write, see migration 0009) over the caller's scope, whose
(housing type, zone) pairs select the rows as they select the housing.

A list page reads its total and each row's declaration state in the page's own statement
(`counted_page`): one statement per page besides the session's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Term
from pypika_tortoise.utils import format_alias_sql
from tortoise.expressions import Case, F, Q, RawSQL, Subquery, When
from tortoise.functions import Coalesce, Sum
from tortoise.queryset import QuerySet

from models import TenantCount
from models.counters import EVERY_YEAR
from models.enums import DeclarationState
from policies.scope import Scope
from policies.vocabulary import Act
from resolvers.shared.context import Context

TENANTS = "tenant"
# First key of the counters' per-organisation advisory locks (migration 0016); second key the
# organisation, or IMPORTS for the lock that serialises imports.
COUNTER_LOCKS = 715518
IMPORTS = 0
# A search's total is counted up to this many rows (a search is not a scope: no counter answers
# it, and counting every match of a short search costs what the scope costs).
SEARCH_COUNT_CAP = 1000
TOTAL = "counted_total"
STATE = "counted_state"


async def serialise_imports(connection: Any) -> None:
    """Imports one at a time (PostgreSQL; SQLite has one writer): an import locks the
    organisations it writes in the file's order, so two imports must not interleave."""
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock($1, $2)",
                                       [COUNTER_LOCKS, IMPORTS])


@dataclass(frozen=True)
class Campaign:
    total: int
    transmitted: int


async def campaign(scope: Scope, year: int) -> Campaign:
    """Tenants in the scope and, of them, declarations transmitted for `year`: one statement."""
    rows = await (
        TenantCount.filter(
            scope.housing_filter(),
            Q(year=EVERY_YEAR, kind=TENANTS) | Q(year=year, kind=DeclarationState.TRANSMIS.value),
        )
        .annotate(n=Sum("total"))
        .group_by("kind")
        .values_list("kind", "n")
    )
    sums = {kind: int(n or 0) for kind, n in rows}
    return Campaign(sums.get(TENANTS, 0), sums.get(DeclarationState.TRANSMIS.value, 0))


def _summed(scope: Scope, year: int, state: DeclarationState | None) -> Any:
    """One row, one column: how many tenants of the scope are in `state` for `year` (all of
    them without a state); non saisi is every tenant less those with a brouillon or transmis."""
    rows = TenantCount.filter(scope.housing_filter())
    amount: Any  # F or Case (Sum is typed for F only)
    if state is None:
        rows, amount = rows.filter(year=EVERY_YEAR, kind=TENANTS), F("total")
    elif state == DeclarationState.NON_SAISI:
        declared = [DeclarationState.BROUILLON.value, DeclarationState.TRANSMIS.value]
        rows = rows.filter(Q(year=EVERY_YEAR, kind=TENANTS) | Q(year=year, kind__in=declared))
        amount = Case(When(kind=TENANTS, then=F("total")), default=F("total") * -1)
    else:
        rows, amount = rows.filter(year=year, kind=state.value), F("total")
    return rows.annotate(n=Coalesce(Sum(amount), 0)).values("n")


class BoundedCount(Term):
    """(SELECT COUNT(*) FROM (<query> LIMIT cap + 1)): reads cap + 1 rows at most."""

    def __init__(self, query: QuerySet[Any], cap: int) -> None:
        super().__init__()
        self.query = query.limit(cap + 1).values("id")

    def get_sql(self, ctx: SqlContext) -> str:
        self.query._choose_db_if_not_chosen()
        self.query._make_query()
        inner = self.query.query.get_parameterized_sql(ctx.copy(subquery=True, with_alias=False))
        quote = ctx.quote_char or ""
        sql = f"(SELECT COUNT(*) FROM {inner[0]} {quote}bounded{quote})"
        return format_alias_sql(sql, self.alias, ctx) if ctx.with_alias else sql


def state_of(year: int) -> RawSQL:
    """Each row's declaration state for `year` (NULL: none), read by the page's statement."""
    return RawSQL(
        '(SELECT "state" FROM "rent_declaration" WHERE "rent_declaration"."tenant_id" = '
        f'"tenant"."id" AND "rent_declaration"."year" = {int(year)})'
    )


@dataclass(frozen=True)
class Counting:
    """How a tenants page learns its total: a counter sum or a bounded count (a search)."""

    scope: Scope
    year: int
    state: DeclarationState | None
    searched: QuerySet[Any] | None = None  # the filtered rows, when a search was given

    def expression(self) -> Term:
        if self.searched is not None:
            return BoundedCount(self.searched, SEARCH_COUNT_CAP)
        return Subquery(_summed(self.scope, self.year, self.state))

    def annotate(self, query: QuerySet[Any]) -> QuerySet[Any]:
        """The page's query, reading the total and each row's state in the same statement."""
        return query.annotate(**{TOTAL: self.expression(), STATE: state_of(self.year)})

    async def total(self, rows: list[Any], resumed: bool) -> tuple[int, bool]:
        """The total read with `rows` and whether it is exact (a search counts up to its cap).
        An empty first page means none; only an empty page after a cursor asks again."""
        if rows:
            found = int(getattr(rows[0], TOTAL) or 0)
        elif not resumed:
            found = 0
        elif self.searched is not None:
            found = await self.searched.limit(SEARCH_COUNT_CAP + 1).count()
        else:
            [row] = await _summed(self.scope, self.year, self.state)
            found = int(row["n"] or 0)
        if self.searched is not None and found > SEARCH_COUNT_CAP:
            return SEARCH_COUNT_CAP, False
        return found, True


async def counting(
    ctx: Context, year: int, state: DeclarationState | None, searched: QuerySet[Any] | None
) -> Counting:
    """How the caller's list of tenants is counted (`searched`: the rows a search kept)."""
    return Counting(await ctx.guard.scope(Act.READ), year, state, searched)


def row_state(row: Any) -> DeclarationState:
    """A row's state as `Counting.annotate` read it (absent: non saisi)."""
    stored = getattr(row, STATE, None)
    if stored is None or stored == DeclarationState.NON_SAISI.value:
        return DeclarationState.NON_SAISI
    return DeclarationState(stored)
