"""The markdown table of a `bench.suite` run, with the issue's goals checked."""

from __future__ import annotations

from bench.scale import KINDS

GOAL_FLAT = 1.5  # a page for the largest scope ≤ 1.5 × the same for 10³
GOALS_RATE = {"PostGraphile": 1.2, "bare asyncpg": 0.5, "pgbench": 0.5}


def _ms(v: float | None) -> str:
    return "–" if v is None else f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def _results(d: dict) -> dict[tuple[str, str], dict]:
    return {(r["caller"], r["kind"]): r for r in d["scale"]["results"]}


def _latency(d: dict) -> list[str]:
    res = _results(d)
    out = [f"#### {d['size']} {d['db']}: median / p99 (ms), {d['scale']['rounds']} rounds, "
           f"load average {d['load_average_start'][0]:.2f} → {d['load_average_end'][0]:.2f}",
           "",
           "| caller | scope (tenants) | pairs | " + " | ".join(KINDS) + " | deep page at |",
           "|---|---:|---:|" + "---|" * len(KINDS) + "---|"]
    for c in sorted(d["scale"]["callers"], key=lambda c: (c["rows"], c["pairs"])):
        cells = []
        for k in KINDS:
            r = res.get((c["label"], k))
            cells.append("–" if r is None else f"{_ms(r['median'])} / {_ms(r['p99'])}")
        deep = d["scale"]["deep"].get(c["label"], "–")
        out.append(f"| {c['label']} | {c['rows']:,} | {c['pairs']} | " + " | ".join(cells)
                   + f" | {deep} |")
    return out


def flatness(d: dict) -> list[dict]:
    """Per shape (1, 100 pairs): the largest scope's median ÷ the 10³ scope's, per request."""
    res, out = _results(d), []
    callers = d["scale"]["callers"]
    for pairs in (1, 100):
        shaped = [c for c in callers if c["pairs"] == pairs]
        if not shaped:
            continue
        ref = min(shaped, key=lambda c: abs(c["rows"] - 1_000))
        if ref["rows"] != 1_000:
            ref = callers[0]  # organisation 1's agent: 10³ over 3 pairs
        big = max(shaped, key=lambda c: c["rows"])
        for k in KINDS:
            a, b = res.get((big["label"], k)), res.get((ref["label"], k))
            if a and b:
                out.append({"pairs": pairs, "kind": k, "big": big["rows"], "ref": ref["rows"],
                            "ratio": a["median"] / b["median"]})
    return out


def _flat_lines(d: dict) -> list[str]:
    lines = []
    for f in flatness(d):
        ok = "met" if f["ratio"] <= GOAL_FLAT else "NOT met"
        lines.append(f"- {d['size']} {d['db']}, {f['pairs']} pair(s), {f['kind']}: "
                     f"{f['big']:,} ÷ {f['ref']:,} tenants = {f['ratio']:.2f} → {ok}")
    return lines


def _peer(d: dict) -> list[str]:
    checks = d.get("peer_check")
    if not checks:
        return []
    same = sum(c["same_rows"] for c in checks)
    bad = [c["caller"] for c in checks if not c["same_rows"]]
    totals = [c["caller"] for c in checks if c["total_ours"] != c["total_peer"]]
    return [f"- {d['size']}: PostGraphile and ours returned the same page 1 (rows, order, "
            f"housing, state) for {same} of {len(checks)} callers"
            + (f"; different: {', '.join(bad)}" if bad else "")
            + (f"; totalCount differs: {', '.join(totals)}" if totals else "; same totalCount")]


def _throughputs(run: dict) -> list[dict]:
    """One table per caller measured (a single dict in results written before 2026-11-30)."""
    t = run.get("throughput") or []
    return [t] if isinstance(t, dict) else t


