"""Big organisations inside the bench databases: the scopes the list must not grow with.

An organisation "of N tenants" holds three blocks of tenants, one habilitation group per
(housing type, département) pair, and four users with a session each:

- pair P0: N tenants in one pair                 → user "100 %, 1 pair" (scope N);
- pairs P1..P100: N/100 tenants each (N in all)  → user "100 %, 100 pairs" (scope N),
                                                   user "1 %, 1 pair" = P1 only (scope N/100);
- pairs Q1..Q100: N/10⁴ tenants each (N/100)     → user "1 %, 100 pairs" (scope N/100).

So every size of scope comes in both shapes (one pair, a hundred pairs), in the same database as
organisation 1's 10³. Groups, users, sessions and policy lines are plain rows added to the
generator's tables (the product's strings); housing, tenants and declarations are made by the
database itself on PostgreSQL (`INSERT … SELECT … generate_series`, seconds for 10⁶) and by
`executemany` in one transaction on SQLite. Both follow the same formulas (names, states, postal
codes from the row number), so both databases hold the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from bench.data import FIRST_NAMES, LAST_NAMES, Generator, postal_prefix
from models.enums import DeclarationState, HousingType
from models.validators import DEPARTEMENTS
from policies.defaults import group_rules, organisation_role_rules
from policies.vocabulary import Role, group_subject

BIG_SIZES: dict[str, tuple[int, ...]] = {
    "quick": (100,),
    "1e4": (10_000,),
    "1e5": (10_000, 100_000),
    "1e6": (10_000, 100_000, 1_000_000),
}
_DEPTS = sorted(DEPARTEMENTS)
_TYPES = (HousingType.CONVENTIONNE.value, HousingType.PRIVE.value)
P0 = [(_TYPES[0], _DEPTS[0])]
P = [(t, d) for d in _DEPTS[1:51] for t in _TYPES]
Q = [(t, d) for d in _DEPTS[51:101] for t in _TYPES]
# Names with accents and ligatures among the big organisations' tenants, for the search.
BIG_FIRST_NAMES = (*FIRST_NAMES, "CÉLINE", "LÆTITIA", "HÉLÈNE", "JOËL", "ŒNONE")
# Fibonacci hashing of the row number (the high bits of i × 2³²/φ mod 2³²): names spread evenly
# over any run of rows; the same in Python and in SQL (bigint arithmetic).
_LAST_MUL, _FIRST_MUL, _MOD = 2_654_435_769, 2_246_822_519, 4_294_967_296


def _pick(i: int, mul: int, n: int) -> int:
    return (i * mul) % _MOD * n // _MOD


def token(size: int, share: str, pairs: int) -> str:
    return f"bench-big-{size}-{share}-{pairs}"


@dataclass
class Scope:
    """One bench user of a big organisation and what it sees."""

    org_size: int
    share: str  # "100" or "1" (per cent of the organisation's size)
    pairs: int
    rows: int
    token: str


@dataclass
class BigOrganisation:
    size: int
    org_id: int
    housing_from: int  # ids are from + 1 … from + total
    tenant_from: int
    declaration_from: int
    per_q: int
    scopes: list[Scope] = field(default_factory=list)

    @property
    def blocks(self) -> list[tuple[int, list[tuple[str, str]]]]:
        """(tenants per pair, pairs) for P0, P, Q in row order."""
        return [(self.size, P0), (self.size // 100, P), (self.per_q, Q)]

    @property
    def total(self) -> int:
        return sum(n * len(pairs) for n, pairs in self.blocks)


def add_organisations(gen: Generator, sizes: tuple[int, ...]) -> list[BigOrganisation]:
    """Organisations, groups, users, sessions and policy lines in `gen`'s tables; the tenants'
    ids reserved (rows come from `tenant_rows` or `postgres_inserts`)."""
    orgs = []
    for size in sizes:
        org_id = len(gen.t.organisation) + 1
        big = BigOrganisation(size, org_id, gen._ids["housing"], gen._ids["tenant"],
                              gen._ids["rent_declaration"], per_q=max(1, size // 10_000))
        _organisation_rows(gen, big)
        for table in ("housing", "tenant", "rent_declaration"):
            gen._ids[table] += big.total
        orgs.append(big)
    return orgs


def _organisation_rows(gen: Generator, big: BigOrganisation) -> None:
    t, now, org_id = gen.t, gen.now, big.org_id
    admin_id = gen._ids["app_user"] + 1
    t.organisation.append((org_id, f"GRAND BAILLEUR {big.size}", f"BIG{big.size:011d}",
                           "Convention bailleur", "VALIDEE", f"G{big.size:09d}", admin_id, now,
                           now))
    gen._rules("p", organisation_role_rules(org_id))
    groups: dict[tuple[str, str], int] = {}
    for _, pairs in big.blocks:
        for housing_type, dept in pairs:
            gid = gen.next_id("habilitation_group")
            t.habilitation_group.append((gid, org_id, f"{housing_type} – {dept}", housing_type,
                                         json.dumps([dept]), now))
            gen._rules("p", group_rules(org_id, gid, housing_type, [dept]))
            groups[(housing_type, dept)] = gid
    gen._user(org_id, f"BIG{big.size}.ADMIN", [Role.ADMINISTRATEUR.value])
    for share, pairs, rows in (("100", P0, big.size), ("100", P, big.size),
                               ("1", P[:1], big.size // 100), ("1", Q, big.per_q * len(Q))):
        uid = gen._user(org_id, f"BIG{big.size}.{share}.{len(pairs)}",
                        [group_subject(groups[p]) for p in pairs])
        scope = Scope(big.size, share, len(pairs), rows, token(big.size, share, len(pairs)))
        gen._session(uid, scope.token)
        big.scopes.append(scope)


# --- the rows themselves: Python (SQLite) and SQL (PostgreSQL), same formulas ----------------

def _state(i: int) -> str | None:
    r = i % 20
    if r < 5:
        return DeclarationState.TRANSMIS.value
    return DeclarationState.BROUILLON.value if r < 12 else None


def housing_rows(big: BigOrganisation) -> Iterator[tuple]:
    i = 0
    for per_pair, pairs in big.blocks:
        for housing_type, dept in pairs:
            prefix = postal_prefix(dept)
            for _ in range(per_pair):
                hid = big.housing_from + i + 1
                yield (hid, big.org_id, f"H{hid}", housing_type, f"{i % 120 + 1} RUE DU MOULIN",
                       prefix + f"{i % 10 ** (5 - len(prefix)):0{5 - len(prefix)}d}",
                       f"COMMUNE {prefix}-{hid % 37}", dept)
                i += 1


def tenant_rows(big: BigOrganisation) -> Iterator[tuple]:
    for i in range(big.total):
        tid = big.tenant_from + i + 1
        yield (tid, big.housing_from + i + 1, str(tid),
               LAST_NAMES[_pick(i, _LAST_MUL, len(LAST_NAMES))],
               BIG_FIRST_NAMES[_pick(i, _FIRST_MUL, len(BIG_FIRST_NAMES))],
               date(2000, 1, 1) + timedelta(days=i % 9000), i % 13 == 0,
               25_000 + i % 65_000, 8_000 + i % 22_000)


def declaration_rows(big: BigOrganisation, year: int, now) -> Iterator[tuple]:
    for i in range(big.total):
        state = _state(i)
        if state is None:
            continue
        tid, sent = big.tenant_from + i + 1, state == DeclarationState.TRANSMIS.value
        yield (big.declaration_from + i + 1, tid, year, state, True, True, False,
               25_000 + i % 65_000, 3_000, sent, f"DL{year}-{tid}" if sent else None,
               now if sent else None, now, now)


def _sql_text_array(values) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _derived_sql(column: str, tenant_id: str, lasts: str, firsts: str) -> str:
    """A derived tenant column (bench.generate.DERIVABLE) in SQL, over the housing row `h`."""
    if column not in ("search_text", "other_text"):
        return f"h.{column}"
    from models.tenant_copies import normalise

    # normalise() of "last first commune number postal" is each part's, joined by a space:
    # names come normalised from Python, the commune's dash becomes a space.
    other = (f"({_sql_text_array(normalise(n) for n in BIG_FIRST_NAMES)})[{firsts}] || ' ' || "
             f"replace(h.commune, '-', ' ') || ' ' || ({tenant_id})::text || ' ' || h.postal_code")
    if column == "other_text":
        return other
    return f"({_sql_text_array(normalise(n) for n in LAST_NAMES)})[{lasts}] || ' ' || {other}"


def postgres_inserts(big: BigOrganisation, year: int, derived: tuple[str, ...] = ()) -> list[str]:
    """The INSERT … SELECT statements (housing, tenant, rent_declaration) of one big
    organisation; `derived`: tenant columns made from its housing row (bench.generate)."""
    housing = []
    i0 = 0
    for per_pair, pairs in big.blocks:
        types = _sql_text_array(p[0] for p in pairs)
        depts = _sql_text_array(p[1] for p in pairs)
        prefixes = _sql_text_array(postal_prefix(p[1]) for p in pairs)
        n = per_pair * len(pairs)
        housing.append(f"""
