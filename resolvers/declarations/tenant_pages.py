"""One page of tenants in one statement whose cost follows the page, not the caller's scope.

The scope is a set of disjoint (housing type, zone) arms (policies.scope.Scope.arms); the tenant
row carries those columns, and an index in the list's order starts with them. Each arm is one
ordered index range read up to the page's LIMIT; the arms are merged under the same LIMIT
(PostgreSQL: Merge Append; SQLite: a compound SELECT whose ordered arms are merged as
co-routines), then the page's rows alone are joined to their housing. Keyset only: a page starts
strictly after its cursor, never at an OFFSET. Many arms covering most of their organisation
(its counters say so, in the same statement) are read instead as one range of the
organisation's order, the arms as a filter.

A search starts from the term's matches in the scope, read from a trigram index (`_searched`): a
rare term never walks the ranges, a common one does past its first matches, where a page of
matches is a few pages of rows. A term without a space is first read by name groups (`_named`):
its matches on the last name are whole groups of the list's order, found in a dictionary of the
scope's last names, each read as an ordered range; the few matching by another field are sorted.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

from tortoise import connections
from tortoise.fields.data import CharEnumFieldInstance

from models import Housing, Tenant
from models.counters import EVERY_YEAR
from models.enums import DeclarationState
from resolvers.declarations.counters import SEARCH_COUNT_CAP, STATE, TENANTS, TOTAL

ORDER = ("last_name", "first_name", "id")
_ORDER_SQL = ", ".join(ORDER)


class _Params:
    """Numbered placeholders in the connection's style; a value bound once may be used often.

    `inline`: the values the service itself chose (organisation, arms, limits, the normalised
    term) are written as literals, so that PostgreSQL plans the statement for them: a prepared
    statement run often gets a generic plan, which cannot tell a rare term from a common one and
    walks the ranges. The cursor, from the client, stays a parameter."""

    def __init__(self, postgres: bool, inline: bool = False) -> None:
        self.postgres, self.inline = postgres, inline
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        n = len(self.values)
        return f"${n}" if self.postgres else f"?{n}"

    def fixed(self, value: int | str) -> str:
        """A value of the service's own: a literal when inlining, else a parameter."""
        if not self.inline:
            return self(value)
        if isinstance(value, int):
            return str(int(value))
        return "'" + value.replace("'", "''") + "'"


def _columns(model: Any, alias: str, prefix: str = "") -> str:
    return ", ".join(f"{alias}.{column} AS {prefix}{column}"
                     for column in model._meta.fields_db_projection.values())


def _conditions(p: _Params, after: list[Any] | None, year: int,
                state: DeclarationState | None, term: str | None, per_row: bool = False,
                walked: bool = False) -> str:
    """What every arm adds to its range: the cursor, the state and the search (bound once).
    `per_row`: the state read for each row kept so far (a scalar subquery, which PostgreSQL
    never turns into a join reading every declaration of the year). `walked`: the term tested
    on each row of an ordered range (PostgreSQL: `strpos`, the same test as the LIKE, which the
    trigram index cannot serve: a range walked up to the page is not turned into a bitmap of
    the term's matches in the organisation, once per arm)."""
    sql = ""
    if after is not None:
        sql += f" AND ({_ORDER_SQL}) > ({', '.join(p(v) for v in after)})"
    if state is not None and per_row:
        stored = (f"(SELECT d.state FROM rent_declaration d WHERE d.tenant_id = t.id "
                  f"AND d.year = {p.fixed(year)})")
        if state == DeclarationState.NON_SAISI:
            value = p.fixed(state.value)
            sql += f" AND COALESCE({stored}, {value}) = {value}"
        else:
            sql += f" AND {stored} = {p.fixed(state.value)}"
    elif state is not None:
        declared = (f"SELECT 1 FROM rent_declaration d WHERE d.tenant_id = t.id "
                    f"AND d.year = {p.fixed(year)}")
        if state == DeclarationState.NON_SAISI:
            sql += f" AND NOT EXISTS ({declared} AND d.state <> {p.fixed(state.value)})"
        else:
            sql += f" AND EXISTS ({declared} AND d.state = {p.fixed(state.value)})"
    if term is not None and walked and p.postgres:
        sql += f" AND strpos(t.search_text, {p.fixed(term)}) > 0"
    elif term is not None:
        # The term is normalised (letters, digits, spaces): nothing in it is a LIKE wildcard.
        sql += f" AND t.search_text LIKE {p.fixed(f'%{term}%')}"
    return sql


