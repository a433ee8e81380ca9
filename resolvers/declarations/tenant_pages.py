"""One page of tenants in one statement whose cost follows the page, not the caller's scope.

The scope is a set of disjoint (housing type, zone) arms (policies.scope.Scope.arms); the tenant
row carries those columns, and an index in the list's order starts with them. Each arm is one
ordered index range read up to the page's LIMIT; the arms are merged under the same LIMIT
(PostgreSQL: Merge Append; SQLite: a merge of the ordered arms), then the page's rows alone are
joined to their housing. Keyset only: a page starts strictly after its cursor, never at an OFFSET.
On PostgreSQL, many arms covering most of their organisation (its counters say so, in the same
statement) are read instead as one range of the organisation's order, the arms as a filter.
"""

from __future__ import annotations

from typing import Any

from tortoise import connections

from models import Housing, Tenant
from models.counters import EVERY_YEAR
from models.enums import DeclarationState
from resolvers.declarations.counters import SEARCH_COUNT_CAP, STATE, TENANTS, TOTAL

ORDER = ("last_name", "first_name", "id")
_ORDER_SQL = ", ".join(ORDER)


class _Params:
    """Numbered placeholders in the connection's style; a value bound once may be used often."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        n = len(self.values)
        return f"${n}" if self.postgres else f"?{n}"


def _columns(model: Any, alias: str, prefix: str = "") -> str:
    return ", ".join(f"{alias}.{column} AS {prefix}{column}"
                     for column in model._meta.fields_db_projection.values())


def _conditions(p: _Params, after: list[Any] | None, year: int,
                state: DeclarationState | None, term: str | None) -> str:
    """What every arm adds to its range: the cursor, the state and the search (bound once)."""
    sql = ""
    if after is not None:
        sql += f" AND ({_ORDER_SQL}) > ({', '.join(p(v) for v in after)})"
    if state is not None:
        declared = (f"SELECT 1 FROM rent_declaration d WHERE d.tenant_id = t.id "
                    f"AND d.year = {p(year)}")
        if state == DeclarationState.NON_SAISI:
            sql += f" AND NOT EXISTS ({declared} AND d.state <> {p(state.value)})"
        else:
            sql += f" AND EXISTS ({declared} AND d.state = {p(state.value)})"
    if term is not None:
        # The term is normalised (letters, digits, spaces): nothing in it is a LIKE wildcard.
        sql += f" AND t.search_text LIKE {p(f'%{term}%')}"
    return sql


def _total(p: _Params, org: str, arms: list[tuple[str, str | None]], year: int,
              state: DeclarationState | None, term: str | None) -> str:
    """The list's total as a scalar subquery of the page's statement: a sum of the counter rows
    of the arms, or for a search the matches counted up to SEARCH_COUNT_CAP + 1."""
    def arm(alias: str, housing_type: str, zone: str | None) -> str:
        sql = f"{alias}.housing_type = {p(housing_type)}"
        return f"({sql} AND {alias}.departement = {p(zone)})" if zone is not None else f"({sql})"

    if term is not None:
        where = " OR ".join(arm("t", *a) for a in arms)
        return (f"(SELECT COUNT(*) FROM (SELECT 1 FROM tenant t WHERE t.organisation_id = {org} "
                f"AND ({where}){_conditions(p, None, year, state, term)} "
                f"LIMIT {p(SEARCH_COUNT_CAP + 1)}) AS b)")
    where = " OR ".join(arm("c", *a) for a in arms)
    # Every value bound is used: PostgreSQL cannot type a parameter the text never mentions.
    every = f"(c.year = {int(EVERY_YEAR)} AND c.kind = '{TENANTS}')"
    if state is None:
        kinds, amount = every, "c.total"
    elif state == DeclarationState.NON_SAISI:
        declared = [DeclarationState.BROUILLON.value, DeclarationState.TRANSMIS.value]
        kinds = (f"({every} OR (c.year = {p(year)} AND c.kind IN "
                 f"({', '.join(p(k) for k in declared)})))")
        amount = f"CASE WHEN c.kind = '{TENANTS}' THEN c.total ELSE -c.total END"
    else:
        kinds, amount = f"(c.year = {p(year)} AND c.kind = {p(state.value)})", "c.total"
    return (f"(SELECT COALESCE(SUM({amount}), 0) FROM tenant_count c "
            f"WHERE c.organisation_id = {org} AND ({where}) AND {kinds})")


def _arm_filter(p: _Params, alias: str, arms: list[tuple[str, str | None]]) -> str:
    """The arms as one condition on `alias`'s scope columns: per housing type, every zone or
    the listed ones (what a single index range in the organisation's order filters on)."""
    zones: dict[str, list[str]] = {}
    whole: list[str] = []
    for housing_type, zone in arms:
        if zone is None:
            whole.append(housing_type)
        else:
            zones.setdefault(housing_type, []).append(zone)
    branches = [f"{alias}.housing_type = {p(t)}" for t in whole]
    branches += [f"({alias}.housing_type = {p(t)} AND {alias}.departement IN "
                 f"({', '.join(p(z) for z in listed)}))" for t, listed in zones.items()]
    return f"({' OR '.join(branches)})"


def _dense(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]]) -> str:
    """Whether one range of the organisation's order, filtered by the arms, reads fewer rows
    than the arms merged: about n ÷ density rows against up to n per arm (or the whole scope).
    From the counters (the organisation's and the scope's tenants), not from counting."""
    sizes = (f"SELECT COALESCE(SUM(c.total), 0) AS org_size, COALESCE(SUM(CASE WHEN "
             f"{_arm_filter(p, 'c', arms)} THEN c.total ELSE 0 END), 0) AS scope_size "
             f"FROM tenant_count c WHERE c.organisation_id = {org} "
             f"AND c.year = {int(EVERY_YEAR)} AND c.kind = '{TENANTS}'")
    merged = f"{len(arms)} * {n}"
    cheaper = f"(CASE WHEN s.scope_size < {merged} THEN s.scope_size ELSE {merged} END)"
    return f"SELECT s.org_size * {n} <= s.scope_size * {cheaper} AS dense FROM ({sizes}) AS s"


