"""`bench.suite` end to end at the quick size: the big organisations' callers see exactly their
scope, the peer (PostGraphile with row-level security) returns our rows, every system of the
throughput table answers, the plans are saved (never a check on a time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from bench.generate import drop_postgres

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("TEST_DATABASE_URL")

pytestmark = pytest.mark.slow


async def test_the_suite_measures_every_caller_and_system_at_the_quick_size(tmp_path):
    # given: quick databases of their own, with a big organisation of 100 (+ 100 + 100) tenants
    name = f"bench_suite_{uuid.uuid4().hex[:8]}"
    pg = ["quick"] if PG_URL else []
    results = tmp_path / "results"
    env = {**os.environ, "BENCH_PG_URL": PG_URL or ""}
    try:
        # when: the one command runs everything once, briefly
        done = subprocess.run(
            [sys.executable, "-m", "bench.suite", "--generate", "--name", name, "--pg", *pg,
             "--sqlite", "quick", "--throughput-size", "quick", "--seconds", "1",
             "--throughput-rounds", "1", "--rounds", "1", "--budget", "1", "--quick",
             "--results", str(results)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    finally:
        if PG_URL:
            await drop_postgres(urlunparse(urlparse(PG_URL)._replace(path=f"/{name}_quick")))
        Path(ROOT, "var", "bench", f"{name}_quick.sqlite3").unlink(missing_ok=True)

    # then: every caller got every request, with its whole scope counted
    run = json.loads(next(results.glob("suite-*.json")).read_text())
    for db in run["databases"]:
        callers = db["scale"]["callers"]
        assert {c["rows"] for c in callers} == {300, 100, 1}  # org 1, 100 %, 1 %
        assert len(db["scale"]["results"]) == len(callers) * 4
        scopes = {c["label"]: c["rows"] for c in callers}
        # a search or a filter may find nothing in a scope of one tenant; nothing else may
        assert all(r["rows_returned"] > 0 for r in db["scale"]["results"]
                   if scopes[r["caller"]] >= 100 or r["kind"] in ("page 1", "deep page"))
    table = next(results.glob("suite-*.md")).read_text()
    assert "| org of 10² · 1 % · 100 pairs | 100 | 100 |" in table
    if not PG_URL:
        return
    # the peer returned our rows, in our order, and counted the same scope as we did
    checks = run["databases"][0]["peer_check"]
    scopes = {c["label"]: c["rows"] for c in run["databases"][0]["scale"]["callers"]}
    assert all(c["same_rows"] for c in checks), checks
    assert all(c["total_ours"] == c["total_peer"] == scopes[c["caller"]] for c in checks)
    # every system of both throughput tables (100 pairs, then 1 pair) answered, without
    # errors, and the database was left idle after each cell
    assert [t["caller"].split(" · ")[-1] for t in run["throughput"]] == ["100 pairs", "1 pair"]
    for t in run["throughput"]:
        cells = t["cells"]
        assert len(cells) == 4 * 2 * 2
        assert all(cell["errors"] == 0 for cell in cells.values()), cells
        assert all(cell["abandoned"] >= 0 for cell in cells.values()), cells
        assert cells["pgbench | 16 | 1"]["median"] > 0
        assert t["statements_per_page"] >= 2
    assert table.count("#### Throughput of the 50-row page") == 2
    # the plans of every request are saved, with their buffers
    folder = results / run["explain"]["folder"]
    plans = list(folder.glob("*.txt"))
    assert len(plans) == 4 * 2
    assert all("Buffers" in p.read_text() or "actual time" in p.read_text() for p in plans)