def _total(p: _Params, org: str, arms: list[tuple[str, str | None]], year: int,
           state: DeclarationState | None) -> str:
    """The list's total as a scalar subquery of the page's statement: a sum of the counter rows
    of the arms (a search's total is its capped count, `_searched`)."""
    where = _arms_where(p, "c", arms)
    # Every value bound is used: PostgreSQL cannot type a parameter the text never mentions.
    every = f"(c.year = {int(EVERY_YEAR)} AND c.kind = '{TENANTS}')"
    if state is None:
        kinds, amount = every, "c.total"
    elif state == DeclarationState.NON_SAISI:
        declared = [DeclarationState.BROUILLON.value, DeclarationState.TRANSMIS.value]
        kinds = (f"({every} OR (c.year = {p.fixed(year)} AND c.kind IN "
                 f"({', '.join(p.fixed(k) for k in declared)})))")
        amount = f"CASE WHEN c.kind = '{TENANTS}' THEN c.total ELSE -c.total END"
    else:
        kinds, amount = f"(c.year = {p.fixed(year)} AND c.kind = {p.fixed(state.value)})", "c.total"
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


# SQLite merges the arms lazily: each arm costs its co-routine and one row read ahead, about
# as much as this many rows of the organisation's range filtered by 100 arms (measured at 10⁵:
# ≈ 20 µs an arm, 4–9 µs a row).
SQLITE_ARM_ROWS = 5


def _dense(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]]) -> str:
    """Whether one range of the organisation's order, filtered by the arms, reads fewer rows
    than the arms merged: about n ÷ density rows against up to n per arm on PostgreSQL (each
    arm read up to the page), the page and a few rows per arm on SQLite (`_sqlite_chosen`), or
    the whole scope. From the counters (the organisation's and the scope's tenants), not from
    counting."""
    sizes = (f"SELECT COALESCE(SUM(c.total), 0) AS org_size, COALESCE(SUM(CASE WHEN "
             f"{_arm_filter(p, 'c', arms)} THEN c.total ELSE 0 END), 0) AS scope_size "
             f"FROM tenant_count c WHERE c.organisation_id = {org} "
             f"AND c.year = {int(EVERY_YEAR)} AND c.kind = '{TENANTS}'")
    merged = (f"{len(arms)} * {n}" if p.postgres
              else f"({n} + {SQLITE_ARM_ROWS * len(arms)})")
    cheaper = f"(CASE WHEN s.scope_size < {merged} THEN s.scope_size ELSE {merged} END)"
    return f"SELECT s.org_size * {n} <= s.scope_size * {cheaper} AS dense FROM ({sizes}) AS s"


def _by_organisation(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]],
                     columns: str, tail: str, gate: str) -> str:
    """One ordered range of the organisation's index, the arms as a filter."""
    return (f"SELECT {columns} FROM tenant t WHERE {gate}"
            f"t.organisation_id = {org} AND {_arm_filter(p, 't', arms)}{tail} "
            f"ORDER BY {_ORDER_SQL} LIMIT {n}")


def _arm_where(p: _Params, org: str, housing_type: str, zone: str | None) -> str:
    """One arm's equality prefix of the (organisation, type, département, order) index."""
    where = f"t.organisation_id = {org} AND t.housing_type = {p.fixed(housing_type)}"
    return where if zone is None else f"{where} AND t.departement = {p.fixed(zone)}"


