"""As-of questions at scale, through the real HTTP endpoint: whoCanAccess, userAccess and
explainAccess at an instant, whoCanAccess over one day and over one month, on a trail of N events.

    uv run python -m bench.audit_asof N [--db sqlite|postgres] [--base quick|1e4] [--rounds 25]
                                        [--results DIR]

The agency (`bench.generate --size BASE`: organisations, users in groups, tenants, policies) in
a database of its own (PostgreSQL: a throw-away database on BENCH_PG_URL; SQLite: a /tmp file),
then two years of history, N events spread evenly over the organisations: users' groups set
(70 %), groups' zones changed (20 %), imports moving a few tenants to another housing of their
organisation (10 %). Each event is chained and checkpointed as the product does, and writes the
validity period the product's `history` writes (user_state_period, group_state_period,
tenant_placement), loaded in bulk. A real uvicorn then answers an auditor about tenants and users
of the benchmark's organisation at random instants (each request also writes its own audit read
event, as in production). Medians, p95 and the server's CPU per request go to
<DIR>/audit-asof-<date>-<N>-<dialect>.json (DIR: bench/results).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx
from tortoise import Tortoise, connections

from bailleurs.db import init_database
from bailleurs.settings import Settings
from bench import audit_chain, server
from bench.data import BENCH_ORG
from bench.generate import PG_BASE, drop_postgres, generate
from models import HabilitationGroup, Housing, Tenant, User

YEARS = 2
AUDITOR, PASSWORD = "CAF.AUDIT.BENCH", "Auditeur-Bench-Tres-Long-2026!"
LOGIN = """mutation($identifier: String!, $password: String!) {
  login(identifier: $identifier, password: $password) { token } }"""
WHO_AT = """query($t: ID!, $at: Instant) { whoCanAccess(tenantId: $t, at: $at) {
  user { id } allowed } }"""
WHO_BETWEEN = """query($t: ID!, $b: AccessInterval) { whoCanAccess(tenantId: $t, between: $b) {
  user { id } allowed periods { from to } } }"""
USER_AT = """query($u: ID!, $at: Instant) { userAccess(userId: $u, at: $at) { total } }"""
EXPLAIN_AT = """query($u: ID!, $t: ID!, $at: Instant) {
  explainAccess(userId: $u, tenantId: $t, action: READ, at: $at) { allowed message } }"""
PERIOD_COLUMNS = {
    "user_state_period": ("organisation_id", "user_id", "state", "valid_from", "valid_to",
                          "event_id"),
    "group_state_period": ("organisation_id", "group_id", "definition", "valid_from",
                           "valid_to", "event_id"),
    "tenant_placement": ("tenant_id", "housing_id", "organisation_id", "housing_type",
                         "departement", "valid_from", "valid_to"),
}


class History:
    """Events and the validity periods they open and close, subject by subject."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.contents: list[tuple] = []
        self.open: dict[tuple[str, int], list] = {}  # (table, subject) -> its open period row
        self.rows: dict[str, list[list]] = {table: [] for table in PERIOD_COLUMNS}

    def begin(self, table: str, subject: int, row: list) -> None:
        self.rows[table].append(row)
        self.open[(table, subject)] = row

    def change(self, table: str, subject: int, at: datetime, row: list) -> None:
        self.open[(table, subject)][-2 if table != "tenant_placement" else -1] = at
        self.begin(table, subject, row)


async def _world() -> dict:
    users = await User.filter(organisation_id__not_isnull=True).values(
        "id", "organisation_id", "identifier")
    groups = await HabilitationGroup.all().values("id", "organisation_id", "name",
                                                  "housing_type", "zones")
    housing = await Housing.all().values("id", "organisation_id", "housing_type", "departement")
    tenants = await Tenant.all().values("id", "housing_id")
    for row in (*groups, *housing):  # enums as their values, as the product's JSON holds them
        row["housing_type"] = getattr(row["housing_type"], "value", row["housing_type"])
    return {"users": users, "groups": groups, "housing": housing, "tenants": tenants}