def _throughput(t: dict) -> list[str]:
    cells = t["cells"]
    conns = sorted({int(k.split(" | ")[1]) for k in cells})
    workers = sorted({int(k.split(" | ")[2]) for k in cells})
    out = [f"Caller: {t['caller']} ({t['rows']:,} tenants); {t['statements_per_page']} SQL "
           f"statements per page; {t['rounds']} interleaved rounds of {t['seconds']} s per cell, "
           "median pages/s (load average per round: "
           + ", ".join(f"{v:.2f}" for v in t["load_average_per_round"]) + ").", "",
           "| connections | workers | ours | bare asyncpg | PostGraphile (RLS) | pgbench | "
           "ours ÷ PostGraphile (≥ 1.2) | ours ÷ bare (≥ 0.5) | ours ÷ pgbench (≥ 0.5) | errors "
           "| queries cancelled after the cell |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in conns:
        for w in workers:
            get = {s: cells.get(f"{s} | {c} | {w}") for s in
                   ("ours", "bare asyncpg", "PostGraphile", "pgbench")}
            ours = get["ours"]["median"]
            ratios = []
            for s in ("PostGraphile", "bare asyncpg", "pgbench"):
                if not get[s]["median"]:
                    # The other system finished no page within its timeout while ours did.
                    ratios.append("∞ ✓" if ours else "– ✗")
                    continue
                r = ours / get[s]["median"]
                ratios.append(f"{r:.2f} {'✓' if r >= GOALS_RATE[s] else '✗'}")
            errors = sum(v["errors"] for v in get.values())
            abandoned = sum(v.get("abandoned", 0) for v in get.values())
            out.append(f"| {c} | {w} | " + " | ".join(f"{get[s]['median']:,.0f}" for s in get)
                       + " | " + " | ".join(ratios) + f" | {errors} | {abandoned} |")
    return out


def _first_request(dbs: list[dict]) -> list[str]:
    out = ["| database | first request of an organisation: median / p99 (µs) | "
           "CPU of the process (µs) | warm `can()`, new Guard (µs) |", "|---|---|---|---|"]
    for d in dbs:
        c = d.get("can") or {}
        if "first request" not in c:
            continue
        f, cpu, warm = (c["first request"], c["first request, CPU of this process"],
                        c["warm, new Guard per request"])
        out.append(f"| {d['size']} {d['db']} | {f['median']:,.0f} / {f['p99']:,.0f} | "
                   f"{cpu['median']:,.0f} | {warm['median']:.2f} |")
    return out


def render(run: dict) -> str:
    m = run["machine"]
    out = [f"### Scope sizes, the peer and the physical reference — {run['date']}, "
           f"commit {run['commit']}",
           "",
           f"`python -m bench.suite` on {m['nproc']} cores ({m['cpu']}), Python {m['python']}, "
           f"PostgreSQL 15; the machine is shared (load average {run['load_average_start'][0]:.2f}"
           f" at start, {run['load_average_end'][0]:.2f} at the end; whole run "
           f"{run['seconds'] / 60:.1f} min). Compare ratios measured side by side, not absolute "
           "times.", ""]
    out += ["Databases (organisation 1 = 10³ tenants over 3 pairs; big organisations of N: "
            "N tenants in 1 pair + N over 100 pairs + N/100 over 100 more pairs):", ""]
    for d in run["databases"]:
        ld = d["load"]
        bigs = ", ".join(f"{b['size']:,} ({b['tenants']:,} tenants)"
                         for b in ld.get("big_organisations", []))
        out.append(f"- {d['size']} {d['db']}: {ld['rows']['tenant']:,} tenants in "
                   f"{ld['rows']['organisation']:,} organisations + big organisations {bigs}; "
                   f"generated {ld['generate_s']} s, migrated {ld['migrate_s']} s, "
                   f"loaded {ld['load_s']} s")
    measured = [d for d in run["databases"] if "scale" in d]  # not with --throughput-only
    if measured:
        out += ["", "#### Cost of a page against the caller's scope", ""]
        for d in measured:
            out += _latency(d) + [""]
        out += ["#### Goal: cost follows the page, not the scope (largest ÷ 10³, same shape, "
                f"≤ {GOAL_FLAT})", ""]
        for d in measured:
            out += _flat_lines(d)
    peers = [line for d in run["databases"] for line in _peer(d)]
    if peers:
        out += ["", "#### The peer returns the same rows", "", *peers]
    for t in _throughputs(run):
        out += ["", f"#### Throughput of the 50-row page ({t['size']} database)", "",
                *_throughput(t)]
    if any(d.get("can") for d in run["databases"]):
        out += ["", "#### First request of an organisation (`can()`, in process)", "",
                *_first_request(run["databases"])]
    if run.get("explain"):
        out += ["", f"EXPLAIN (ANALYZE, BUFFERS) of every statement, largest scopes: "
                f"`bench/results/{run['explain']['folder']}/`."]
    return "\n".join(out) + "\n"


README_HEADING = "## Benchmark at scale"
README_INTRO = """\
One command measures what issue 14 asks of the tenant list, on databases holding big
organisations (10⁴, 10⁵, 10⁶ tenants; callers with 1 % and 100 % of one, over 1 and over 100
(housing type, département) pairs), next to its peer and its physical reference:

```sh
uv run python -m bench.suite --generate --pg 1e4 1e5 1e6 --sqlite 1e5 --readme
```

`--generate` (re)creates the databases (`bench.generate`: COPY, then `INSERT … SELECT
generate_series` for the big organisations; `executemany` in one transaction on SQLite); without
it the suite measures the databases as they are. It installs the peer itself (`npm ci` of the
pinned PostGraphile 4.14.1 in `bench/peer/`, gitignored `node_modules`) and gives it
row-level-security policies with the product's scope. pgbench and wrk come from Debian
(`apt-get install postgresql-client wrk`). Raw numbers: `bench/results/suite-<date>.json`;
plans: `bench/results/explain-<date>-<size>/`. The latest table:
"""


def update_readme(table: str, readme=None) -> None:
    """Replace (or add, before "## Performance") the README's section with this run's table."""
    from bench.report import README

    readme = readme or README
    text = readme.read_text()
    section = f"{README_HEADING}\n\n{README_INTRO}\n{table}\n"
    if f"\n{README_HEADING}\n" in text:
        head, rest = text.split(f"\n{README_HEADING}\n", 1)
        tail = rest[rest.index("\n## ") + 1:] if "\n## " in rest else ""
        readme.write_text(f"{head}\n{section}{tail}")
    else:
        anchor = next(h for h in ("\n## Beyond one machine\n", "\n## Performance\n")
                      if h in text)
        head, tail = text.split(anchor, 1)
        readme.write_text(f"{head}\n{section}{anchor.lstrip(chr(10))}{tail}")