def _sqlite_chosen(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]],
                   columns: str, tail: str) -> str:
    """SQLite, several arms: the organisation's filtered range and the arms merged, the
    counters' choice (`density`) gating each by its LIMIT: SQLite tests a WHERE term on every
    row, but evaluates a LIMIT once before the scan, and a LIMIT of 0 skips it (and, for the
    merge, every arm's co-routine). Both LIMITs read the same materialised row: exactly one
    way returns rows.

    The arms are one compound SELECT ordered by the list's order, no LIMIT of their own: SQLite
    merges their ordered index ranges as co-routines, each read only as far as the merge pulls,
    and stops at the compound's LIMIT (under a state filter, a page plus each arm's first match,
    not a page of matches per arm). A LIMIT per arm needs a sub-select per arm, which SQLite
    sorts again in a temporary table of its own before merging (100 arms: ≈ 5 ms before any
    row; 80 ms with a state filter at 10⁵)."""
    dense = DENSITY
    by_organisation = _by_organisation(p, org, f"(CASE WHEN {dense} THEN {n} ELSE 0 END)", arms,
                                       columns, tail, "")
    merged = " UNION ALL ".join(f"SELECT {columns} FROM tenant t WHERE "
                                f"{_arm_where(p, org, t, z)}{tail}" for t, z in arms)
    merged += f" ORDER BY {_ORDER_SQL} LIMIT (CASE WHEN {dense} THEN 0 ELSE {n} END)"
    return f"SELECT * FROM ({by_organisation}) AS o UNION ALL SELECT * FROM ({merged}) AS m"


def _by_arms(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]], columns: str,
             tail: str, gate: str) -> list[str]:
    """One ordered range per arm, each up to `n`. On PostgreSQL the (type, zone) arms are
    one lateral subquery over two arrays: planned once whatever their number (a UNION ALL of
    100 subqueries costs 20 ms of planning, 50–90 ms with a search's inlined values), each
    arm's range read up to `n`, then sorted (at most arms × n rows).
    A search's term in `tail` is then a `strpos` (`_conditions(walked=True)`): a LIKE would
    read the trigram index once per arm (300 ms for 100 arms at 10⁵)."""
    selects = []
    zoned = [(t, z) for t, z in arms if z is not None]
    lateral = p.postgres and len(zoned) > 1
    for housing_type, zone in arms:
        if lateral and zone is not None:
            continue
        where = _arm_where(p, org, housing_type, zone)
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


def _merged(selects: list[str], n: str) -> str:
    """Ordered selects, each up to the page, merged under the same ORDER BY and LIMIT."""
    if len(selects) == 1:
        return selects[0]
    return " UNION ALL ".join(
        f"SELECT * FROM ({s}) AS a{i}" for i, s in enumerate(selects)
    ) + f" ORDER BY {_ORDER_SQL} LIMIT {n}"


def _many_arms(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]],
               dense: bool | None) -> str:
    """The CTE choosing, from the counters, between the arms merged and one filtered range of
    the organisation's order (`dense` forces one: tests)."""
    chosen = (_dense(p, org, n, arms) if dense is None
              else f"SELECT {str(dense).upper()} AS dense")
    # SQLite: one row read once, which both ways' LIMITs test (PostgreSQL materialises a CTE
    # used more than once by itself).
    return f"density AS {'' if p.postgres else 'MATERIALIZED '}({chosen})"


# The gates of the two ways `_many_arms` chooses between.
DENSITY = "(SELECT dense FROM density)"
DENSE = f"{DENSITY} AND "
SPARSE = f"NOT {DENSE}"


def _ranges(p: _Params, org: str, n: str, arms: list[tuple[str, str | None]], columns: str,
            tail: str, chosen: bool) -> list[str]:
    """The arms' ordered ranges, each up to the page; `chosen`: with the organisation's
    filtered range, one of the two read as the `density` CTE says."""
    if not chosen:
        return _by_arms(p, org, n, arms, columns, tail, "")
    return [_by_organisation(p, org, n, arms, columns, tail, DENSE),
            *_by_arms(p, org, n, arms, columns, tail, SPARSE)]


def _arm_keys(p: _Params, alias: str, arms: list[tuple[str, str | None]]) -> str:
    """The arms as a condition no index serves ("type/zone" texts): a scan of the trigram
    index narrows to the organisation and the term once, the arms then checked on each match,
    instead of one scan of that index per arm (PostgreSQL: 2.5 ms each in an organisation of
    10⁶) or an OR of every arm on each match (SQLite)."""
    key = f"{alias}.housing_type || '/' || {alias}.departement"
    pairs = [p.fixed(f"{t}/{z}") for t, z in arms if z is not None]
    whole = [p.fixed(f"{t}/") for t, z in arms if z is None]
    branches = [f"{key} IN ({', '.join(pairs)})"] if pairs else []
    if whole:
        branches.append(f"{alias}.housing_type || '/' IN ({', '.join(whole)})")
    return f"({' OR '.join(branches)})"