def history(world: dict, n: int, end: datetime, seed: int = 17) -> History:
    rng, start = random.Random(seed), end - timedelta(days=365 * YEARS)
    h = History(start)
    by_org: dict[int, dict[str, list]] = {}
    for kind in ("users", "groups", "housing"):
        for row in world[kind]:
            by_org.setdefault(row["organisation_id"], {"users": [], "groups": [], "housing": []})[
                kind].append(row)
    housing = {row["id"]: row for row in world["housing"]}
    tenants_of: dict[int, list[int]] = {}
    state: dict[int, dict] = {}
    for u in world["users"]:
        admin = u["identifier"].endswith(".ADMIN")
        state[u["id"]] = {"roles": ["administrateur"] if admin else [], "groups": [],
                          "status": "active", "closing_date": None}
        h.begin("user_state_period", u["id"], [u["organisation_id"], u["id"],
                                               json.dumps(state[u["id"]]), start, None, None])
    definition: dict[int, dict] = {}
    for g in world["groups"]:
        definition[g["id"]] = {"name": g["name"], "housing_type": g["housing_type"],
                               "zones": list(g["zones"])}
        h.begin("group_state_period", g["id"], [g["organisation_id"], g["id"],
                                                json.dumps(definition[g["id"]]), start, None,
                                                None])
    for t in world["tenants"]:
        home = housing[t["housing_id"]]
        tenants_of.setdefault(home["organisation_id"], []).append(t["id"])
        h.begin("tenant_placement", t["id"], [t["id"], home["id"], home["organisation_id"],
                                              home["housing_type"], home["departement"], start,
                                              None])
    orgs = sorted(o for o, v in by_org.items() if v["users"] and v["groups"])
    moments = sorted(start + timedelta(seconds=rng.uniform(1, (end - start).total_seconds()))
                     for _ in range(n))
    for i, at in enumerate(moments, start=1):
        org, roll = rng.choice(orgs), rng.random()
        mine = by_org[org]
        if roll < 0.7:
            user = rng.choice(mine["users"])
            before = state[user["id"]]
            chosen = rng.sample(mine["groups"], rng.randint(0, min(3, len(mine["groups"]))))
            after = {**before, "groups": sorted(g["id"] for g in chosen)}
            state[user["id"]] = after
            h.contents.append((at, "ADMIN", org, "user_groups_set", "user", str(user["id"]),
                               before, after, None))
            h.change("user_state_period", user["id"], at,
                     [org, user["id"], json.dumps(after), at, None, i])
        elif roll < 0.9 or len(tenants_of.get(org, ())) == 0:
            group = rng.choice(mine["groups"])
            before = definition[group["id"]]
            zones = sorted({group["zones"][0], *rng.sample(
                [h_["departement"] for h_ in mine["housing"]] or group["zones"], 1)})
            after = {**before, "zones": zones}
            definition[group["id"]] = after
            h.contents.append((at, "ADMIN", org, "group_updated", "group", str(group["id"]),
                               before, after, None))
            h.change("group_state_period", group["id"], at,
                     [org, group["id"], json.dumps(after), at, None, i])
        else:
            moved = rng.sample(tenants_of[org], min(3, len(tenants_of[org])))
            changes = []
            for tid in moved:
                home = rng.choice(mine["housing"])
                changes.append({"tenant": tid, "housing": home["id"]})
                h.change("tenant_placement", tid, at,
                         [tid, home["id"], org, home["housing_type"], home["departement"], at,
                          None])
            h.contents.append((at, "import", org, "tenants_placed", "organisation", str(org),
                               None, {"moved": changes}, None))
    return h


