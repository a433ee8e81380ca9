"""Issue 14's benchmark in one command: scope sizes and shapes, the peer, the physical reference.

    uv run python -m bench.suite --generate --pg 1e4 1e5 1e6 --sqlite 1e5

For each database (generated first with `--generate`, else as left by `bench.generate`):
- the page, a deep keyset page, a search and a state filter for every bench caller (scopes of
  10³ to 10⁶ tenants, over 1 and 100 (housing type, département) pairs), interleaved rounds
  (`bench.scale`);
- on PostgreSQL, the peer (PostGraphile 4.14, row-level security, `bench.peer`) answering page 1
  for every caller: the same rows in the same order, checked;
- the first request of an organisation (`bench.can`).
On the largest PostgreSQL database, `EXPLAIN (ANALYZE, BUFFERS)` of every statement of each
request for its largest scopes, saved in `bench/results/explain-<date>-<size>/`. On
`--throughput-size` (10⁵): pages per second for ours, bare asyncpg, PostGraphile and pgbench at
16 and 64 connections, 1 and 2 workers (`bench.throughput`).
Raw numbers go to `bench/results/suite-<date>.json`, the table to `bench/results/suite-<date>.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx

from bench import can, peer, scale, statements, throughput
from bench.data import SIZES
from bench.generate import PG_BASE, RESULTS, generate
from bench.page import quiet_logs
from bench.report import machine
from bench.run import _renew_sessions
from bench.server import Server
from bench.suite_report import render, update_readme


def database_url(name: str, size: str, db: str) -> str:
    if db == "sqlite":
        return f"sqlite://var/bench/{name}_{size}.sqlite3"
    return urlunparse(urlparse(PG_BASE)._replace(path=f"/{name}_{size}"))


def _year() -> int:
    from bailleurs.settings import load

    return load().campaign_year


def check_peer(url: str, callers: list[dict], year: int, max_rows: int = 0) -> list[dict]:
    """Page 1 of every caller from PostGraphile and from us: the same rows in the same order
    (callers over `max_rows` skipped when given: the peer takes tens of seconds a page there)."""
    checks = []
    with peer.PeerServer(url) as other, Server(url) as ours, httpx.Client(timeout=300) as client:
        for c in callers:
            if max_rows and c["rows"] > max_rows:
                continue
            headers = {"Authorization": f"Bearer {c['token']}"}
            theirs = peer.page_rows(client.post(other.url, json=peer.page_body(year),
                                                headers=headers).json())
            mine = peer.ours_rows(client.post(f"{ours.url}/graphql", json=scale.body(),
                                              headers=headers).json())
            checks.append({"caller": c["label"], "same_rows": theirs[1] == mine[1],
                           "rows": len(mine[1]), "total_ours": mine[0],
                           "total_peer": theirs[0]})
    return checks


def explain_largest(url: str, callers: list[dict], out: Path) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each request's statements for the largest scope of each
    shape; one file per (request, caller)."""
    out.mkdir(parents=True, exist_ok=True)
    chosen = {}
    for c in callers:
        if c["pairs"] in (1, 100) and c["rows"] >= chosen.get(c["pairs"], {"rows": -1})["rows"]:
            chosen[c["pairs"]] = c
    written = []
    with Server(url) as server, httpx.Client(timeout=300) as client:
        for c in chosen.values():
            deep, _ = scale.deep_body(client, f"{server.url}/graphql", c["token"])
            bodies = dict(zip(scale.KINDS, (scale.body(), deep,
                                            scale.body(filter={"search": scale.SEARCH}),
                                            scale.body(filter={"declarationState": "TRANSMIS"})),
                              strict=True))
            captured = statements.capture_sync(
                url, {kind: (c["token"], b) for kind, b in bodies.items()})
            for kind, stmts in captured.items():
                plans = asyncio.run(statements.explain(url, stmts))
                name = f"{kind.replace(' ', '-')}--{c['rows']}-rows-{c['pairs']}-pairs.txt"
                (out / name).write_text(f"# {kind}, caller {c['label']} ({c['rows']} tenants)\n"
                                        f"# {len(stmts)} statements sent, SELECTs explained\n\n"
                                        + "\n\n-----\n\n".join(plans) + "\n")
                written.append(name)
    return written