def _on_each_match(p: _Params, alias: str, arms: list[tuple[str, str | None]]) -> str:
    """The arms checked on each match of a search: beyond ARM_PHRASES, one IN of "type/zone"
    texts (`_arm_keys`) rather than an OR of every arm (15 ms for 5,000 matches of 100 arms)."""
    if len(arms) > ARM_PHRASES:
        return _arm_keys(p, alias, arms)
    return f"({_arms_where(p, alias, arms)})"


def _arms_where(p: _Params, alias: str, arms: list[tuple[str, str | None]]) -> str:
    def arm(housing_type: str, zone: str | None) -> str:
        sql = f"{alias}.housing_type = {p.fixed(housing_type)}"
        if zone is None:
            return f"({sql})"
        return f"({sql} AND {alias}.departement = {p.fixed(zone)})"

    return " OR ".join(arm(*a) for a in arms)


# A search sorts up to this many matches of the scope (≈ 10 ms); beyond, the term is in a good
# share of the scope and the ordered ranges meet a page of matches first.
SORTED_MATCHES = 10_000
# Beyond this many arms, SQLite's full-text MATCH narrows to the organisation alone and the arms
# are checked on each match: an OR of many scope phrases costs more than it saves.
ARM_PHRASES = 8


def _full_text(organisation_id: int, arms: list[tuple[str, str | None]], term: str) -> str:
    """SQLite's MATCH: the term's trigrams and the caller's scope text (migration 0015)."""
    if len(arms) > ARM_PHRASES:
        scope = f'"/{organisation_id}/"'
    else:
        scope = " OR ".join(f'"/{organisation_id}/{t}/{z}/"' if z is not None
                            else f'"/{organisation_id}/{t}/"' for t, z in arms)
    # The term is normalised (letters, digits, spaces): nothing in it ends a quoted phrase.
    return f'scope : ({scope}) AND words : "{term}"'


def _walked(p: _Params, org: str, limit: str, arms: list[tuple[str, str | None]], tail: str,
            chosen: bool) -> str:
    """A search past its first matches: the arms' ordered ranges from the cursor, the term
    tested on each row (`tail`), up to `limit`; `chosen`: as `_ranges`."""
    columns = _columns(Tenant, "t")
    if not p.postgres and len(arms) > ARM_PHRASES:
        # SQLite sets up every arm of a UNION ALL, run or not (100 arms: 22 ms a search): past
        # its first matches, a search reads the organisation's order, the arms as a filter.
        return (f"SELECT {columns} FROM tenant t WHERE t.organisation_id = {org} AND "
                f"{_arm_keys(p, 't', arms)}{tail} ORDER BY {_ORDER_SQL} LIMIT {limit}")
    return _merged(_ranges(p, org, limit, arms, columns, tail, chosen), limit)


