"""The tenant page through HTTP: latency side by side, SQL queries per request, a profile.

Variants, interleaved request by request so they share the machine's state:
- `graphql`: `tenants(first: 50)` with housing and declarationState, as BENCH.AGENT (3 groups);
- `graphql, bypassed`: the same query as BENCH.ADMIN, the administrateur, whose scope is (*, *):
  its SQL is the agent's without the habilitation condition (only `organisation_id = 1`, which any
  landlord portal needs anyway). Organisation 1 has exactly the agent's three groups, so both get
  the same rows, the same page and the same JSON (checked);
- `bare` and `bare, bypassed`: the same two through `bench.bare`, no GraphQL.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.data import ADMIN_TOKEN, AGENT_TOKEN
from bench.queries import ME_QUERY, PAGE_QUERY

VARIANTS = {
    "graphql": ("/graphql", AGENT_TOKEN),
    "graphql, bypassed": ("/graphql", ADMIN_TOKEN),
    "bare": ("/bare/tenants", AGENT_TOKEN),
    "bare, bypassed": ("/bare/tenants", ADMIN_TOKEN),
}
PAGE_BODY = {"query": PAGE_QUERY, "variables": {"first": 50}}


def quiet_logs() -> None:
    """The product logs every request at INFO; the bench prints its own results."""
    for name in ("httpx", "tortoise", "bailleurs", "bailleurs.mail"):
        logging.getLogger(name).setLevel(logging.WARNING)


def stats_ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"median": statistics.median(ordered) * 1000, "p99": p99 * 1000}


def _post(client: httpx.Client, path: str, token: str, body: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.json()


def page_latency(base_url: str, rounds: int, warmup: int = 20) -> dict:
    """Median and p99 per variant, plus the checks that the variants return the same page."""
    samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
    bodies: dict[str, dict] = {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for i in range(warmup + rounds):
            for name, (path, token) in VARIANTS.items():
                elapsed, body = _post(client, path, token, PAGE_BODY)
                bodies[name] = body
                if i >= warmup:
                    samples[name].append(elapsed)
    assert "errors" not in bodies["graphql"], bodies["graphql"]
    edges = bodies["graphql"]["data"]["tenants"]["edges"]
    return {
        "stats": {name: stats_ms(s) for name, s in samples.items()},
        "rows": len(edges),
        "same_json_bare": bodies["graphql"] == bodies["bare"],
        "same_page_bypassed": bodies["graphql"] == bodies["graphql, bypassed"],
        "end_cursor": bodies["graphql"]["data"]["tenants"]["pageInfo"]["endCursor"],
    }


# --- SQL queries per request (in process, over ASGI) -------------------------------------------

_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many")


def _client_classes() -> list[type]:
    from tortoise.backends.base.client import BaseDBAsyncClient

    found, todo = [], [BaseDBAsyncClient]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@contextmanager
def counting_queries() -> Callable[[], int]:
    """Counts statements sent by every Tortoise client (outermost calls only)."""
    state = {"count": 0, "depth": 0}
    saved = []

    def wrap(method):
        async def counted(self, *args, **kwargs):
            if state["depth"] == 0:
                state["count"] += 1
            state["depth"] += 1
            try:
                return await method(self, *args, **kwargs)
            finally:
                state["depth"] -= 1

        return counted

    for cls in _client_classes():
        for name in _METHODS:
            if name in cls.__dict__:
                saved.append((cls, name, cls.__dict__[name]))
                setattr(cls, name, wrap(cls.__dict__[name]))
    try:
        yield lambda: state["count"]
    finally:
        for cls, name, method in saved:
            setattr(cls, name, method)


async def _in_process(database_url: str, work) -> object:
    from dataclasses import replace

    from asgi_lifespan import LifespanManager

    from bailleurs.settings import load
    from bench.bare import build_app

    app = build_app(replace(load(), database_url=database_url))
    quiet_logs()
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            return await work(client)


async def _count(client: httpx.AsyncClient) -> dict[str, int]:
    async def one(token: str, body: dict) -> int:
        await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
        with counting_queries() as count:
            r = await client.post("/graphql", json=body,
                                  headers={"Authorization": f"Bearer {token}"})
            assert "errors" not in r.json(), r.json()
            return count()

    first = await client.post("/graphql", json=PAGE_BODY,
                              headers={"Authorization": f"Bearer {AGENT_TOKEN}"})
    cursor = first.json()["data"]["tenants"]["pageInfo"]["endCursor"]
    later = {"query": PAGE_QUERY, "variables": {"first": 50, "after": cursor}}
    return {
        "page 1, agent": await one(AGENT_TOKEN, PAGE_BODY),
        "page 2, agent": await one(AGENT_TOKEN, later),
        "page 1, administrateur": await one(ADMIN_TOKEN, PAGE_BODY),
        "page of 10, agent": await one(AGENT_TOKEN, {"query": PAGE_QUERY,
                                                     "variables": {"first": 10}}),
        "me": await one(AGENT_TOKEN, {"query": ME_QUERY}),
    }


def count_queries(database_url: str) -> dict[str, int]:
    return asyncio.run(_in_process(database_url, _count))


def profile(database_url: str, requests: int, out: Path) -> Path:
    """pyinstrument over `requests` GraphQL page requests, in process: the call tree, then a flat
    list of self time per function, written to `out`."""
    from pyinstrument import Profiler

    async def work(client: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        for _ in range(10):
            await client.post("/graphql", json=PAGE_BODY, headers=headers)
        profiler = Profiler(interval=0.0005, async_mode="enabled")
        with profiler:
            for _ in range(requests):
                await client.post("/graphql", json=PAGE_BODY, headers=headers)
        tree = profiler.output_text(unicode=True)
        flat = profiler.output_text(unicode=True, flat=True, show_all=True)
        out.write_text(tree + "\n\nSelf time per function:\n" + flat)

    asyncio.run(_in_process(database_url, work))
    return out
