"""Generate synthetic agency data at one size and load it in bulk.

    uv run python -m bench.generate --size 1e5 [--db postgres|sqlite] [--database-url URL]

PostgreSQL: a database per size (`bench_1e4`, ...) on BENCH_PG_URL (default the dev cluster),
dropped and re-created, migrated by the product's migrations, then filled with COPY
(asyncpg `copy_records_to_table`). SQLite (up to 10⁵): `var/bench/bench_<size>.sqlite3`, filled
with `executemany` in one transaction. The load time is printed and kept in
`bench/results/load-<size>-<db>.json` for the results table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import time
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg

from bailleurs.db import migrate_database
from bailleurs.settings import load
from bench import big
from bench.data import COLUMNS, SIZES, Generator, Tables
from policies.defaults import agency_role_rules

RESULTS = Path(__file__).with_name("results")
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:55432/postgres")

sqlite3.register_adapter(date, lambda v: v.isoformat())
sqlite3.register_adapter(datetime, lambda v: v.isoformat(" "))


def database_url(size: str, db: str) -> str:
    if db == "sqlite":
        return f"sqlite://var/bench/bench_{size}.sqlite3"
    return urlunparse(urlparse(PG_BASE)._replace(path=f"/bench_{size}"))


def _asyncpg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1).replace("asyncpg://", "postgresql://", 1)


async def _on_server(url: str, *statements: str) -> None:
    """Run `statements` on the server of `url` (from its `postgres` database); `{name}` in them
    is the database of `url`."""
    name = urlparse(url).path.lstrip("/")
    admin = urlunparse(urlparse(_asyncpg_url(url))._replace(path="/postgres"))
    conn = await asyncpg.connect(admin)
    try:
        for sql in statements:
            await conn.execute(sql.format(name=name))
    finally:
        await conn.close()


async def drop_postgres(url: str) -> None:
    await _on_server(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _recreate_postgres(url: str) -> None:
    await _on_server(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                     'CREATE DATABASE "{name}"')


def _recreate_sqlite(url: str) -> Path:
    path = Path(url.removeprefix("sqlite://"))
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def _agency_rules(tables: Tables) -> None:
    next_id = len(tables.casbin_rule) + 1
    for i, rule in enumerate(agency_role_rules()):
        tables.casbin_rule.append((next_id + i, "p", *[*rule, "", "", "", "", "", ""][:6]))


# Tenant columns a schema may carry as copies of its housing's (the scope on the tenant row) and
# its normalised search text (`models.tenant_copies`, when the schema has them).
DERIVABLE = ("organisation_id", "housing_type", "departement", "search_text", "other_text")


def _derived(live: set[str]) -> tuple[str, ...]:
    return tuple(c for c in DERIVABLE if c in live and c not in COLUMNS["tenant"])


def _copy(column: str, tenant: tuple, housing: tuple):
    if column == "search_text":
        from models.tenant_copies import normalise

        return normalise(" ".join((tenant[3], tenant[4], housing[6], tenant[2], housing[5])))
    if column == "other_text":
        from models.tenant_copies import normalise

        return normalise(" ".join((tenant[4], housing[6], tenant[2], housing[5])))
    return housing[COLUMNS["housing"].index(column)]


def _with_derived(tables: Tables, derived: tuple[str, ...]) -> Tables:
    """Tenant rows extended with the values of the schema's derived columns."""
    if not derived:
        return tables
    by_id = {row[0]: row for row in tables.housing}
    tables.tenant = [(*row, *(_copy(c, row, by_id[row[1]]) for c in derived))
                     for row in tables.tenant]
    return tables


def _columns(table: str, derived: tuple[str, ...]) -> list[str]:
    return [*COLUMNS[table], *(derived if table == "tenant" else ())]


# Plain indexes of the big tables (not those behind a constraint): dropped for the load and built
# once afterwards, which is several times faster than maintaining them row by row.
_PLAIN_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = 'public' AND i.tablename IN ('tenant', 'housing', 'rent_declaration')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                  WHERE c.conindid = (quote_ident(i.indexname))::regclass)
"""


async def _copy_postgres(url: str, tables: Tables, bigs: list[big.BigOrganisation],
                         year: int) -> None:
    conn = await asyncpg.connect(_asyncpg_url(url))
    try:
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = await conn.fetch(_PLAIN_INDEXES)
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        live = {r[0] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'tenant'")}
        derived = _derived(live)
        tables = _with_derived(tables, derived)
        for table, rows in tables.items():
            if rows:
                await conn.copy_records_to_table(table, records=rows,
                                                 columns=_columns(table, derived))
        for organisation in bigs:
            for statement in big.postgres_inserts(organisation, year, derived):
                await conn.execute(statement)
        for _, definition in indexes:
            await conn.execute(definition)
        for table, _ in tables.items():
            # Ids were given explicitly: move the sequences past them for later inserts.
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" COALESCE((SELECT max(id) FROM \"{table}\"), 0) + 1, false)"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def _insert_sqlite(path: Path, tables: Tables, bigs: list[big.BigOrganisation],
                   year: int, now: datetime) -> None:
    conn = sqlite3.connect(path)
    try:
        derived = _derived({r[1] for r in conn.execute("PRAGMA table_info(tenant)")})
        for organisation in bigs:
            tables.housing += big.housing_rows(organisation)
            tables.tenant += big.tenant_rows(organisation)
            tables.rent_declaration += big.declaration_rows(organisation, year, now)
        tables = _with_derived(tables, derived)
        with conn:
            for table, rows in tables.items():
                columns = _columns(table, derived)
                marks = ", ".join("?" for _ in columns)
                conn.executemany(
                    f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', rows
                )
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def generate(size: str, db: str, url: str | None = None, results: Path = RESULTS) -> dict:
    url = url or database_url(size, db)
    if db == "sqlite" and SIZES[size][0] > 100_000:
        raise SystemExit("SQLite is loaded up to 10⁵ tenants.")
    started = time.perf_counter()
    year = load().campaign_year
    generator = Generator(size, year)
    tables = generator.generate()
    bigs = big.add_organisations(generator, big.BIG_SIZES[size])
    _agency_rules(tables)
    rows = {table: len(rows) for table, rows in tables.items()}
    generated = time.perf_counter()
    if db == "sqlite":
        path = _recreate_sqlite(url)
        await migrate_database(url)
        migrated = time.perf_counter()
        _insert_sqlite(path, tables, bigs, year, generator.now)
    else:
        await _recreate_postgres(url)
        await migrate_database(url)
        migrated = time.perf_counter()
        await _copy_postgres(url, tables, bigs, year)
    loaded = time.perf_counter()
    report = {
        "size": size,
        "db": db,
        "database_url": url,
        "rows": rows,
        "big_organisations": [{"size": b.size, "organisation_id": b.org_id, "tenants": b.total,
                               "scopes": [vars(s) for s in b.scopes]} for b in bigs],
        "generate_s": round(generated - started, 2),
        "migrate_s": round(migrated - generated, 2),
        "load_s": round(loaded - migrated, 2),
    }
    results.mkdir(parents=True, exist_ok=True)
    (results / f"load-{size}-{db}.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--size", choices=list(SIZES), default="1e4")
    p.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument("--database-url", help="override the database (quick test)")
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    report = asyncio.run(generate(args.size, args.db, args.database_url, args.results))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