def _searched(p: _Params, organisation_id: int, org: str, n: str,
              arms: list[tuple[str, str | None]], after: list[Any] | None, year: int,
              state: DeclarationState | None, term: str, dense: bool | None,
              sorted_matches: int) -> tuple[str, str]:
    """(the CTEs, the page's rows) of a search, from the term's matches in the scope first.

    `found` holds up to SORTED_MATCHES of the scope's matches, from the trigram index
    (PostgreSQL: the GIN index that also holds the scope columns, the first ones in the list's
    order; SQLite: the FTS5 table); `counted` is their number (the total is that count up to
    SEARCH_COUNT_CAP + 1). Fewer and `found` is complete: the page is its rows sorted after the
    cursor — a term whose matches sit together in the list's order (a last name) costs its
    matches, not the rows sorted before them. On PostgreSQL so too when `found` has the page's
    rows after the cursor (`covered`): page 1 of a term in 26,000 rows of a 10⁶ scope.
    Else the term is in a good share of the scope: the arms' ordered ranges, from the cursor,
    find a page of matches within a few pages' rows. The branch not taken does not run: its
    scan is behind a condition on one row, tested once.

    Many arms on PostgreSQL: nothing is planned per arm (`_by_arms`' lateral), and the counters
    choose as for a plain page (`_many_arms`): arms covering most of their organisation take
    its matches from one scan of the trigram index, the arms checked on each (`_arm_keys`), and
    page along the organisation's order; fewer take their matches by walking each arm's range
    (smaller than the organisation's matches of the term), and page along the arms merged."""
    cap = p.fixed(sorted_matches)
    many_arms = p.postgres and len(arms) > 1
    state_sql = _conditions(p, None, year, state, None, per_row=True)
    like = _conditions(p, None, year, None, term)
    keys = "t.id, t.last_name, t.first_name"
    if many_arms:
        found = _merged([
            # The gate above the sort: a one-time filter inside a parallel plan's workers
            # would let them scan (0.5 s at 10⁶).
            f"SELECT * FROM (SELECT {keys} FROM tenant t WHERE t.organisation_id = {org} "
            f"AND {_arm_keys(p, 't', arms)}{state_sql}{like} ORDER BY {_ORDER_SQL} "
            f"LIMIT {cap}) AS d WHERE {DENSITY}",
            *_by_arms(p, org, cap, arms, keys,
                      state_sql + _conditions(p, None, year, None, term, walked=True),
                      SPARSE)], cap)
    else:
        # SQLite: CROSS JOIN keeps the full-text table as the outer loop.
        source = "tenant t WHERE" if p.postgres else (
            f"tenant_search CROSS JOIN tenant t ON t.id = tenant_search.rowid WHERE "
            f"tenant_search MATCH {p.fixed(_full_text(organisation_id, arms, term))} AND")
        # PostgreSQL: the first matches in the list's order (a term in most rows is read along
        # the arm's ordered range up to the cap, the few matches of a rare one sorted). SQLite
        # stops at the cap in the full-text index's order (sorting every match of a term in
        # every row of 10⁵ costs 200 ms).
        in_arms = _on_each_match(p, "t", arms)
        ordered = f" ORDER BY {_ORDER_SQL}" if p.postgres else ""
        found = (f"SELECT {keys} FROM {source} t.organisation_id = {org} AND "
                 f"{in_arms}{state_sql}{like}{ordered} LIMIT {cap}")
    counted = "SELECT COUNT(*) AS n FROM found"
    kept = [] if after is None else [f"({_ORDER_SQL}) > ({', '.join(p(v) for v in after)})"]
    tail = _conditions(p, after, year, state, term, walked=many_arms)
    # `found` holds the page when it is complete or, holding the scope's first matches in the
    # list's order (PostgreSQL), has the page's rows after the cursor (page 1 of a term in
    # 26,000 rows of a 10⁶ scope reads no range).
    after_cursor = f" WHERE {kept[0]}" if kept else ""
    covered = f"SELECT (SELECT n FROM counted) < {cap}"
    if p.postgres:
        covered += (f" OR (SELECT COUNT(*) FROM (SELECT 1 FROM found{after_cursor} "
                    f"LIMIT {n}) AS c) >= {n}")
    covered += " AS whole"
    if p.postgres:  # a condition on one row: a one-time filter above the scan
        few_limit, many_limit = n, n
        kept.insert(0, "(SELECT whole FROM covered)")
        tail += " AND NOT (SELECT whole FROM covered)"
    else:  # SQLite tests a WHERE term on every row, a LIMIT of 0 once before the scan
        few_limit = f"(CASE WHEN (SELECT whole FROM covered) THEN {n} ELSE 0 END)"
        many_limit = f"(CASE WHEN (SELECT whole FROM covered) THEN 0 ELSE {n} END)"
    cursor = f" WHERE {' AND '.join(kept)}" if kept else ""
    few = (f"SELECT {_columns(Tenant, 't')} FROM (SELECT id FROM found{cursor} "
           f"ORDER BY {_ORDER_SQL} LIMIT {few_limit}) AS f JOIN tenant t ON t.id = f.id")
    many = _walked(p, org, many_limit, arms, tail, many_arms)
    density = f"{_many_arms(p, org, n, arms, dense)}, " if many_arms else ""
    ctes = (f"WITH {density}found AS MATERIALIZED ({found}), "
            f"counted AS MATERIALIZED ({counted}), covered AS MATERIALIZED ({covered}) ")
    return ctes, f"SELECT * FROM ({few}) AS few UNION ALL SELECT * FROM ({many}) AS many"


