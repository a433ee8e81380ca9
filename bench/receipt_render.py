"""Receipt render time: median of 20 renders of a transmitted demo declaration.

Usage: uv run python -m bench.receipt_render   (a throw-away SQLite database under /tmp);
bench.run reports the same numbers in its table.
Prints the HTTP time of GET /receipts/<id>.pdf (served as stored since the transmission), the
render's wall time and its CPU time (the CPU time is the figure that does not depend on how busy
the machine is); the render happens once, when the declaration is transmitted.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import replace

import httpx
from asgi_lifespan import LifespanManager

from bailleurs.app import create_app
from bailleurs.demo import DEMO_LOGINS, load_demo
from bailleurs.settings import Settings
from models import Tenant
from resolvers.declarations import receipts

RUNS = 20
STEPS = (
    {
        "stillManager": True,
        "tenantStillPresent": True,
        "colocation": False,
        "rentCents": 32875,
        "chargesCents": 4500,
    },
)


async def gql(client, query, variables, token):
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def measure(runs: int = RUNS) -> dict:
    """GET /receipts/<id>.pdf and the bare render of the same HTML, `runs` times each."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(Settings(), database_url=f"sqlite://{tmp}/bench.sqlite3", secret="b",
                           argon2_time_cost=1, argon2_memory_kib=1024)
        app = create_app(settings)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://bench") as client:
                captured: list[str] = []
                render = receipts._render
                # The product renders once, at transmission; keep its HTML to time the render.
                receipts._render = lambda html: captured.append(html) or render(html)
                try:
                    did, token = await _transmitted(client, settings)
                    http = []
                    for _ in range(runs + 1):
                        started_at = time.perf_counter()
                        response = await client.get(
                            f"/receipts/{did}.pdf", headers={"Authorization": f"Bearer {token}"}
                        )
                        http.append(time.perf_counter() - started_at)
                        assert response.status_code == 200
                finally:
                    receipts._render = render
                wall, cpu = [], []
                for _ in range(runs):
                    w, c = time.perf_counter(), time.thread_time()
                    render(captured[0])
                    wall.append(time.perf_counter() - w)
                    cpu.append(time.thread_time() - c)
    ms = lambda values: round(statistics.median(values) * 1000, 1)  # noqa: E731
    return {"renders": runs, "median_ms": ms(wall), "cpu_ms": ms(cpu), "http_ms": ms(http[1:]),
            "pdf_bytes": len(response.content)}


async def _transmitted(client: httpx.AsyncClient, settings: Settings) -> tuple[str, str]:
    """(id, token): BRISSON's demo declaration, filled in and validated by the administrator."""
    await load_demo(settings)
    login = await client.post(
        "/graphql",
        json={
            "query": "mutation($i: String!, $p: String!) { login(identifier: $i, "
            "password: $p) { token } }",
            "variables": {"i": "OLIVIERS.ADMIN", "p": DEMO_LOGINS["OLIVIERS.ADMIN"]},
        },
    )
    token = login.json()["data"]["login"]["token"]
    tenant = await Tenant.get(last_name="BRISSON")
    started = await gql(
        client,
        "mutation($t: ID!) { startRentDeclaration(tenantId: $t) { id } }",
        {"t": str(tenant.id)},
        token,
    )
    did = started["startRentDeclaration"]["id"]
    for step in STEPS:
        await gql(
            client,
            "mutation($id: ID!, $i: RentDeclarationInput!) { "
            "saveRentDeclaration(id: $id, input: $i) { id } }",
            {"id": did, "i": step},
            token,
        )
    await gql(
        client,
        "mutation($id: ID!) { validateRentDeclaration(id: $id) { id } }",
        {"id": did},
        token,
    )
    return did, token


def main() -> None:
    result = asyncio.run(measure())
    print(f"GET /receipts/<id>.pdf median of {RUNS}: {result['http_ms']} ms")
    print(f"render (xhtml2pdf) wall median of {RUNS}: {result['median_ms']} ms, "
          f"CPU median: {result['cpu_ms']} ms")
    print(f"PDF size: {result['pdf_bytes']} bytes; load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