INSERT INTO housing (id, organisation_id, ref, housing_type, address, postal_code, commune,
                     departement)
SELECT {big.housing_from} + i + 1, {big.org_id}, 'H' || ({big.housing_from} + i + 1),
       ({types})[k], (i % 120 + 1) || ' RUE DU MOULIN',
       ({prefixes})[k] || lpad((i % (10 ^ (5 - length(({prefixes})[k])))::int)::text,
                               5 - length(({prefixes})[k]), '0'),
       'COMMUNE ' || ({prefixes})[k] || '-' || (({big.housing_from} + i + 1) % 37),
       ({depts})[k]
FROM (SELECT i, 1 + (i - {i0}) / {per_pair} AS k
      FROM generate_series({i0}, {i0 + n - 1}) AS i) s""")
        i0 += n
    lasts, firsts = _sql_text_array(LAST_NAMES), _sql_text_array(BIG_FIRST_NAMES)
    last_i = f"1 + (i::bigint * {_LAST_MUL}) % {_MOD} * {len(LAST_NAMES)} / {_MOD}"
    first_i = f"1 + (i::bigint * {_FIRST_MUL}) % {_MOD} * {len(BIG_FIRST_NAMES)} / {_MOD}"
    tenant_id = f"{big.tenant_from} + i + 1"
    copies = "".join(", " + _derived_sql(c, tenant_id, last_i, first_i) for c in derived)
    tenant = f"""