def _by_organisation(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]],
                     columns: str, tail: str) -> str:
    """One ordered range of the organisation's index, the arms as a filter."""
    return (f"SELECT {columns} FROM tenant t WHERE (SELECT dense FROM density) "
            f"AND t.organisation_id = {org} AND {_arm_filter(p, 't', arms)}{tail} "
            f"ORDER BY {_ORDER_SQL} LIMIT {n}")


def _by_arms(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]], columns: str,
             tail: str, gate: str, searched: bool) -> list[str]:
    """One ordered range per arm, each up to the page. On PostgreSQL the (type, zone) arms are
    one lateral subquery over two arrays: planned once whatever their number (a UNION ALL of
    100 subqueries costs 20 ms of planning), each arm's range read up to the page, then sorted
    (at most arms × page rows). Not for a search: planned without each arm's statistics, the
    lateral reads the trigram index once per arm (300 ms for 100 arms at 10⁵)."""
    selects = []
    zoned = [(t, z) for t, z in arms if z is not None]
    lateral = p.postgres and len(zoned) > 1 and not searched
    for housing_type, zone in arms:
        if lateral and zone is not None:
            continue
        where = f"t.organisation_id = {org} AND t.housing_type = {p(housing_type)}"
        if zone is not None:
            where += f" AND t.departement = {p(zone)}"
        selects.append(f"SELECT {columns} FROM tenant t WHERE {gate}{where}{tail} "
                       f"ORDER BY {_ORDER_SQL} LIMIT {n}")
    if lateral:
        types, zones = p([t for t, _ in zoned]), p([z for _, z in zoned])
        selects.append(
            f"SELECT r.* FROM unnest({types}::text[], {zones}::text[]) AS a(housing_type, zone) "
            f"CROSS JOIN LATERAL (SELECT {columns} FROM tenant t WHERE t.organisation_id = {org} "
            f"AND t.housing_type = a.housing_type AND t.departement = a.zone{tail} "
            f"ORDER BY {_ORDER_SQL} LIMIT {n}) AS r WHERE {gate}true "
            f"ORDER BY {_ORDER_SQL} LIMIT {n}")
    return selects