# A search by name groups sorts up to this many matches by other fields (first name,
# commune…); more, and it walks the ordered ranges (a page of matches within 500 rows for a
# term in 1 row in 500 of a 10⁶ scope). Above SEARCH_COUNT_CAP: a full `other` means a total
# past the cap.
OTHER_SORTED = 2_000
assert OTHER_SORTED > SEARCH_COUNT_CAP


def _named(p: _Params, organisation_id: int, org: str, n: str,
           arms: list[tuple[str, str | None]], after: list[Any] | None, year: int, term: str,
           dense: bool | None, sorted_matches: int) -> tuple[str, str]:
    """(the CTEs, the page's rows) of a search by name groups (migration 0019), for a term
    without a space and no state filter.

    A term without a space matches a row's search text iff it matches its normalised last
    name or its other text (search_text = name_text || ' ' || other_text). So the page is the
    scope's last names that match (`names`, from the `tenant_name` dictionary: a few rows, with
    their counts), each read as an ordered range from the cursor, with the rows matching by
    another field whose last name does not match (`other`, from the other text's trigram index,
    sorted). The count is the names' counts plus `other`'s. `other` holds up to
    `sorted_matches`: as many, and `fits` is false: the term is in a good share of the scope's
    first names or communes, and the page is read along the arms' ordered ranges from the
    cursor, the term tested on each row (`_walked`), a page of matches within a few pages of
    rows. The way not taken does not run (a condition on one row)."""
    cap, other_cap = p.fixed(sorted_matches), p.fixed(min(sorted_matches, OTHER_SORTED))
    like = p.fixed(f"%{term}%")
    in_arms = _on_each_match(p, "t", arms)
    # PostgreSQL: the organisation's names matching the term from their trigram index, the
    # arms checked on each (an OR of 100 arms costs 10 ms of planning).
    names = (f"SELECT n.housing_type, n.departement, n.last_name, n.total FROM tenant_name n "
             f"WHERE n.organisation_id = {org} AND "
             f"{_on_each_match(p, 'n', arms)} "
             f"AND n.name_text LIKE {like}")
    if p.postgres:
        source = f"tenant t WHERE t.organisation_id = {org} AND {in_arms} AND"
    else:  # CROSS JOIN keeps the full-text table as the outer loop
        phrase = _full_text(organisation_id, arms, term).replace("words :", "other :")
        source = (f"tenant_other_search CROSS JOIN tenant t ON t.id = tenant_other_search.rowid "
                  f"WHERE tenant_other_search MATCH {p.fixed(phrase)} AND "
                  f"t.organisation_id = {org} AND {in_arms} AND")
    other = (f"SELECT t.id, t.last_name, t.first_name FROM {source} t.other_text LIKE {like} "
             f"AND t.last_name NOT IN (SELECT last_name FROM names) LIMIT {other_cap}")
    # The count up to the cap, as `_searched` counts (page_statement caps it again): `other`
    # full, the count is past SEARCH_COUNT_CAP (OTHER_SORTED is more) or the cap.
    fits = (f"SELECT c.fits, CASE WHEN c.n > {cap} THEN {cap} ELSE c.n END AS n FROM ("
            f"SELECT COUNT(*) < {other_cap} AS fits, COUNT(*) + (SELECT COALESCE(SUM(total), 0) "
            f"FROM names) AS n FROM other) AS c")
    marks = [] if after is None else [p(v) for v in after]
    after_key = f"({_ORDER_SQL}) > ({', '.join(marks)})" if marks else ""
    first_name = f"last_name >= {marks[0]}" if marks else ""
    columns = _columns(Tenant, "t")
    gate = "(SELECT fits FROM fits)"
    if p.postgres:
        in_range = (f" AND (t.last_name, t.first_name, t.id) > ({', '.join(marks)})"
                    if marks else "")
        where_first = f" WHERE {first_name}" if marks else ""

        def probe(outer: str, match: str) -> str:
            """Each name group (of a pair, or of the organisation) read from the cursor."""
            return (f"SELECT r.* FROM ({outer}{where_first} ORDER BY last_name) AS nm CROSS JOIN "
                    f"LATERAL (SELECT {columns} FROM tenant t WHERE t.organisation_id = {org} "
                    f"AND {match} AND t.last_name = nm.last_name{in_range} "
                    f"ORDER BY t.first_name, t.id LIMIT {n}) AS r")

        by_pair = probe("SELECT housing_type, departement, last_name FROM names",
                        "t.housing_type = nm.housing_type AND t.departement = nm.departement")
        if len(arms) > 1:  # the counters choose, as for a plain page (`_many_arms`)
            by_name = probe("SELECT DISTINCT last_name FROM names", _arm_keys(p, "t", arms))
            named = (f"SELECT * FROM ({by_name}) AS d WHERE {DENSITY} "
                     f"UNION ALL SELECT * FROM ({by_pair}) AS s WHERE NOT {DENSITY}")
        else:
            named = by_pair
        limit = n
    else:  # a LIMIT of 0 skips the scan (SQLite tests a WHERE term on every row)
        limit = f"(CASE WHEN {gate} THEN {n} ELSE 0 END)"
        cursor = f" AND {after_key}" if marks else ""
        named = (f"SELECT {columns} FROM tenant t WHERE t.organisation_id = {org} AND {in_arms} "
                 f"AND t.last_name IN (SELECT last_name FROM names"
                 f"{' WHERE ' + first_name if marks else ''}){cursor} "
                 f"ORDER BY {_ORDER_SQL} LIMIT {limit}")
    kept = f" WHERE {after_key}" if marks else ""
    others = (f"SELECT {columns} FROM (SELECT id FROM other{kept} ORDER BY {_ORDER_SQL} "
              f"LIMIT {limit}) AS o JOIN tenant t ON t.id = o.id")
    rows = (f"SELECT * FROM (SELECT * FROM ({named}) AS nd UNION ALL SELECT * FROM ({others}) "
            f"AS ot ORDER BY {_ORDER_SQL} LIMIT {limit}) AS named")
    many_arms = p.postgres and len(arms) > 1
    walk_tail = _conditions(p, after, year, None, term, walked=p.postgres)
    if p.postgres:
        rows += f" WHERE {gate}"
        walk = _walked(p, org, n, arms, f"{walk_tail} AND NOT {gate}", many_arms)
    else:
        walk = _walked(p, org, f"(CASE WHEN {gate} THEN 0 ELSE {n} END)", arms, walk_tail,
                       False)
    density = f"{_many_arms(p, org, n, arms, dense)}, " if many_arms else ""
    ctes = (f"WITH {density}names AS MATERIALIZED ({names}), other AS MATERIALIZED ({other}), "
            f"fits AS MATERIALIZED ({fits}) ")
    return ctes, f"{rows} UNION ALL SELECT * FROM ({walk}) AS walked"


