"""The results table (markdown) from the raw JSON of the runs of one date, and the README copy."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
README_HEADING = "## Performance"
SIZE_ORDER = ("quick", "1e4", "1e5", "1e6")


def machine() -> dict:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version()}


def _get(run: dict, *path: str):
    value = run
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _num(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def _pair(run: dict, *path: str, digits: int = 1) -> str:
    stats = _get(run, *path)
    if not stats:
        return "–"
    return f"{_num(stats['median'], digits)} / {_num(stats['p99'], digits)}"


def _ratio(run: dict, top: str, bottom: str) -> float | None:
    a, b = _get(run, "page", "stats", top, "median"), _get(run, "page", "stats", bottom, "median")
    return a / b if a and b else None


def _wrk(run: dict, what: str) -> str:
    r = _get(run, "wrk", what)
    if not r or "requests_per_s" not in r:
        return _get(run, "wrk", "skipped") or "–"
    return (f"{_num(r['requests_per_s'], 0)} req/s, p50 {_num(r['p50_ms'])} ms, "
            f"p99 {_num(r['p99_ms'])} ms, {r['errors']} errors; "
            f"{_num(r.get('requests_per_worker_cpu_s'), 0)} req per worker CPU-s")


def _queries(run: dict) -> str:
    counts = _get(run, "queries")
    if not counts:
        return "–"
    return ", ".join(f"{name}: {n}" for name, n in counts.items())


ROWS: list[tuple[str, Callable[[dict], str]]] = [
    ("tenants / organisations", lambda r: " / ".join(_num(_get(r, "load", "rows", t))
                                                      for t in ("tenant", "organisation"))),
    ("bulk load (s)", lambda r: _num(_get(r, "load", "load_s"), 2)),
    ("`can()` warm, new Guard per request: median / p99 (µs)",
     lambda r: _pair(r, "can", "warm, new Guard per request", digits=2)),
    ("`can()` warm, within a request (µs)", lambda r: _pair(r, "can", "warm, within a request",
                                                            digits=2)),
    ("`can()` first request of an organisation (µs)", lambda r: _pair(r, "can", "first request",
                                                                      digits=0)),
    ("same, CPU time of the process (µs)", lambda r: _pair(
        r, "can", "first request, CPU of this process", digits=0)),
    ("stock per-org `enforcer.enforce` (µs)", lambda r: _pair(r, "can",
                                                              "stock per-org enforcer.enforce")),
    ("tenant page, GraphQL, agent in 3 groups (ms)", lambda r: _pair(r, "page", "stats",
                                                                     "graphql", digits=2)),
    ("same, authorization bypassed (ms)", lambda r: _pair(r, "page", "stats",
                                                          "graphql, bypassed", digits=2)),
    ("same page, bare Starlette (ms)", lambda r: _pair(r, "page", "stats", "bare", digits=2)),
    ("bare, bypassed (ms)", lambda r: _pair(r, "page", "stats", "bare, bypassed", digits=2)),
    ("same page on each size's database, interleaved (ms)", lambda r: ", ".join(
        f"{size}: {_pair(r, 'across sizes', size, digits=2)}" for size in r.get("across sizes", {})
    ) or "–"),
    ("authorized ÷ bypassed, GraphQL", lambda r: _num(_ratio(r, "graphql", "graphql, bypassed"),
                                                      2)),
    ("authorized ÷ bypassed, bare (SQL only)", lambda r: _num(_ratio(r, "bare", "bare, bypassed"),
                                                              2)),
    ("GraphQL ÷ bare", lambda r: _num(_ratio(r, "graphql", "bare"), 2)),
    ("SQL queries per request", _queries),
    ("wrk `me`", lambda r: _wrk(r, "me")),
    ("wrk tenant page", lambda r: _wrk(r, "tenant page")),
    ("worker start-up: wall / CPU (s)", lambda r: " / ".join(
        _num(_get(r, "worker", k), 2) for k in ("startup_s", "startup_cpu_s"))),
    ("worker RSS idle / after a page (MiB)", lambda r: " / ".join(
        _num(_get(r, "worker", k)) for k in ("rss_idle_mib", "rss_after_requests_mib"))),
    ("outbox delivery to aiosmtpd (mails/s)", lambda r: _num(_get(r, "outbox", "per_s"), 0)),
    ("receipt PDF: render wall / CPU, GET /receipts (ms)", lambda r: _get(
        r, "receipt", "skipped") or " / ".join(_num(_get(r, "receipt", k), 1)
                                              for k in ("median_ms", "cpu_ms", "http_ms"))),
    ("load average at start / end", lambda r: " / ".join(
        _num(float((r.get(k) or [0])[0]), 2) for k in ("load_average_start", "load_average_end"))),
]


NOTES = """How it is measured:
- Data: organisation 1 is the same at every size (1,000 tenants over exactly three habilitation
  groups: conventionné 2A, conventionné 971, privé 14); the other organisations share the rest of
  the tenants with a skewed size distribution, 2–6 groups and 3–9 users each. Policy lines are
  the product's strings (`organisation_role_rules`, `group_rules`, `g` lines per membership).