def page_statement(postgres: bool, organisation_id: int, arms: list[tuple[str, str | None]],
                   limit: int, after: list[Any] | None, year: int,
                   state: DeclarationState | None = None,
                   term: str | None = None, dense: bool | None = None) -> tuple[str, list[Any]]:
    """The page's statement. With several arms (PostgreSQL, no search), the counters choose in
    the statement between the arms merged and one filtered range of the organisation's order
    (`dense` forces one: tests)."""
    p = _Params(postgres)
    org, n = p(organisation_id), p(limit)
    tail = _conditions(p, after, year, state, term)
    columns = _columns(Tenant, "t")
    density = ""
    if len(arms) == 1 or term is not None or not postgres:
        # A search's matches cluster in the order (a last name's prefix): the organisation's
        # range would read every other arm's rows up to them too. SQLite runs each gated arm's
        # co-routine and sort anyway (100 arms over 27,000 tenants: 24 ms either way, 22 ms
        # merged alone): it keeps the arms merged.
        selects = _by_arms(p, org, n, arms, columns, tail, "", term is not None)
    else:
        chosen = (_dense(p, org, n, arms) if dense is None
                  else f"SELECT {str(dense).upper()} AS dense")
        density = f"WITH density AS ({chosen}) "
        sparse = "NOT (SELECT dense FROM density) AND "
        selects = [_by_organisation(p, org, n, arms, columns, tail),
                   *_by_arms(p, org, n, arms, columns, tail, sparse, term is not None)]
    if len(selects) == 1:
        merged = selects[0]
    else:
        merged = " UNION ALL ".join(
            f"SELECT * FROM ({s}) AS a{i}" for i, s in enumerate(selects)
        ) + f" ORDER BY {_ORDER_SQL} LIMIT {n}"
    state_of = (f"(SELECT d.state FROM rent_declaration d WHERE d.tenant_id = k.id "
                f"AND d.year = {p(year)}) AS {STATE}")
    total = f"{_total(p, org, arms, year, state, term)} AS {TOTAL}"
    sql = (f"{density}SELECT {_columns(Tenant, 'k')}, {_columns(Housing, 'h', 'h__')}, {state_of}, "
           f"{total} FROM ({merged}) AS k JOIN housing h ON h.id = k.housing_id "
           f"ORDER BY k.last_name, k.first_name, k.id")
    return sql, p.values


async def read_page(organisation_id: int, arms: list[tuple[str, str | None]], limit: int,
                    after: list[Any] | None, year: int, state: DeclarationState | None = None,
                    term: str | None = None) -> list[Tenant]:
    """Up to `limit` tenants of the arms after `after`, in ORDER, each with its housing, its
    declaration state and the list's total (counters.Counting.total reads them)."""
    if not arms:
        return []
    db = connections.get("default")
    sql, values = page_statement(db.capabilities.dialect == "postgres", organisation_id, arms,
                                 limit, after, year, state, term)
    _, rows = await db.execute_query(sql, values)
    return [_tenant(dict(row)) for row in rows]


def _tenant(row: dict[str, Any]) -> Tenant:
    state, total = row.pop(STATE), row.pop(TOTAL)
    housing = Housing._init_from_db(**{
        k[3:]: row.pop(k) for k in [k for k in row if k.startswith("h__")]})
    tenant = Tenant._init_from_db(**row)
    # Where select_related("housing") puts it, so `tenant.housing` reads it without a query.
    object.__setattr__(tenant, "_housing", housing)
    setattr(tenant, STATE, state)  # read by counters.row_state
    setattr(tenant, TOTAL, total)  # read by counters.Counting.total
    return tenant
