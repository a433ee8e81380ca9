"""Pages per second of one caller's 50-row page: ours, the bare asyncpg replay of our SQL,
PostGraphile with row-level security, pgbench of our SQL — at 16 and 64 connections, 1 and 2
workers (uvicorn workers, node processes, pgbench threads), in interleaved rounds.

Every server stays up for the whole run (idle ones cost nothing), and each round runs every
(connections, workers, system) cell once, so that the machine's load (shared, 2 cores) weighs on
every system alike; the table reports the median over rounds and the ratios of the medians.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path

import asyncpg

from bench import load, peer, statements
from bench.generate import _asyncpg_url
from bench.server import Server

SYSTEMS = ("ours", "bare asyncpg", "PostGraphile", "pgbench")


def _pgbench(url: str, script: Path, connections: int, threads: int, seconds: int) -> dict:
    out = subprocess.run(
        ["pgbench", "-n", "-M", "prepared", "-f", str(script), "-c", str(connections),
         "-j", str(threads), "-T", str(seconds), _asyncpg_url(url)],
        capture_output=True, text=True, timeout=seconds + 120,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    # No "tps" line when no transaction finished (connections slower than a very short run).
    tps = re.search(r"tps = ([\d.]+)", out.stdout)
    tps = float(tps[1]) if tps else 0.0
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    return {"requests_per_s": tps, "errors": int(failed[1]) if failed else 0}


def _settle(url: str) -> int:
    """Cancel the queries a load generator left behind and wait for an idle database.

    A client that gives up (wrk's timeout, the end of a cell) does not stop PostgreSQL: a slow
    system's abandoned queries would keep both cores busy into the next cells and charge their
    cost to the other systems. Returns how many were cancelled (reported beside the cell)."""
    async def run() -> int:
        conn = await asyncpg.connect(_asyncpg_url(url))
        try:
            active = ("FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid() AND state = 'active'")
            cancelled = await conn.fetchval(f"SELECT count(pg_cancel_backend(pid)) {active}")
            for _ in range(300):
                if not await conn.fetchval(f"SELECT count(*) {active}"):
                    break
                await asyncio.sleep(0.1)
            return cancelled
        finally:
            await conn.close()

    return asyncio.run(run())


def measure(url: str, token: str, ours_body: dict, year: int, seconds: int, rounds: int,
            connections: tuple[int, ...] = (16, 64), workers: tuple[int, ...] = (1, 2),
            pool_size: int = 10) -> dict:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        captured = statements.capture_sync(url, {"page": (token, ours_body)})["page"]
        saved = statements.save(captured, Path(tmp) / "statements.json")
        script = Path(tmp) / "page.sql"
        script.write_text(statements.pgbench_script(captured))
        env = {"BENCH_STATEMENTS": str(saved), "DB_POOL_SIZE": str(pool_size)}
        ours = {w: stack.enter_context(Server(url, workers=w, env=env)) for w in workers}
        peers = {w: stack.enter_context(peer.PeerServer(url, w, pool_size)) for w in workers}
        peer_body = peer.page_body(year)
        # Warm every worker (caches, prepared statements, the organisation's scope) first.
        for w in workers:
            load.run(f"{ours[w].url}/graphql", ours_body, token, seconds, connections[0])
            load.run(f"{ours[w].url}/bare/sql", {}, token, 1, connections[0])
            load.run(peers[w].url, peer_body, token, seconds, connections[0])
        _settle(url)
        runs: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        abandoned: dict[str, int] = {}
        loads = []
        for _ in range(rounds):
            loads.append(os.getloadavg()[0])
            for c in connections:
                for w in workers:
                    for system in SYSTEMS:
                        if system == "ours":
                            r = load.run(f"{ours[w].url}/graphql", ours_body, token, seconds, c)
                        elif system == "bare asyncpg":
                            r = load.run(f"{ours[w].url}/bare/sql", {}, token, seconds, c)
                        elif system == "PostGraphile":
                            r = load.run(peers[w].url, peer_body, token, seconds, c)
                        else:
                            r = _pgbench(url, script, c, w, seconds)
                        key = f"{system} | {c} | {w}"
                        runs.setdefault(key, []).append(r["requests_per_s"])
                        errors[key] = errors.get(key, 0) + r["errors"]
                        abandoned[key] = abandoned.get(key, 0) + _settle(url)
        return {
            "statements_per_page": len(captured),
            "statements": [statements.inline(sql, args) for sql, args in captured],
            "pgbench_script": script.read_text(),
            "seconds": seconds, "rounds": rounds, "load_average_per_round": loads,
            "cells": {k: {"median": statistics.median(v), "runs": v, "errors": errors[k],
                          "abandoned": abandoned[k]} for k, v in runs.items()},
        }