def page_statement(postgres: bool, organisation_id: int, arms: list[tuple[str, str | None]],
                   limit: int, after: list[Any] | None, year: int,
                   state: DeclarationState | None = None,
                   term: str | None = None, dense: bool | None = None,
                   sorted_matches: int = SORTED_MATCHES) -> tuple[str, list[Any]]:
    """The page's statement. A search of a term without a space reads its name groups
    (`_named`), another one starts from its matches (`_searched`); tests lower
    `sorted_matches` to page past them. Otherwise, with several arms, the counters choose in
    the statement between the arms merged and one filtered range of the organisation's order
    (`dense` forces one: tests)."""
    p = _Params(postgres, inline=postgres and term is not None)
    org, n = p.fixed(organisation_id), p.fixed(limit)
    if term is not None:
        # The total is the count up to SEARCH_COUNT_CAP + 1 (counters.Counting says "at least").
        most = p.fixed(SEARCH_COUNT_CAP + 1)
        if state is None and " " not in term:  # by name groups
            ctes, merged = _named(p, organisation_id, org, n, arms, after, year, term, dense,
                                  sorted_matches)
            counts = "fits"
        else:  # a state filter, or a term that may span the last and first names
            ctes, merged = _searched(p, organisation_id, org, n, arms, after, year, state, term,
                                     dense, sorted_matches)
            counts = "counted"
        total = f"(SELECT CASE WHEN n > {most} THEN {most} ELSE n END FROM {counts})"
    else:
        tail = _conditions(p, after, year, state, None)
        columns = _columns(Tenant, "t")
        if len(arms) == 1:
            ctes, merged = "", _merged(_ranges(p, org, n, arms, columns, tail, False), n)
        else:
            ctes = f"WITH {_many_arms(p, org, n, arms, dense)} "
            merged = (_merged(_ranges(p, org, n, arms, columns, tail, True), n) if postgres
                      else _sqlite_chosen(p, org, n, arms, columns, tail))
        total = _total(p, org, arms, year, state)
    state_of = (f"(SELECT d.state FROM rent_declaration d WHERE d.tenant_id = k.id "
                f"AND d.year = {p.fixed(year)}) AS {STATE}")
    sql = (f"{ctes}SELECT {_columns(Tenant, 'k')}, {_columns(Housing, 'h', 'h__')}, {state_of}, "
           f"{total} AS {TOTAL} FROM ({merged}) AS k JOIN housing h ON h.id = k.housing_id "
           f"ORDER BY k.last_name, k.first_name, k.id")
    return sql, p.values


