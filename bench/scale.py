"""Cost of a page against the size and shape of the caller's scope, on one bench database.

Callers: organisation 1's agent (10³ tenants over 3 pairs) and the four users of each big
organisation (`bench.big`: 1 % and 100 % of it, over 1 pair and over 100 pairs). Requests:
- `page 1`: `tenants(first: 50)`;
- `deep page`: the page after a keyset cursor deep in the list: page 1's cursor with its last
  name moved 90 % down the data set's alphabet of names (≈ 90 % down the list, checked to return
  a full page), falling back to following cursors (small scopes, unknown cursor shapes);
- `search`: `filter: {search: "MART"}` (≥ 3 characters);
- `state filter`: `filter: {declarationState: TRANSMIS}`.
One uvicorn worker, one client, every (caller, request) pair once per round, rounds repeated
until the count or the time budget is reached: the machine's state weighs on all alike.
"""

from __future__ import annotations

import time

import httpx

from bench.data import AGENT_TOKEN, LAST_NAMES
from bench.page import _post, stats_ms
from schema.common import decode_cursor, encode_cursor

KINDS = ("page 1", "deep page", "search", "state filter")
SEARCH = "MART"
SCALE_QUERY = """query Page($first: Int!, $after: String, $filter: TenantFilter) {
  tenants(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id allocataireNumber lastName firstName
      housing { postalCode commune departement type } declarationState } }
  }
}"""
# A last name 90 % of the way through the alphabet of the data set's names.
_LAST = sorted(LAST_NAMES)[int(len(LAST_NAMES) * 0.9)]


def power(n: int) -> str:
    """10⁴ for 10,000; other numbers as they are."""
    digits = len(str(n)) - 1
    if n == 10 ** digits:
        return "10" + "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(d)] for d in str(digits))
    return f"{n:,}"


def callers(load_report: dict) -> list[dict]:
    """Every bench caller of the database, labelled by its scope (rows, pairs)."""
    rows = (load_report or {}).get("rows", {})
    out = [{"label": "org 1 agent", "rows": min(1_000, rows.get("tenant", 2_000) // 2),
            "pairs": 3, "token": AGENT_TOKEN}]
    for org in (load_report or {}).get("big_organisations", []):
        for s in org["scopes"]:
            out.append({"label": f"org of {power(org['size'])} · {s['share']} % · {s['pairs']} pair"
                                 f"{'s' if s['pairs'] > 1 else ''}",
                        "rows": s["rows"], "pairs": s["pairs"], "token": s["token"]})
    return out


def body(after: str | None = None, filter: dict | None = None) -> dict:  # noqa: A002
    variables: dict = {"first": 50}
    if after:
        variables["after"] = after
    if filter:
        variables["filter"] = filter
    return {"query": SCALE_QUERY, "variables": variables}


def _deep_key(values: list) -> list | None:
    """Page 1's last key with the last name moved ≈ 90 % down the list."""
    out, found = [], False
    for v in values:
        if not found and isinstance(v, str) and v.upper() in LAST_NAMES:
            out.append(_LAST if v.isupper() else _LAST.lower())
            found = True
        elif found:
            out.append("" if isinstance(v, str) else 1 if isinstance(v, int) else v)
        else:
            out.append(v)
    return out if found else None


def _edges(response: dict) -> list:
    assert "errors" not in response, response
    return response["data"]["tenants"]["edges"]


def deep_body(client: httpx.Client, url: str, token: str) -> tuple[dict, str]:
    _, first = _post(client, url, token, body())
    info = first["data"]["tenants"]["pageInfo"]
    end = info["endCursor"]
    if not info["hasNextPage"]:
        return body(), "page 1 (one page)"
    key = _deep_key(decode_cursor(end))
    if key is not None:
        deep = body(after=encode_cursor(key))
        _, r = _post(client, url, token, deep)
        if "errors" not in r and len(_edges(r)) == 50:
            return deep, f"cursor at last name {key[[isinstance(v, str) for v in key].index(True)]}"
    pages, cursor = 1, end  # unknown cursor shape: follow the cursors a while
    while pages < 20:
        _, r = _post(client, url, token, body(after=cursor))
        info = r["data"]["tenants"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        cursor, pages = info["endCursor"], pages + 1
    return body(after=cursor), f"followed {pages} page{'s' if pages > 1 else ''}"


def measure(base_url: str, load_report: dict, rounds: int, warmup: int = 2,
            budget_s: float = 240.0) -> dict:
    url = f"{base_url}/graphql"
    people = callers(load_report)
    with httpx.Client(timeout=120) as client:
        requests: dict[tuple[str, str], tuple[str, dict]] = {}
        notes: dict[str, str] = {}
        for p in people:
            deep, how = deep_body(client, url, p["token"])
            notes[p["label"]] = how
            for kind, b in zip(KINDS, (body(), deep, body(filter={"search": SEARCH}),
                                       body(filter={"declarationState": "TRANSMIS"})),
                               strict=True):
                requests[(p["label"], kind)] = (p["token"], b)
        samples: dict[tuple[str, str], list[float]] = {k: [] for k in requests}
        rows: dict[tuple[str, str], int] = {}
        started, done = time.perf_counter(), 0
        for i in range(warmup + rounds):
            for key, (token, b) in requests.items():
                elapsed, r = _post(client, url, token, b)
                rows[key] = len(_edges(r))
                if i >= warmup:
                    samples[key].append(elapsed)
            done = i + 1 - warmup
            if done >= 3 and time.perf_counter() - started > budget_s:
                break
    return {
        "callers": people,
        "deep": notes,
        "rounds": done,
        "results": [{"caller": c, "kind": k, "rows_returned": rows[(c, k)],
                     **stats_ms(s)} for (c, k), s in samples.items()],
    }