async def build(n: int, base: str, db: str, url: str, results: Path) -> dict:
    started = time.perf_counter()
    await generate(base, db, url, results)
    settings = Settings(database_url=url)
    await init_database(url, settings)
    try:
        world = await _world()
        ago = datetime.now(UTC) - timedelta(days=365 * YEARS + 1)
        # Everyone was there and had completed their first login before the history starts.
        await connections.get("default").execute_query(
            "UPDATE app_user SET created_at = $1, profile_completed_at = $1, "
            "usage_rules_accepted_at = $1, terms_accepted_at = $1".replace(
                "$1", "'" + ago.isoformat(sep=" ") + "'"))
        await HabilitationGroup.all().update(created_at=ago)
        end = datetime.now(UTC) - timedelta(hours=1)
        h = history(world, n, end)
        events, marks = audit_chain.chained(h.contents)
        tables = {"audit_event": (audit_chain.COLUMNS, events),
                  "audit_checkpoint": (audit_chain.CHECKPOINT_COLUMNS, marks)}
        for table, columns in PERIOD_COLUMNS.items():
            tables[table] = (columns, [tuple(r) for r in h.rows[table]])
        await audit_chain.insert(url, tables)
        # The auditor is made by the product's command after the history: its event follows.
        from bailleurs.agency import create_agent

        await create_agent(settings, "auditeur", AUDITOR, PASSWORD)
        home = {x["id"]: x["organisation_id"] for x in world["housing"]}
        bench_tenants = [t["id"] for t in world["tenants"]
                         if home[t["housing_id"]] == BENCH_ORG][:200]
        bench_users = [u["id"] for u in world["users"] if u["organisation_id"] == BENCH_ORG]
        return {"events": len(events), "periods": {t: len(r) for t, r in h.rows.items()},
                "tenants": bench_tenants, "users": bench_users, "start": h.start, "end": end,
                "build_s": round(time.perf_counter() - started, 1)}
    finally:
        await Tortoise.close_connections()


def _stats(samples: list[tuple[float, float]], granted: int) -> dict:
    walls = sorted(w for w, _ in samples)
    return {"median_ms": round(statistics.median(walls) * 1000, 1),
            "p95_ms": round(walls[min(len(walls) - 1, math.ceil(0.95 * len(walls)) - 1)] * 1000,
                            1),
            "server_cpu_median_ms": round(statistics.median(c for _, c in samples) * 1000, 1),
            "requests": len(samples), "answers_with_access": granted}


def _granted(data: dict) -> bool:
    """Whether an answer names someone with access (else its time would say little)."""
    value = next(iter(data.values()))
    if isinstance(value, list):
        return bool(value)
    return bool(value.get("total") or value.get("allowed"))


def measure(url: str, built: dict, rounds: int, seed: int = 5) -> dict:
    rng = random.Random(seed)
    start, end = built["start"], built["end"]

    def instant() -> datetime:
        return start + timedelta(seconds=rng.uniform(86_400 * 31, (end - start).total_seconds()))

    questions = {
        "whoCanAccess(at)": lambda: (WHO_AT, {"t": str(rng.choice(built["tenants"])),
                                              "at": instant().isoformat()}),
        "userAccess(at)": lambda: (USER_AT, {"u": str(rng.choice(built["users"])),
                                             "at": instant().isoformat()}),
        "explainAccess(at)": lambda: (EXPLAIN_AT, {"u": str(rng.choice(built["users"])),
                                                   "t": str(rng.choice(built["tenants"])),
                                                   "at": instant().isoformat()}),
        "whoCanAccess(between one day)": lambda: _between(rng, built, instant(), 1),
        "whoCanAccess(between one month)": lambda: _between(rng, built, instant(), 30),
    }
    out: dict = {}
    with server.Server(url) as s, httpx.Client(base_url=s.url, timeout=120) as client:
        token = client.post("/graphql", json={"query": LOGIN, "variables": {
            "identifier": AUDITOR, "password": PASSWORD}}).json()["data"]["login"]["token"]
        headers = {"Authorization": f"Bearer {token}"}
        for name, make in questions.items():
            samples, granted = [], 0
            for i in range(rounds + 3):  # the first three warm the caches up
                query, variables = make()
                cpu, wall = s.workers_cpu_seconds(), time.perf_counter()
                body = client.post("/graphql", json={"query": query, "variables": variables},
                                   headers=headers).json()
                wall, cpu = time.perf_counter() - wall, s.workers_cpu_seconds() - cpu
                assert "errors" not in body, body
                if i >= 3:
                    samples.append((wall, cpu))
                    granted += _granted(body["data"])
            out[name] = _stats(samples, granted)
    return out


