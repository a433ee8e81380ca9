"""Mixed load on PostgreSQL: N concurrent clients for S seconds against uvicorn with 2 workers,
reading (tenant pages, one tenant, the campaign counter) and writing declarations (start, save,
validate), then counting the declarations in the database: none lost, none duplicated.

    uv run python -m bench.mixed_load                      # 200 clients, 60 s, 2 workers
    uv run python -m bench.mixed_load --clients 20 --seconds 5   # a smoke run

Every error counts: a status other than 200, a GraphQL error, a transport error. A fresh database
is created on the PostgreSQL server given (`--admin-url`) and dropped at the end (`--keep` keeps
it). The clients run in this process (httpx on the same 2 cores), so latencies include their own
queuing; numbers are for comparing runs on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2026
READS = [
    ("tenants", "query($s: String) { tenants(first: 50, filter: {search: $s}) "
                "{ totalCount edges { node { id lastName declarationState } } } }"),
    ("tenant", "query($id: ID!) { tenant(id: $id) { id lastName housing { commune } } }"),
    ("campaign", "{ rentCampaign { total remaining transmitted } }"),
]
START = "mutation($t: ID!) { startRentDeclaration(tenantId: $t) { id state } }"
SAVE = """mutation($id: ID!, $input: RentDeclarationInput!) {
  saveRentDeclaration(id: $id, input: $input) { id state } }"""
VALIDATE = """mutation($id: ID!) {
  validateRentDeclaration(id: $id, confirmAmount: true) { id state reference } }"""
ANSWERS = {"stillManager": True, "tenantStillPresent": True, "colocation": False,
           "rentCents": 40000, "chargesCents": 4500}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_db(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def prepare(url: str, orgs: int, per_org: int) -> dict[int, dict]:
    """Organisations with tenants (the importer), an administrateur each, a session each."""
    from tortoise import Tortoise

    from bailleurs.db import init_database
    from bailleurs.importer import import_data
    from bailleurs.settings import load
    from models import Organisation, Tenant, User
    from models.enums import UserStatus
    from policies.enforcers import load_enforcer
    from policies.vocabulary import Role, org_domain, user_subject
    from resolvers.accounts.sessions import open_session
    from resolvers.shared.clock import now

    settings = load()
    await init_database(url)
    try:
        organisations = []
        for o in range(orgs):
            tenants = [{"allocataireNumber": f"{o * per_org + t + 1:07d}", "lastName": f"NOM{t}",
                        "firstName": "P", "occupiedSince": "2020-01-01", "lastRentCents": 40000}
                       for t in range(per_org)]
            organisations.append({
                "name": f"BENCH {o}", "userNumber": f"BENCH{o:09d}",
                "convention": {"name": "x", "state": "Validée"},
                "housings": [{"ref": "h", "type": "CONVENTIONNE", "address": "1 RUE",
                              "postalCode": "14000", "commune": "CAEN", "departement": "14",
                              "tenants": tenants}]})
        await import_data({"organisations": organisations}, settings)
        result = {}
        for org in await Organisation.all().order_by("id"):
            moment = now()
            admin = await User.create(
                identifier=f"BENCH.ADMIN{org.id}", organisation=org, status=UserStatus.ACTIVE,
                password_hash="-", must_change_password=False, profile_completed_at=moment,
                usage_rules_accepted_at=moment, terms_accepted_at=moment,
                last_name="ADMIN", first_name="Bench")
            domain = org_domain(org.id)
            enforcer = await load_enforcer(domain)
            await enforcer.add_role_for_user_in_domain(user_subject(admin.id), Role.ADMINISTRATEUR,
                                                       domain)
            token, _ = await open_session(settings, user=admin, organisation_id=org.id,
                                          restricted=False)
            ids = await Tenant.filter(housing__organisation=org).values_list("id", flat=True)
            result[org.id] = {"token": token, "tenants": [str(i) for i in ids]}
        return result
    finally:
        await Tortoise.close_connections()


def start_server(url: str, workers: int, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "CAMPAIGN_YEAR": str(YEAR),
           "SESSION_IDLE_MINUTES": "600", "BAILLEURS_SECRET": "bench"}
    env.pop("SMTP_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bailleurs.asgi:app", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
         # Longer than any pause between two requests of a client: otherwise uvicorn may close
         # an idle keep-alive connection just as the client reuses it (a transport error).
         "--timeout-keep-alive", "120"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit(f"the service did not start: {log.read_text()[-2000:]}")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    started: set[str] = field(default_factory=set)  # tenants whose start was acknowledged
    validated: set[str] = field(default_factory=set)  # tenants whose validation was acknowledged


async def call(client, url, token, kind, query, variables, tally: Tally) -> dict | None:
    began = time.monotonic()
    try:
        response = await client.post(url, json={"query": query, "variables": variables},
                                     headers={"Authorization": f"Bearer {token}"})
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        response, body = None, {"errors": [{"message": type(exc).__name__}]}
    tally.latencies.append(time.monotonic() - began)
    tally.by_kind[kind].append(tally.latencies[-1])
    if response is None or response.status_code != 200 or not body or body.get("errors"):
        tally.errors[kind] += 1
        if len(tally.error_samples) < 5:
            tally.error_samples.append(response.text[:300] if response is not None else str(body))
        return None
    return body["data"]


async def client_loop(client, url, token, tenants, deadline, write_share, tally, rng):
    pending = list(tenants)
    while time.monotonic() < deadline:
        if pending and rng.random() < write_share:
            tenant = pending.pop()
            data = await call(client, url, token, "start", START, {"t": tenant}, tally)
            if data is None:
                continue
            tally.started.add(tenant)
            declaration = data["startRentDeclaration"]["id"]
            if await call(client, url, token, "save", SAVE,
                          {"id": declaration, "input": ANSWERS}, tally) is None:
                continue
            if await call(client, url, token, "validate", VALIDATE, {"id": declaration},
                          tally) is not None:
                tally.validated.add(tenant)
        else:
            kind, query = rng.choice(READS)
            variables = {"id": rng.choice(tenants)} if kind == "tenant" else (
                {"s": rng.choice(["NOM1", "CAEN", None])} if kind == "tenants" else {})
            await call(client, url, token, kind, query, variables, tally)


async def count_declarations(url: str) -> dict:
    conn = await asyncpg.connect(_pg(url))
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS rows, count(DISTINCT tenant_id) AS tenants, "
            "count(*) FILTER (WHERE state = 'transmis') AS transmitted, "
            "array_agg(tenant_id::text) FILTER (WHERE state = 'transmis') AS transmitted_ids, "
            "array_agg(tenant_id::text) AS all_ids FROM rent_declaration WHERE year = $1", YEAR)
        events = await conn.fetchval(
            "SELECT count(*) FROM audit_event WHERE action = 'declaration_transmitted'")
        return {**dict(row), "events": events}
    finally:
        await conn.close()


def _reaped_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0


async def run(args) -> dict:
    name = f"bench_mixed_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_pg(args.admin_url))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_db(args.admin_url, name)
    process = None
    try:
        organisations = await prepare(url, args.orgs, args.tenants_per_org)
        port = _free_port()
        process = start_server(url, args.workers, port, Path(args.log))
        tally, rng = Tally(), random.Random(1)
        org_ids = sorted(organisations)
        per_org = max(1, args.clients // len(org_ids))
        # One connection per client, as real clients have: one httpx pool of 200 connections
        # scans them on every request and cost 11 ms of CPU per request, more than the service.
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with contextlib.AsyncExitStack() as stack:
            clients = [await stack.enter_async_context(httpx.AsyncClient(timeout=60, limits=limits))
                       for _ in range(args.clients)]
            deadline = time.monotonic() + args.seconds
            loops = []
            for i, client in enumerate(clients):
                org = organisations[org_ids[i % len(org_ids)]]
                share = org["tenants"][(i // len(org_ids)) % per_org::per_org]
                loops.append(client_loop(client, f"http://127.0.0.1:{port}/graphql",
                                         org["token"], share, deadline, args.write_share, tally,
                                         random.Random(rng.random())))
            began, client_cpu = time.monotonic(), time.process_time()
            await asyncio.gather(*loops)
            elapsed, client_cpu = time.monotonic() - began, time.process_time() - client_cpu
        server_cpu = _reaped_cpu()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        # uvicorn reaps its workers and we reap uvicorn: their CPU time is ours to read now.
        server_cpu = _reaped_cpu() - server_cpu
        requests = len(tally.latencies)
        counted = await count_declarations(url)
        transmitted = set(counted.pop("transmitted_ids") or [])
        rows = counted.pop("all_ids") or []
        return {
            "clients": args.clients, "seconds": round(elapsed, 1), "workers": args.workers,
            "requests": requests, "requests_per_second": round(requests / elapsed),
            "by_kind": {kind: {"requests": len(v), "p50_ms": round(percentile(v, 0.50), 1),
                               "p99_ms": round(percentile(v, 0.99), 1)}
                        for kind, v in sorted(tally.by_kind.items())},
            # Where the two cores went: the service's workers, and these clients (PostgreSQL
            # has the rest).
            "server_cpu_ms_per_request": round(server_cpu * 1000 / max(requests, 1), 2),
            "client_cpu_ms_per_request": round(client_cpu * 1000 / max(requests, 1), 2),
            "errors": sum(tally.errors.values()), "errors_by_kind": dict(tally.errors),
            "error_samples": tally.error_samples,
            "p50_ms": round(percentile(tally.latencies, 0.50), 1),
            "p95_ms": round(percentile(tally.latencies, 0.95), 1),
            "p99_ms": round(percentile(tally.latencies, 0.99), 1),
            "max_ms": round(max(tally.latencies, default=0) * 1000, 1),
            "declarations_started_acknowledged": len(tally.started),
            "declarations_validated_acknowledged": len(tally.validated),
            "declarations_in_database": counted,
            "lost": len(tally.validated - transmitted) + len(tally.started - set(rows)),
            "duplicated": len(rows) - len(set(rows)),
        }
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        if not args.keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default=os.environ.get(
        "BENCH_PG_URL", "postgres://postgres@127.0.0.1:55432/postgres"))
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--orgs", type=int, default=20)
    parser.add_argument("--tenants-per-org", type=int, default=400)
    parser.add_argument("--write-share", type=float, default=0.2)
    parser.add_argument("--log", default="/tmp/bench-mixed-load.log")
    parser.add_argument("--keep", action="store_true")
    report = asyncio.run(run(parser.parse_args()))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if report["errors"] or report["lost"] or report["duplicated"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