INSERT INTO tenant (id, housing_id, allocataire_number, last_name, first_name, occupied_since,
                    colocation, last_rent_cents, benefit_cents{"".join(", " + c for c in derived)})
SELECT {big.tenant_from} + i + 1, {big.housing_from} + i + 1, ({big.tenant_from} + i + 1)::text,
       ({lasts})[{last_i}], ({firsts})[{first_i}],
       date '2000-01-01' + i % 9000, i % 13 = 0, 25000 + i % 65000, 8000 + i % 22000
       {copies}
FROM generate_series(0, {big.total - 1}) AS i
{"JOIN housing h ON h.id = " + str(big.housing_from) + " + i + 1" if derived else ""}"""
    declaration = f"""
INSERT INTO rent_declaration (id, tenant_id, year, state, still_manager, tenant_still_present,
                              colocation, rent_cents, charges_cents, amount_confirmed, reference,
                              transmitted_at, created_at, updated_at)
SELECT {big.declaration_from} + i + 1, {big.tenant_from} + i + 1, {year},
       CASE WHEN i % 20 < 5 THEN 'transmis' ELSE 'brouillon' END, true, true, false,
       25000 + i % 65000, 3000, i % 20 < 5,
       CASE WHEN i % 20 < 5 THEN 'DL{year}-' || ({big.tenant_from} + i + 1) END,
       CASE WHEN i % 20 < 5 THEN now() END, now(), now()
FROM generate_series(0, {big.total - 1}) AS i WHERE i % 20 < 12"""
    return [*housing, tenant, declaration]
