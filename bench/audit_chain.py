"""Audit trail verification at scale: a full `verifyAuditChain(full: true)` over N events, and
the default (incremental) check after 999 events appended through the product's own `record`.

Usage: uv run python -m bench.audit_chain N [DATABASE_URL]
(default: a throw-away SQLite file under /tmp; a PostgreSQL URL names a database to create).
N events are written directly (COPY on PostgreSQL, executemany on SQLite) with real digests and
checkpoints, computed by the product's functions, so that verification has real work to do.
Prints wall and CPU seconds (the CPU figure does not depend on the machine's other load) and
saves them to bench/results/audit-chain-<date>-<N>-<dialect>.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
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


def trail(n: int, organisation_id: int) -> tuple[list[tuple], list[tuple]]:
    """n chained user-change events and their checkpoints, as the product would write them."""
    prev, cp_prev, start = chain.GENESIS, checkpoints.GENESIS, now() - timedelta(days=400)
    events, marks = [], []
    for i in range(1, n + 1):
        at = start + timedelta(seconds=i)
        before = {"roles": [], "groups": [i % 7, 3], "status": "active", "closing_date": None}
        after = {"roles": ["administrateur"], "groups": [1, 2, i % 5], "status": "active",
                 "closing_date": None}
        delegation = [{"user": 1, "roles": ["administrateur"], "grantedBy": None, "event": i,
                       "via": "initial"}]
        digest = chain.digest_of(prev, at, "ADMIN1", organisation_id, "user_groups_set", "user",
                                 str(i), before, after, delegation, chain.CURRENT_VERSION)
        events.append((i, at, "ADMIN1", organisation_id, "user_groups_set", "user", str(i),
                       json.dumps(before), json.dumps(after), json.dumps(delegation), prev,
                       digest, chain.CURRENT_VERSION))
        prev = digest
        if i % EVERY == 0:
            signed = checkpoints.sign(cp_prev, i, i, digest)
            marks.append((at, i, i, digest, cp_prev, signed))
            cp_prev = signed
    return events, marks


async def fill(n: int, url: str) -> int:
    organisation = await Organisation.create(
        name="BENCH", user_number="B" * 14, convention_name="c", convention_state="s",
        initial_identifier="BENCH1")
    events, marks = trail(n, organisation.id)
    db = connections.get("default")
    if db.capabilities.dialect == "postgres":
        async with db.acquire_connection() as raw:
            await raw.copy_records_to_table("audit_event", records=events, columns=COLUMNS,
                                            timeout=600)
            await raw.copy_records_to_table("audit_checkpoint", records=marks,
                                            columns=CHECKPOINT_COLUMNS, timeout=600)
            await raw.execute(f"SELECT setval(pg_get_serial_sequence('audit_event','id'), {n})")
    else:
        import sqlite3

        file = sqlite3.connect(url.removeprefix("sqlite://"))
        marks_sql = ",".join("?" * len(CHECKPOINT_COLUMNS))
        file.executemany(
            f"INSERT INTO audit_event ({', '.join(COLUMNS)}) VALUES ({','.join('?' * 13)})",
            [(e[0], e[1].isoformat(sep=" "), *e[2:]) for e in events])
        file.executemany(
            f"INSERT INTO audit_checkpoint ({', '.join(CHECKPOINT_COLUMNS)}) VALUES ({marks_sql})",
            [(m[0].isoformat(sep=" "), *m[1:]) for m in marks])
        file.commit()
        file.close()
    return organisation.id


async def timed(coroutine) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = await coroutine
    return time.perf_counter() - wall, time.process_time() - cpu, result


async def measure(n: int, url: str) -> dict:
    settings = Settings(database_url=url, audit_checkpoint_every=EVERY)
    await init_database(url, settings)
    try:
        started = time.perf_counter()
        organisation_id = await fill(n, url)
        filled = time.perf_counter() - started
        full = [await timed(verify_chain(full=True)) for _ in range(2)]
        for i in range(999):
            await chain.record("bench", actor_id=None, actor_label="bench",
                               organisation_id=organisation_id, target_type="user",
                               target_id=i, after={"k": i})
        wall, cpu, report = await timed(verify_chain())
        assert all(r.ok for _, _, r in full) and report.ok, (full, report)
        return {"events": n, "dialect": connections.get("default").capabilities.dialect,
                "fill_s": round(filled, 1),
                "full_wall_s": round(min(w for w, _, _ in full), 2),
                "full_cpu_s": round(min(c for _, c, _ in full), 2),
                "incremental_after_999_wall_ms": round(wall * 1000, 1),
                "incremental_after_999_cpu_ms": round(cpu * 1000, 1),
                "load_average": round(os.getloadavg()[0], 2)}
    finally:
        await Tortoise.close_connections()


def main() -> None:
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite://{tmp}/chain.sqlite3"
        result = asyncio.run(measure(n, url))
    print(json.dumps(result))
    out = Path(__file__).parent / "results" / (
        f"audit-chain-{now().date()}-{n}-{result['dialect']}.json")
    out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
