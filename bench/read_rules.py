"""What the type read rules cost on the tenant page: 200 requests of `tenants(first: 50)`.

    uv run python -m bench.read_rules [--requests 200]

In process (httpx over ASGI, no network), on a throw-away SQLite database: one organisation of
180 tenants, an agent in three habilitation groups. Prints the median, mean and p99 latency
and the median CPU time per request.
Run it on two checkouts to compare them; it is not a test (the machine's load moves the numbers).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
from dataclasses import replace

os.environ.setdefault("ARGON2_TIME_COST", "1")
os.environ.setdefault("ARGON2_MEMORY_KIB", "1024")

import httpx  # noqa: E402
from asgi_lifespan import LifespanManager  # noqa: E402

from bailleurs.app import create_app  # noqa: E402
from bailleurs.settings import Settings  # noqa: E402
from bench.queries import PAGE_QUERY  # noqa: E402


class _Api:
    """What tests.support.factories needs of the test client: the app's services."""

    def __init__(self, app) -> None:
        self.services = app.state.services


async def measure(requests: int, warmup: int = 20) -> dict[str, float]:
    from models import Organisation
    from tests.support.factories import (
        PASSWORD,
        group,
        import_organisations,
        make_user,
        organisation_data,
    )

    with tempfile.TemporaryDirectory() as folder:
        settings = replace(Settings(), database_url=f"sqlite://{folder}/db.sqlite3",
                           smtp_url=None, spool_dir=f"{folder}/spool", secret="bench")
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
            for name in ("bailleurs", "tortoise", "httpx"):
                logging.getLogger(name).setLevel(logging.WARNING)
            api = _Api(app)
            places = (("conventionne", "14"), ("prive", "2A"), ("conventionne", "971"))
            await import_organisations(api, organisation_data(
                "BENCH", [(kind.upper(), dept, 60) for kind, dept in places]))
            organisation = await Organisation.get(name="BENCH")
            groups = tuple([await group(organisation, k, d) for k, d in places])
            user = await make_user(api, organisation, "BENCH.AGENT", groups=groups)
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="https://t") as client:
                login = await client.post("/graphql", json={"query": (
                    "mutation($i: String!, $p: String!) { login(identifier: $i, password: $p) "
                    "{ token } }"), "variables": {"i": user.identifier, "p": PASSWORD}})
                token = login.json()["data"]["login"]["token"]
                headers = {"Authorization": f"Bearer {token}"}
                body = {"query": PAGE_QUERY, "variables": {"first": 50}}
                samples, cpu = [], []
                for i in range(warmup + requests):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    response = await client.post("/graphql", json=body, headers=headers)
                    elapsed = time.perf_counter() - started
                    used = time.process_time() - started_cpu
                    data = response.json()
                    assert "errors" not in data and len(data["data"]["tenants"]["edges"]) == 50
                    if i >= warmup:
                        samples.append(elapsed * 1000)
                        cpu.append(used * 1000)
    ordered = sorted(samples)
    # CPU time of this process (client, server and SQLite driver alike) moves less than the
    # wall clock when other programs share the machine.
    return {"median_ms": statistics.median(ordered), "mean_ms": statistics.fmean(ordered),
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            "cpu_median_ms": statistics.median(cpu), "total_s": sum(ordered) / 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    result = asyncio.run(measure(args.requests))
    print(" ".join(f"{k}={v:.2f}" for k, v in result.items()))


if __name__ == "__main__":
    main()
