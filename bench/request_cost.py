"""Server CPU of the costliest requests the limits still accept (issue 13, findings 6 and 7).

    uv run python -m bench.request_cost [--rounds 5]

In process, on a throw-away SQLite database with the bench's quick data (its organisation 1 and
administrateur, 3 payments per tenant added), argon2 at its production cost, throttles and
locks out of the way (a throttled or locked call hashes nothing): the median of
`time.process_time()` around each request (the whole process: server and in-process client), for
the normal tenant page, the worst accepted authenticated batches (lists filled up to
GRAPHQL_MAX_COST), the worst accepted anonymous ones (one hashing field, the rest public), and the
review's request, now refused. A figure for the README, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from graphql import parse

from bailleurs.app import create_app
from bailleurs.settings import ARGON2_MEMORY_KIB, ARGON2_TIME_COST, load
from bench.data import ADMIN_TOKEN, BENCH_ORG
from bench.generate import generate
from bench.page import quiet_logs
from bench.queries import PAGE_QUERY
from schema import build_schema
from schema.request_cost import Operation, request_cost

TENANT = ("id allocataireNumber lastName firstName occupiedSince colocation lastRentCents "
          "declarationState housing { id address postalCode commune departement type }")
TENANTS = "tenants(first: 100) { totalCount edges { cursor node { " + TENANT + " } } }"
PAYMENTS = ("payments(first: 100) { totalCount edges { cursor node { id month monthLabel paidOn "
            "amountCents amount tenant { " + TENANT + " } } } }")
REVIEW = "{ " + " ".join([f"t{i}: {TENANTS}" for i in range(15)]
                         + [f"p{i}: {PAYMENTS}" for i in range(15)]) + " }"
WRONG_LOGIN = 'login(identifier: "BENCH.INCONNU", password: "Mauvais-Secret-2026") { token }'
RESET = 'requestPasswordReset(email: "personne@example.test")'


def filled(schema, settings, fields: list[str], operations: int = 10) -> list[dict]:
    """A batch of `operations` whose aliases of `fields` (in turn) bring the request's cost as
    close to the budget as they fit (30 aliases per operation at most)."""
    batch: list[list[str]] = [[] for _ in range(operations)]

    def cost(candidate) -> int:
        ops = [Operation(parse("{ " + " ".join(o) + " }"), None, {}) for o in candidate if o]
        return request_cost(schema, ops, settings.max_page_size).points

    added = 0
    while True:
        op = batch[added % operations]
        if len(op) >= settings.max_aliases:
            break
        op.append(f"a{len(op)}: {fields[added % len(fields)]}")
        if cost(batch) > settings.max_cost:
            op.pop()
            break
        added += 1
    return [{"query": "{ " + " ".join(o) + " }"} for o in batch if o]


async def add_payments() -> int:
    from models import Payment, Tenant

    tenants = await Tenant.filter(housing__organisation_id=BENCH_ORG).values_list("id", flat=True)
    rows = [Payment(tenant_id=t, month=date(2026, m, 1), paid_on=date(2026, m, 5),
                    amount_cents=31_000) for t in tenants for m in (4, 5, 6)]
    await Payment.bulk_create(rows, batch_size=500)
    return len(rows)


async def measure(client: httpx.AsyncClient, body, token: str | None, rounds: int) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    samples, response = [], None
    for _ in range(rounds):
        started = time.process_time()
        response = await client.post("/graphql", json=body, headers=headers)
        samples.append(time.process_time() - started)
        client.cookies.clear()
    text = response.text
    codes = sorted({e.get("extensions", {}).get("code") for b in
                    (response.json() if isinstance(response.json(), list) else [response.json()])
                    for e in b.get("errors", [])})
    return {"cpu_ms": round(statistics.median(samples) * 1000, 1), "status": response.status_code,
            "bytes": len(text), "errors": codes}


async def run(rounds: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-cost-"))
    url = f"sqlite://{folder}/db.sqlite3"
    await generate("quick", "sqlite", url, results=folder)
    settings = replace(load(), database_url=url, argon2_time_cost=ARGON2_TIME_COST,
                       argon2_memory_kib=ARGON2_MEMORY_KIB, spool_dir=str(folder),
                       ip_attempts_per_minute=10**6, reset_requests_per_ip_hour=10**6,
                       reset_requests_per_hour=10**6, lockout_threshold=10**6)
    app = create_app(settings)
    quiet_logs()
    schema = build_schema(settings)._schema
    async with LifespanManager(app) as manager:
        payments = await add_payments()
        transport = httpx.ASGITransport(app=manager.app, client=("10.0.0.1", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            cases = {
                "tenant page (first 50)": ({"query": PAGE_QUERY, "variables": {"first": 50}},
                                           ADMIN_TOKEN),
                "worst authenticated: tenants": (filled(schema, settings, [TENANTS]),
                                                 ADMIN_TOKEN),
                "worst authenticated: payments": (filled(schema, settings, [PAYMENTS]),
                                                  ADMIN_TOKEN),
                "worst authenticated: mixed": (filled(schema, settings, [TENANTS, PAYMENTS]),
                                               ADMIN_TOKEN),
                "worst anonymous: wrong login + health": (
                    [{"query": "mutation { " + WRONG_LOGIN + " }"}]
                    + filled(schema, settings, ["health"], 9), None),
                "worst anonymous: reset + health": (
                    [{"query": "mutation { " + RESET + " }"}]
                    + filled(schema, settings, ["health"], 9), None),
                "review's request (refused)": ([{"query": REVIEW}] * 10, ADMIN_TOKEN),
                "300 resets (refused)": (
                    [{"query": "mutation { " + " ".join(f"r{i}: {RESET}" for i in range(30))
                      + " }"}] * 10, None),
            }
            report = {"payments": payments, "max_cost": settings.max_cost}
            for name, (body, token) in cases.items():
                await measure(client, body, token, 1)  # warm caches (parser, validation)
                report[name] = await measure(client, body, token, rounds)
    return report


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.rounds)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