- `can()`: in process, on the bench database; "new Guard per request" is what each HTTP request
  pays (a `Guard` answered from the process's `ScopeCache`), "first request" is a fresh
  organisation: its enforcer loaded with filtered loading, the user's scope compiled.
- Tenant page: `tenants(first: 50)` with housing and declarationState over real HTTP (uvicorn,
  one worker, httpx client, variants interleaved request by request). "Bypassed" is the same
  query by the organisation's administrateur, whose scope is (*, *): the same SQL minus the
  habilitation condition (only `organisation_id`, which any landlord portal has), the same rows
  and the same JSON (checked), since the agent's three groups cover organisation 1. A bypass hook
  in the product was rejected: a switch that turns authorization off does not belong in it.
  "Bare" is `bench/bare.py`: a Starlette route running the same session lookup, scope and
  resolver functions (same SQL) and returning the same JSON (checked equal).
- SQL queries per request: counted in process on every Tortoise client call.
- wrk: 2 uvicorn workers (1 on SQLite), 64 connections, 2 wrk threads on the same two cores;
  errors = non-200 responses, bodies with `"errors"`, and socket errors.
- The machine is shared with other engineers' test runs (see the load average row): absolute
  times vary several-fold between runs; ratios are measured side by side.

What the profile showed, and what was done about it (`profile-<date>-1e6-postgres.txt`):
- First request of an organisation (was 1.18–1.23 ms): a quarter of it was pypika building the
  filtered `casbin_rule` query; the adapter now runs one fixed SQL text (asyncpg reuses the
  prepared statement), and asyncpg's reset query after every pooled query (a second round trip)
  is skipped, since nothing leaves session state on a pooled connection. What is left is
  Casbin's enforcer set-up and role links (~0.3 ms) and one round trip to PostgreSQL.
- Validation ran on every request (the depth and alias limiters built fresh rule classes per
  request, so ValidationCache never hit), and `declarationState` was an async resolver per row
  loading whole declaration rows: GraphQL ÷ bare went from ~1.8–2.0 to ~1.35.
- The tenant page costs ~8 ms of worker CPU (wrk: ~125 pages per worker CPU second): Tortoise
  building and reading its 4 queries, then GraphQL's per-field completion of 50 rows × 10 fields.
  A next step would be compiled SQL for the page and fewer, wider resolvers.
- Receipt: the render is pure CPU (wall = CPU), ~30 ms, done in a thread off the event loop.
- Outbox: one SMTP connection per sending round (it was one per mail: ~190 → ~270–310 mails/s).
"""


def _runs(results: Path, day: str) -> list[dict]:
    runs = [json.loads(p.read_text()) for p in sorted(results.glob(f"{day}-*-*.json"))]
    return sorted(runs, key=lambda r: (r["db"] != "postgres", SIZE_ORDER.index(r["size"])))


def _goals(runs: list[dict]) -> list[str]:
    lines = []
    pg = {r["size"]: r for r in runs if r["db"] == "postgres" and not r.get("quick")}
    warm = [_get(r, "can", "warm, new Guard per request", "median") for r in pg.values()]
    warm = [w for w in warm if w is not None]
    if warm:
        ok = max(warm) <= 10 and max(warm) / min(warm) <= 1.5
        lines.append(f"- `can()` ≤ 10 µs, flat: medians {', '.join(_num(w, 2) for w in warm)} µs "
                     f"→ {'met' if ok else 'NOT met'}")
    first = [_get(r, "can", "first request", "median") for r in pg.values()]
    first = [f for f in first if f is not None]
    if first:
        ms = ", ".join(_num(f / 1000, 2) for f in first)
        lines.append(f"- first request ≤ 1 ms (median): {ms}"
                     f" ms → {'met' if max(first) <= 1000 else 'NOT met'}")
    small, big = (_get(pg.get("1e6", {}), "across sizes", s, "median") for s in ("1e4", "1e6"))
    if small and big:
        ok = "met" if big / small <= 1.5 else "NOT met"
        lines.append(f"- page cost at 10⁶ ÷ at 10⁴ ≤ 1.5 (interleaved, same run): {small:.1f} → "
                     f"{big:.1f} ms, {big / small:.2f} → {ok}")
    for label, top, bottom, goal in (
        ("authorized ÷ bypassed ≤ 1.10", "graphql", "graphql, bypassed", 1.10),
        ("GraphQL ÷ bare ≤ 2", "graphql", "bare", 2.0),
    ):
        values = [_ratio(r, top, bottom) for r in pg.values()]
        values = [v for v in values if v is not None]
        if values:
            lines.append(f"- {label}: {', '.join(f'{v:.2f}' for v in values)} → "
                         f"{'met' if max(values) <= goal else 'NOT met'}")
    starts = [(s, _get(r, "worker", "startup_cpu_s"), _get(r, "worker", "rss_idle_mib"))
              for s, r in pg.items() if _get(r, "worker", "startup_cpu_s") is not None]
    if starts:
        lines.append("- start-up and RSS independent of the number of organisations (CPU s, MiB): "
                     + ", ".join(f"{s}: {t:.2f} s, {m:.0f} MiB" for s, t, m in starts))
    errors = [_get(r, "wrk", w, "errors") for r in pg.values() for w in ("me", "tenant page")]
    errors = [e for e in errors if e is not None]
    if errors:
        lines.append(f"- wrk errors: {sum(errors)} → {'met' if not any(errors) else 'NOT met'}")
    return lines


def render(results: Path, day: str) -> str:
    runs = _runs(results, day)
    if not runs:
        return ""
    m = runs[-1]["machine"]
    heads = [f"{r['size']} {r['db']}{' (quick)' if r.get('quick') else ''}" for r in runs]
    out = [
        f"Benchmark of {day} on {m['nproc']} cores ({m['cpu']}), Python {m['python']}; "
        "the machine is shared, so compare the ratios (measured side by side in one run) "
        "rather than absolute times. `median / p99`.",
        "",
        "| measure | " + " | ".join(heads) + " |",
        "|---|" + "---|" * len(runs),
    ]
    out += [f"| {label} | " + " | ".join(fn(r) for r in runs) + " |" for label, fn in ROWS]
    goals = _goals(runs)
    if goals:
        out += ["", "Goals (PostgreSQL, full runs):", *goals]
    out += ["", NOTES.rstrip()]
    return "\n".join(out) + "\n"


def update_readme(table: str, readme: Path = README) -> None:
    text = readme.read_text()
    head = text.split(f"\n{README_HEADING}\n", 1)[0].rstrip("\n")
    section = (
        f"\n\n{README_HEADING}\n\n"
        "Measured by `bench/` (`uv run python -m bench.generate --size 1e5`, then "
        "`uv run python -m bench.run --size 1e5`; see `bench/run.py`). "
        "Latest table, from `bench/results/`:\n\n"
        f"{table}"
    )
    readme.write_text(head + section)
