"""The audit benchmarks run end to end at a small size (never a check on a time): the full
verification (parallel and sequential, both correct) and the as-of questions over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("TEST_DATABASE_URL")


def _bench(*args: str, **env: str) -> dict:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(urlunparse(urlparse(PG_URL)._replace(
        path="/postgres", scheme="postgresql")))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def test_the_chain_benchmark_verifies_in_parallel_and_sequentially(tmp_path):
    name = f"bench_chain_{uuid.uuid4().hex[:8]}"
    url = urlunparse(urlparse(PG_URL)._replace(path=f"/{name}")) if PG_URL else None
    if url:
        await _admin(f'CREATE DATABASE "{name}"')
    try:
        # Spans in parallel from 1,000 events: the benchmark's 3,000 are checked both ways.
        raw = _bench("bench.audit_chain", "3000", *([url] if url else []), "--results",
                     str(tmp_path), AUDIT_VERIFY_PARALLEL_FROM="1000")
    finally:
        if url:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert raw["events"] == 3000 and raw["full_parallel"] is True
    assert raw["dialect"] == ("postgres" if PG_URL else "sqlite")
    assert len(list(tmp_path.glob("audit-chain-*-3000-*.json"))) == 1


def test_the_asof_benchmark_asks_every_question_through_the_endpoint(tmp_path):
    raw = _bench("bench.audit_asof", "2000", "--base", "quick", "--rounds", "2",
                 "--db", "postgres" if PG_URL else "sqlite", "--results", str(tmp_path),
                 **({"BENCH_PG_URL": PG_URL} if PG_URL else {}))
    assert raw["events"] == 2000
    assert set(raw) >= {"whoCanAccess(at)", "userAccess(at)", "explainAccess(at)",
                        "whoCanAccess(between one day)", "whoCanAccess(between one month)"}
    assert all(raw[q]["requests"] == 2 for q in raw if "(" in q)
    assert sum(raw["periods"].values()) > 2000
    assert len(list(tmp_path.glob("audit-asof-*-2000-*.json"))) == 1
