"""CPU per 50-row tenant page, in process, with a profile of where it goes.

    python -m bench.profile_page DATABASE_URL [--pairs 1|100] [--pages 300] [--top 40]
        [--sort tottime|cumtime] [--results bench/results]

Serves the product's ASGI app (the same `create_app` uvicorn serves) in this process, without a
socket or an HTTP client: each page is one ASGI call with the bench caller's token and the bench
page query (`bench.scale.body()`), so the CPU measured is the app's own (Starlette, Strawberry,
graphql-core, Tortoise, asyncpg) and the database's time is not counted (it runs in another
process). The caller is the big organisation's 100 % caller over 1 or 100 (type, zone) pairs, from
the load report `load-<size>-<db>.json` written when the database was generated.

Prints the CPU µs per page (process time, median of 3 runs of --pages pages after a warm-up), the
Python calls per page and a cProfile top list (CPU time) of one more run (cProfile's own overhead
inflates that run; the list is for proportions; the call count does not depend on the machine's
load, the µs do).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import time
from pathlib import Path

from bench import scale

RESULTS = Path(__file__).resolve().parent / "results"


def _caller(results: Path, url: str, pairs: int) -> dict:
    db = "sqlite" if url.startswith("sqlite") else "postgres"
    for report_path in sorted(results.glob(f"load-*-{db}.json")):
        report = json.loads(report_path.read_text())
        if report.get("database_url", "").rsplit("/", 1)[-1] != url.rsplit("/", 1)[-1]:
            continue
        found = [c for c in scale.callers(report) if c.get("pairs") == pairs]
        if found:
            return max(found, key=lambda c: c["rows"])
    raise SystemExit(f"no bench caller over {pairs} pair(s) for {url} in {results}/load-*.json")


class Page:
    """One ASGI POST /graphql of the page query, the response's body collected."""

    def __init__(self, app, token: str) -> None:
        self.app = app
        self.body = json.dumps(scale.body()).encode()
        self.scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
            "root_path": "", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
            "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                        (b"accept", b"application/json"),
                        (b"authorization", f"Bearer {token}".encode()),
                        (b"content-length", str(len(self.body)).encode())],
        }

    async def __call__(self) -> bytes:
        sent = False
        chunks: list[bytes] = []
        status = 0

        async def receive() -> dict:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(dict(self.scope, state={}), receive, send)
        out = b"".join(chunks)
        if status != 200 or b'"errors"' in out:
            raise RuntimeError(f"page failed ({status}): {out[:500]!r}")
        return out


async def _pages(page: Page, n: int) -> float:
    """CPU seconds of this process for n sequential pages."""
    started = time.process_time()
    for _ in range(n):
        await page()
    return time.process_time() - started


async def run(url: str, pairs: int, pages: int, top: int, sort: str, results: Path) -> dict:
    caller = _caller(results, url, pairs)
    # What bench.server gives the served app: the bench's sessions outlive any run.
    os.environ.update({"DATABASE_URL": url, "COOKIE_SECURE": "false",
                       "SESSION_IDLE_MINUTES": str(10 * 365 * 24 * 60)})
    os.environ.pop("SMTP_URL", None)
    os.environ.pop("BAILLEURS_DEMO", None)
    from bailleurs.app import create_app

    app = create_app()
    async with app.router.lifespan_context(app):
        page = Page(app, caller["token"])
        rows = json.loads(await page())["data"]["tenants"]["edges"]
        await _pages(page, max(20, pages // 5))  # warm: caches, prepared statements, the scope
        runs = [await _pages(page, pages) for _ in range(3)]
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits on the database
        profiler.enable()
        await _pages(page, pages)
        profiler.disable()
    cpu_us = statistics.median(runs) / pages * 1e6
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats(sort).print_stats(top)
    return {"caller": caller["label"], "rows_per_page": len(rows), "pages": pages,
            "cpu_us_per_page": round(cpu_us), "runs_us": [round(r / pages * 1e6) for r in runs],
            # Python calls per page: the profile's count, independent of the machine's load.
            "calls_per_page": round(stats.total_calls / pages),  # type: ignore[attr-defined]
            "profile": out.getvalue()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the bench database, e.g. postgres://…/bench_1e5")
    parser.add_argument("--pairs", type=int, default=1, choices=(1, 100))
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumtime"))
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    report = asyncio.run(run(args.url, args.pairs, args.pages, args.top, args.sort, args.results))
    print(report.pop("profile"))
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