async def read_page(organisation_id: int, arms: list[tuple[str, str | None]], limit: int,
                    after: list[Any] | None, year: int, state: DeclarationState | None = None,
                    term: str | None = None) -> list[Any]:
    """Up to `limit` tenants of the arms after `after`, in ORDER, each with its housing, its
    declaration state and the list's total (counters.Counting.total reads them): plain values
    (`Values`), attribute for attribute what the models would hold, without building models."""
    if not arms:
        return []
    db = connections.get("default")
    sql, values = page_statement(db.capabilities.dialect == "postgres", organisation_id, arms,
                                 limit, after, year, state, term)
    _, rows = await db.execute_query(sql, values)
    if not rows:
        return []
    # Every row has the statement's columns: the readers are chosen once, not once per row.
    tenant, housing = Values.of(Tenant, (STATE, TOTAL, "housing")), Values.of(Housing)
    return [_tenant(row, tenant, housing) for row in rows]


class Values:
    """A model's row as a named tuple of plain values: each column converted as Tortoise's
    `_init_from_db` converts it on this connection (native to the driver, its type called, or
    its field's `to_python_value`), under the model's attribute names, and `extra` ones after.
    A page of 50 tenants hydrated as models cost a tenth of the page's CPU."""

    def __init__(self, model: Any, extra: tuple[str, ...]) -> None:
        meta = model._meta
        readers: list[tuple[str, str, Callable[[Any], Any] | None]] = []
        readers += [(key, name, None) for key, name, _ in meta.db_native_fields]
        readers += [(key, name, _typed(field.field_type)) for key, name, field
                    in meta.db_default_fields]
        readers += [(key, name, _converter(field)) for key, name, field
                    in meta.db_complex_fields]
        self.readers = [(key, convert) for key, _, convert in readers]
        self.tuple: Any = namedtuple(f"{model.__name__}Values",  # type: ignore[misc]
                                     [name for _, name, _ in readers] + list(extra))

    @classmethod
    def of(cls, model: Any, extra: tuple[str, ...] = ()) -> Values:
        # The readers depend on the connection's native types (set when Tortoise starts).
        key = (model, extra, id(model._meta.db_native_fields))
        found = _VALUES.get(key)
        if found is None:
            found = _VALUES[key] = cls(model, extra)
        return found

    def read(self, row: Any, prefix: str = "") -> list[Any]:
        return [row[prefix + key] if convert is None else convert(row[prefix + key])
                for key, convert in self.readers]


_VALUES: dict[tuple[Any, tuple[str, ...], int], Values] = {}


def _typed(kind: type) -> Callable[[Any], Any]:
    return lambda value: value if value is None else kind(value)


def _converter(field: Any) -> Callable[[Any], Any]:
    """The field's `to_python_value`; for an enum column (`enum_type(value)`), its members
    looked up by value first (the same member, without the call)."""
    convert = field.to_python_value
    if not isinstance(field, CharEnumFieldInstance):
        return convert
    members = {member.value: member for member in field.enum_type}

    def member(value: Any) -> Any:
        found = members.get(value)
        return convert(value) if found is None else found

    return member


def _tenant(row: Any, tenant: Values, housing: Values) -> Any:
    """A page row: the tenant's values, then its state and the list's total (read by
    counters.row_state and counters.Counting.total), then its housing's values."""
    place = housing.tuple._make(housing.read(row, "h__"))
    return tenant.tuple._make([*tenant.read(row), row[STATE], row[TOTAL], place])
