"""Audit trail verification at scale: a full `verifyAuditChain(full: true)` over N events, and
the default (incremental) check after 999 events appended through the product's own `record`.

Usage: uv run python -m bench.audit_chain N [DATABASE_URL] [--results DIR]
(default: a throw-away SQLite file under /tmp; a PostgreSQL URL names a database to create).
N events are written directly (COPY on PostgreSQL, executemany on SQLite) with real digests and
checkpoints, computed by the product's functions, so that verification has real work to do.
The full check is timed as the product runs it (spans in parallel processes from
AUDIT_VERIFY_PARALLEL_FROM events on, one per CPU) and once as the single sequential walk.
Prints wall and CPU seconds (CPU: this process plus the verifying processes; the database
server's own is not counted) and saves them to <DIR>/audit-chain-<date>-<N>-<dialect>.json
(DIR: bench/results).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from tortoise import Tortoise, connections

from bailleurs.db import init_database
from bailleurs.settings import Settings
from models import Organisation
from resolvers.audit import chain, checkpoints
from resolvers.audit.trail import verify_chain
from resolvers.shared.clock import now

EVERY = 1000
COLUMNS = ("id", "at", "actor_label", "organisation_id", "action", "target_type", "target_id",
           "before", "after", "delegation", "prev_digest", "digest", "digest_version")
CHECKPOINT_COLUMNS = ("at", "last_event_id", "events", "event_digest", "prev_digest", "digest")


def chained(contents) -> tuple[list[tuple], list[tuple]]:
    """Event rows (COLUMNS) and checkpoint rows for event contents (at, actor_label,
    organisation_id, action, target_type, target_id, before, after, delegation), in order, with
    the digests and the signed checkpoints the product would have written."""
    prev, cp_prev = chain.GENESIS, checkpoints.GENESIS
    events, marks = [], []
    for i, (at, label, org, action, kind, target, before, after, delegation) in enumerate(
            contents, start=1):
        digest = chain.digest_of(prev, at, label, org, action, kind, target, before, after,
                                 delegation, chain.CURRENT_VERSION)
        events.append((i, at, label, org, action, kind, target, json.dumps(before),
                       json.dumps(after), json.dumps(delegation), prev, digest,
                       chain.CURRENT_VERSION))
        prev = digest
        if i % EVERY == 0:
            signed = checkpoints.sign(cp_prev, i, i, digest)
            marks.append((at, i, i, digest, cp_prev, signed))
            cp_prev = signed
    return events, marks


def trail(n: int, organisation_id: int) -> tuple[list[tuple], list[tuple]]:
    """n chained user-change events and their checkpoints, as the product would write them."""
    start = now() - timedelta(days=400)

    def content(i: int) -> tuple:
        before = {"roles": [], "groups": [i % 7, 3], "status": "active", "closing_date": None}
        after = {"roles": ["administrateur"], "groups": [1, 2, i % 5], "status": "active",
                 "closing_date": None}
        delegation = [{"user": 1, "roles": ["administrateur"], "grantedBy": None, "event": i,
                       "via": "initial"}]
        return (start + timedelta(seconds=i), "ADMIN1", organisation_id, "user_groups_set",
                "user", str(i), before, after, delegation)

    return chained(content(i) for i in range(1, n + 1))


async def insert(url: str, tables: dict[str, tuple[tuple[str, ...], list[tuple]]]) -> None:
    """Rows in bulk, table by table (COPY on PostgreSQL, executemany on SQLite), ids moved on."""
    db = connections.get("default")
    if db.capabilities.dialect == "postgres":
        async with db.acquire_connection() as raw:
            for table, (columns, rows) in tables.items():
                await raw.copy_records_to_table(table, records=rows, columns=columns,
                                                timeout=600)
                await raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}','id'), "
                                  f"(SELECT COALESCE(max(id), 0) + 1 FROM {table}), false)")
            await raw.execute("ANALYZE")
        return
    import sqlite3

    file = sqlite3.connect(url.removeprefix("sqlite://"))
    for table, (columns, rows) in tables.items():
        file.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
            [tuple(v.isoformat(sep=" ") if isinstance(v, datetime) else v for v in row)
             for row in rows])
    file.commit()
    file.execute("ANALYZE")
    file.close()


async def fill(n: int, url: str) -> int:
    organisation = await Organisation.create(
        name="BENCH", user_number="B" * 14, convention_name="c", convention_state="s",
        initial_identifier="BENCH1")
    events, marks = trail(n, organisation.id)
    await insert(url, {"audit_event": (COLUMNS, events),
                       "audit_checkpoint": (CHECKPOINT_COLUMNS, marks)})
    return organisation.id


def _cpu() -> float:
    """This process's CPU seconds and its finished children's (the verifying processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


async def timed(coroutine) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), _cpu()
    result = await coroutine
    wall = time.perf_counter() - wall
    for _ in range(50):  # the pool's processes exit and are reaped: then their CPU is counted
        if not multiprocessing.active_children():
            break
        await asyncio.sleep(0.1)
    return wall, _cpu() - cpu, result


async def measure(n: int, url: str) -> dict:
    settings = Settings(database_url=url, audit_checkpoint_every=EVERY)
    await init_database(url, settings)
    try:
        started = time.perf_counter()
        organisation_id = await fill(n, url)
        filled = time.perf_counter() - started
        parallel_from = settings.audit_verify_parallel_from
        full = [await timed(verify_chain(full=True, parallel_from=parallel_from))
                for _ in range(2)]
        walk_wall, walk_cpu, walk = await timed(verify_chain(full=True, parallel_from=None))
        for i in range(999):
            await chain.record("bench", actor_id=None, actor_label="bench",
                               organisation_id=organisation_id, target_type="user",
                               target_id=i, after={"k": i})
        wall, cpu, report = await timed(verify_chain())
        assert all(r.ok for _, _, r in full) and report.ok and walk.ok, (full, report, walk)
        return {"events": n, "dialect": connections.get("default").capabilities.dialect,
                "fill_s": round(filled, 1),
                "full_wall_s": round(min(w for w, _, _ in full), 2),
                "full_cpu_s": round(min(c for _, c, _ in full), 2),
                "full_parallel": n >= parallel_from, "cpus": len(os.sched_getaffinity(0)),
                "full_sequential_wall_s": round(walk_wall, 2),
                "full_sequential_cpu_s": round(walk_cpu, 2),
                "incremental_after_999_wall_ms": round(wall * 1000, 1),
                "incremental_after_999_cpu_ms": round(cpu * 1000, 1),
                "load_average": round(os.getloadavg()[0], 2)}
    finally:
        await Tortoise.close_connections()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="bench.audit_chain")
    p.add_argument("n", nargs="?", default="1e5", help="events (1e6 or 1000000)")
    p.add_argument("url", nargs="?", help="database (default: a throw-away SQLite file)")
    p.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    args = p.parse_args(argv)
    n = int(float(args.n))
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(measure(n, args.url or f"sqlite://{tmp}/chain.sqlite3"))
    print(json.dumps(result))
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"audit-chain-{now().date()}-{n}-{result['dialect']}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
