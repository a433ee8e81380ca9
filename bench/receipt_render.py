"""Receipt render time: median of 20 renders of a transmitted demo declaration.

Usage: uv run python bench/receipt_render.py   (a throw-away SQLite database under /tmp)
Prints the HTTP time of GET /receipts/<id>.pdf, the render's wall time and its CPU time (the
CPU time is the figure that does not depend on how busy the machine is).
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

os.environ.setdefault("ARGON2_TIME_COST", "1")
os.environ.setdefault("ARGON2_MEMORY_KIB", "1024")

from bailleurs import receipts  # noqa: E402
from bailleurs.app import create_app  # noqa: E402
from bailleurs.demo import DEMO_LOGINS, load_demo  # noqa: E402
from bailleurs.settings import Settings  # noqa: E402
from models import Tenant  # noqa: E402

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


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(Settings(), database_url=f"sqlite://{tmp}/bench.sqlite3", secret="b")
        app = create_app(settings)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://bench") as client:
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
                captured: list[str] = []
                render = receipts.render_pdf
                receipts.render_pdf = lambda html: captured.append(html) or render(html)
                http = []
                for _ in range(RUNS + 1):
                    started_at = time.perf_counter()
                    response = await client.get(
                        f"/receipts/{did}.pdf", headers={"Authorization": f"Bearer {token}"}
                    )
                    http.append(time.perf_counter() - started_at)
                    assert response.status_code == 200
                wall, cpu = [], []
                for _ in range(RUNS):
                    w, c = time.perf_counter(), time.thread_time()
                    render(captured[0])
                    wall.append(time.perf_counter() - w)
                    cpu.append(time.thread_time() - c)
    ms = lambda values: f"{statistics.median(values) * 1000:.1f} ms"  # noqa: E731
    print(f"GET /receipts/<id>.pdf median of {RUNS}: {ms(http[1:])}")
    print(f"render (xhtml2pdf) wall median of {RUNS}: {ms(wall)}, CPU median: {ms(cpu)}")
    print(f"PDF size: {len(response.content)} bytes; load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