def one_database(name: str, size: str, db: str, args: argparse.Namespace, year: int) -> dict:
    url = database_url(name, size, db)
    started = time.perf_counter()
    report_path = args.results / f"load-{size}-{db}.json"
    if args.generate:
        load_report = asyncio.run(generate(size, db, url, args.results))
    else:
        load_report = json.loads(report_path.read_text())
    out: dict = {"size": size, "db": db, "load": load_report,
                 "load_average_start": os.getloadavg()}
    asyncio.run(_renew_sessions([url]))
    callers = scale.callers(load_report)
    if db == "postgres":
        peer.install()
        asyncio.run(peer.setup(url))
    if args.throughput_only:
        return out
    if db == "postgres":
        out["peer_check"] = check_peer(url, callers, year, args.peer_max_rows)
    with Server(url) as server:
        out["scale"] = scale.measure(server.url, load_report, args.rounds,
                                     budget_s=args.budget)
    out["can"] = asyncio.run(can.measure(url, 20 if args.quick else 200,
                                         2_000 if args.quick else 20_000))
    out["load_average_end"] = os.getloadavg()
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def _throughput(args: argparse.Namespace, d: dict, year: int) -> list[dict]:
    """The goal's caller (the whole of the largest organisation over 100 pairs), then the same
    organisation's one-pair caller: the peer's row-level security costs what the scope's shape
    does, so both shapes are reported."""
    callers = scale.callers(d["load"])
    chosen = [max((c for c in callers if c["pairs"] == pairs), key=lambda c: c["rows"],
                  default=callers[0]) for pairs in (100, 1)]
    out = []
    for caller in chosen:
        measured = throughput.measure(database_url(args.name, d["size"], "postgres"),
                                      caller["token"], scale.body(), year, args.seconds,
                                      args.throughput_rounds)
        out.append({"size": d["size"], "caller": caller["label"], "rows": caller["rows"],
                    **measured})
    return out


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=Path(__file__).parent)
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pg", nargs="*", default=["1e4", "1e5", "1e6"])
    p.add_argument("--sqlite", nargs="*", default=["1e5"])
    p.add_argument("--generate", action="store_true", help="(re)create the databases first")
    p.add_argument("--name", default="bench", help="database name prefix")
    p.add_argument("--throughput-size", default="1e5", help="'' to skip")
    p.add_argument("--seconds", type=int, default=5, help="per throughput cell")
    p.add_argument("--throughput-rounds", type=int, default=2)
    p.add_argument("--rounds", type=int, default=10, help="latency rounds per database")
    p.add_argument("--budget", type=float, default=120.0, help="latency seconds per database")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--throughput-only", action="store_true",
                   help="only the throughput table (on --throughput-size)")
    p.add_argument("--results", type=Path, default=RESULTS)
    p.add_argument("--readme", action="store_true", help="copy the table into README.md")
    p.add_argument("--peer-max-rows", type=int, default=0,
                   help="check the peer's page only for scopes up to this size")
    args = p.parse_args(argv)
    quiet_logs()
    year, day = _year(), date.today().isoformat()
    args.results.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    run: dict = {"date": day, "commit": _commit(), "machine": machine(), "databases": [],
                 "load_average_start": os.getloadavg()}
    def save() -> None:
        """Results so far (a run cut short keeps what it measured)."""
        run["load_average_end"] = os.getloadavg()
        run["seconds"] = round(time.perf_counter() - started, 1)
        (args.results / f"suite-{day}.json").write_text(
            json.dumps(run, indent=1, default=str) + "\n")
        table = render(run)
        (args.results / f"suite-{day}.md").write_text(table)
        if args.readme:
            update_readme(table)

    largest = max(args.pg, key=list(SIZES).index, default=None)
    for size in args.pg:
        print(f"… {size} postgres", flush=True)
        run["databases"].append(one_database(args.name, size, "postgres", args, year))
        save()
        if size == args.throughput_size:
            print(f"… throughput on {size}", flush=True)
            run["throughput"] = _throughput(args, run["databases"][-1], year)
            save()
        if size == largest and not args.throughput_only:
            url = database_url(args.name, size, "postgres")
            folder = args.results / f"explain-{day}-{size}"
            print(f"… EXPLAIN on {size}", flush=True)
            callers = scale.callers(run["databases"][-1]["load"])
            run["explain"] = {"folder": folder.name,
                              "files": explain_largest(url, callers, folder)}
            save()
    for size in args.sqlite:
        print(f"… {size} sqlite", flush=True)
        run["databases"].append(one_database(args.name, size, "sqlite", args, year))
        save()
    save()
    print(render(run))


if __name__ == "__main__":
    main()