def _between(rng: random.Random, built: dict, start: datetime, days: int) -> tuple[str, dict]:
    end = min(start + timedelta(days=days), built["end"])
    return WHO_BETWEEN, {"t": str(rng.choice(built["tenants"])),
                         "b": {"from": (end - timedelta(days=days)).isoformat(),
                               "to": end.isoformat()}}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="bench.audit_asof")
    p.add_argument("n", nargs="?", default="1e5", help="events (1e6 or 1000000)")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--base", default="1e4", help="bench.generate size of the agency")
    p.add_argument("--rounds", type=int, default=25)
    p.add_argument("--results", type=Path, default=Path(__file__).parent / "results")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (EXPLAIN)")
    args = p.parse_args(argv)
    n = int(float(args.n))
    with tempfile.TemporaryDirectory() as tmp:
        name = f"bench_asof_{uuid.uuid4().hex[:8]}"
        url = (f"sqlite://{tmp}/asof.sqlite3" if args.db == "sqlite"
               else urlunparse(urlparse(PG_BASE)._replace(path=f"/{name}")))
        try:
            built = asyncio.run(build(n, args.base, args.db, url, Path(tmp)))
            load = os.getloadavg()[0]
            figures = measure(url, built, args.rounds)
        finally:
            if args.db == "postgres" and not args.keep:
                asyncio.run(drop_postgres(url))
            elif args.db == "postgres":
                print(f"kept {url}", file=sys.stderr)
    result = {"events": built["events"], "dialect": args.db, "base": args.base,
              "periods": built["periods"], "build_s": built["build_s"],
              "load_average": round(load, 2), "cpus": len(os.sched_getaffinity(0)), **figures}
    print(json.dumps(result))
    args.results.mkdir(parents=True, exist_ok=True)
    day = datetime.now(UTC).date()
    out = args.results / f"audit-asof-{day}-{n}-{args.db}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    (args.results / f"audit-asof-{day}.md").write_text(render(args.results, str(day)))


QUESTIONS = ("whoCanAccess(at)", "userAccess(at)", "explainAccess(at)",
             "whoCanAccess(between one day)", "whoCanAccess(between one month)")


def render(results: Path, day: str) -> str:
    """The day's as-of and full-verification figures, one column per run."""
    asof = [json.loads(f.read_text()) for f in sorted(results.glob(f"audit-asof-{day}-*.json"))]
    chain = [json.loads(f.read_text())
             for f in sorted(results.glob(f"audit-chain-{day}-*.json"))]
    lines = [f"# Audit at scale — {day}", "",
             "As-of questions through the HTTP endpoint (`python -m bench.audit_asof N --db D`): "
             "median / p95 wall ms per request, server CPU ms (median) in brackets.", ""]
    if asof:
        lines += ["| question | " + " | ".join(
            f"{r['events']:,} events, {r['dialect']} (load {r['load_average']})" for r in asof)
            + " |", "|---" * (len(asof) + 1) + "|"]
        for q in QUESTIONS:
            lines.append(f"| {q} | " + " | ".join(
                f"{r[q]['median_ms']} / {r[q]['p95_ms']} ({r[q]['server_cpu_median_ms']})"
                if q in r else "—" for r in asof) + " |")
    if chain:
        lines += ["", "Full verification (`python -m bench.audit_chain N [URL]`): wall s "
                  "(CPU s of this process and the verifying ones; the database server's not "
                  "counted).", "", "| run | parallel | sequential walk | after 999 new (ms) |",
                  "|---|---|---|---|"]
        for r in chain:
            lines.append(
                f"| {r['events']:,} events, {r['dialect']}, {r.get('cpus', '?')} CPUs, load "
                f"{r['load_average']} | {r['full_wall_s']} ({r['full_cpu_s']}) | "
                f"{r.get('full_sequential_wall_s', '—')} ({r.get('full_sequential_cpu_s', '—')})"
                f" | {r['incremental_after_999_wall_ms']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
