"""The benchmark scripts run end to end in quick mode (never a check on a time)."""

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


def _bench(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


async def test_generate_then_run_every_measurement_in_quick_mode(tmp_path):
    # given: the quick data set, loaded in bulk into a database of its own
    if PG_URL:
        db = "postgres"
        url = urlunparse(urlparse(PG_URL)._replace(path=f"/bench_quick_{uuid.uuid4().hex[:8]}"))
    else:
        db, url = "sqlite", f"sqlite://{tmp_path}/bench.sqlite3"
    results = tmp_path / "results"
    try:
        _bench("bench.generate", "--size", "quick", "--db", db, "--database-url", url,
               "--results", str(results))

        # when: every measurement runs once, briefly
        table = _bench("bench.run", "--size", "quick", "--db", db, "--database-url", url,
                       "--quick", "--wrk-seconds", "1", "--results", str(results))
    finally:
        if PG_URL:
            await drop_postgres(url)

    # then: the raw numbers and the table are written; the variants returned the same page
    raw = json.loads(next(results.glob(f"2*-quick-{db}.json")).read_text())
    assert raw["load"]["rows"]["tenant"] == 600
    assert raw["page"]["rows"] == 50
    assert raw["page"]["same_json_bare"] and raw["page"]["same_page_bypassed"]
    # every page, whatever its size or caller, costs the same statements: the session's and one
    pages = {name: n for name, n in raw["queries"].items() if name != "me"}
    assert set(pages.values()) == {2}, raw["queries"]
    assert raw["outbox"]["received"] == raw["outbox"]["mails"]
    assert raw["receipt"]["pdf_bytes"] > 1_000 and raw["receipt"]["renders"] == 20
    assert "| GraphQL ÷ bare |" in table
    assert len(list(results.glob("*.md"))) == 1


@pytest.mark.skipif(not PG_URL, reason="the mixed load runs on PostgreSQL only")
def test_the_mixed_load_counts_every_declaration_it_wrote():
    admin = urlunparse(urlparse(PG_URL)._replace(path="/postgres"))
    report = json.loads(_bench("bench.mixed_load", "--admin-url", admin, "--clients", "6",
                               "--seconds", "2", "--orgs", "2", "--tenants-per-org", "30"))
    assert report["errors"] == 0 and report["lost"] == 0 and report["duplicated"] == 0
    validated = report["declarations_validated_acknowledged"]
    assert validated > 0 and report["declarations_in_database"]["transmitted"] == validated
    assert report["declarations_in_database"]["events"] == validated
