"""Run every measurement at one size and write the results table.

    uv run python -m bench.generate --size 1e5            # once per size (PostgreSQL by default)
    uv run python -m bench.run --size 1e5 [--quick] [--profile] [--readme]

Each run keeps its raw numbers in `bench/results/<date>-<size>-<db>.json` and rewrites
`bench/results/<date>.md` from all the runs of that date (one column per size). `--readme` copies
that table into the README's "Performance" section. `--quick` shortens everything (wrk 10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from datetime import date
from pathlib import Path

from bench import can, load, page, process
from bench.data import AGENT_TOKEN, SIZES
from bench.generate import RESULTS, database_url
from bench.queries import ME_QUERY
from bench.report import machine, render, update_readme
from bench.server import Server

STEPS = ("can", "page", "queries", "wrk", "worker", "outbox", "receipt")


def _plan(args: argparse.Namespace) -> dict:
    quick = args.quick
    return {
        "can_orgs": 20 if quick else 200,
        "can_calls": 2_000 if quick else 50_000,
        "page_rounds": 20 if quick else 300,
        "page_warmup": 5 if quick else 30,
        "wrk_seconds": args.wrk_seconds or (10 if quick else 30),
        "mails": 20 if quick else 500,
    }


def _wrk(url: str, db: str, seconds: int) -> dict:
    if not load.available():
        return {"skipped": "wrk is not installed (apt-get install -y wrk)"}
    # SQLite is one process; PostgreSQL gets the two workers the goal is stated for.
    workers = 2 if db == "postgres" else 1
    with Server(url, workers=workers) as server:
        return {
            "workers": workers,
            "me": load.run(f"{server.url}/graphql", {"query": ME_QUERY}, AGENT_TOKEN, seconds),
            "tenant page": load.run(f"{server.url}/graphql", page.PAGE_BODY, AGENT_TOKEN, seconds),
        }


def measure(url: str, db: str, steps: tuple[str, ...], plan: dict, profile_to: Path | None) -> dict:
    page.quiet_logs()
    results: dict = {"load_average_start": os.getloadavg()}
    if "can" in steps:
        results["can"] = asyncio.run(can.measure(url, plan["can_orgs"], plan["can_calls"]))
    if "page" in steps:
        with Server(url) as server:
            results["page"] = page.page_latency(server.url, plan["page_rounds"],
                                                plan["page_warmup"])
    if "queries" in steps:
        results["queries"] = page.count_queries(url)
    if profile_to is not None:
        page.profile(url, 100, profile_to)
        results["profile"] = profile_to.name
    if "wrk" in steps:
        results["wrk"] = _wrk(url, db, plan["wrk_seconds"])
    if "worker" in steps:
        results["worker"] = process.worker_footprint(url)
    if "outbox" in steps:
        results["outbox"] = process.outbox_rate(url, plan["mails"])
    if "receipt" in steps:
        results["receipt"] = process.receipt_render(20)
    results["load_average_end"] = os.getloadavg()
    return results


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--size", choices=list(SIZES), default="1e4")
    p.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    p.add_argument("--database-url", help="override the database (quick test)")
    p.add_argument("--quick", action="store_true", help="fewer iterations, wrk 10 s")
    p.add_argument("--wrk-seconds", type=int)
    p.add_argument("--only", nargs="*", choices=STEPS, help="run only these steps")
    p.add_argument("--profile", action="store_true", help="pyinstrument the GraphQL page")
    p.add_argument("--readme", action="store_true", help="copy the table into README.md")
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    url = args.database_url or database_url(args.size, args.db)
    day = date.today().isoformat()
    args.results.mkdir(parents=True, exist_ok=True)
    profile_to = args.results / f"profile-{day}-{args.size}-{args.db}.txt" if args.profile else None
    results = measure(url, args.db, tuple(args.only or STEPS), _plan(args), profile_to)
    load_report = args.results / f"load-{args.size}-{args.db}.json"
    results.update(size=args.size, db=args.db, quick=args.quick, machine=machine(),
                   load=json.loads(load_report.read_text()) if load_report.exists() else None)
    (args.results / f"{day}-{args.size}-{args.db}.json").write_text(
        json.dumps(results, indent=2, default=str) + "\n"
    )
    table = render(args.results, day)
    (args.results / f"{day}.md").write_text(table)
    if args.readme:
        update_readme(table)
    print(table)


if __name__ == "__main__":
    main()
