"""Our own SQL, as the product sends it: captured, replayed bare, given to pgbench, explained.

`capture` runs GraphQL requests in process (the product's app over ASGI) and records every
statement asyncpg is asked to run for the last request of each list, with its arguments: the
steady state (the first request of a user warms the caches). The bench then
- replays them through a bare asyncpg route (`bench.bare`, `POST /bare/sql`): the same statements
  over the same pool, no GraphQL, no ORM — the physical cost of our SQL from Python;
- writes them as a pgbench script, values inlined (`pgbench -M prepared`): the cost without
  Python at all;
- runs `EXPLAIN (ANALYZE, BUFFERS)` on each of them (`explain`).
"""

from __future__ import annotations

import asyncio
import json
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

_METHODS = ("fetch", "fetchrow", "fetchval", "execute")


@contextmanager
def recording():
    """Every statement sent through asyncpg connections meanwhile: [(sql, args)]."""
    from asyncpg.connection import Connection

    seen: list[tuple[str, list[Any]]] = []
    saved = {name: Connection.__dict__[name] for name in _METHODS}

    def wrap(method):
        async def recorded(self, query, *args, **kwargs):
            seen.append((query, list(args)))
            return await method(self, query, *args, **kwargs)

        return recorded

    for name, method in saved.items():
        setattr(Connection, name, wrap(method))
    try:
        yield seen
    finally:
        for name, method in saved.items():
            setattr(Connection, name, method)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return {"$date": value.isoformat(), "datetime": isinstance(value, datetime)}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and "$date" in value:
        kind = datetime if value["datetime"] else date
        return kind.fromisoformat(value["$date"])
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def save(statements: list[tuple[str, list[Any]]], path: Path) -> Path:
    path.write_text(json.dumps([[sql, _jsonable(args)] for sql, args in statements], indent=1))
    return path


def load(path: Path) -> list[tuple[str, list[Any]]]:
    return [(sql, _from_json(args)) for sql, args in json.loads(Path(path).read_text())]


async def capture(database_url: str, requests: dict[str, tuple[str, dict]]
                  ) -> dict[str, list[tuple[str, list[Any]]]]:
    """{name: statements of the second of two identical requests} for {name: (token, body)}."""
    from bench.page import _in_process

    async def work(client):
        out = {}
        for name, (token, body) in requests.items():
            headers = {"Authorization": f"Bearer {token}"}
            first = await client.post("/graphql", json=body, headers=headers)
            assert "errors" not in first.json(), first.json()
            with recording() as seen:
                await client.post("/graphql", json=body, headers=headers)
            out[name] = list(seen)
        return out

    return await _in_process(database_url, work)


def capture_sync(database_url: str, requests: dict[str, tuple[str, dict]]) -> dict:
    return asyncio.run(capture(database_url, requests))


# --- pgbench ------------------------------------------------------------------------------------

def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return f"'{value.isoformat()}'"
    if isinstance(value, list | tuple):
        inner = ",".join('"' + str(v).replace('\\', '\\\\').replace('"', '\\"') + '"'
                         for v in value)
        return "'{" + inner.replace("'", "''") + "}'"
    return "'" + str(value).replace("'", "''") + "'"


def inline(sql: str, args: list[Any]) -> str:
    """The statement with its $n parameters replaced by literals (highest numbers first)."""
    for n in range(len(args), 0, -1):
        sql = sql.replace(f"${n}", literal(args[n - 1]))
    return sql


def pgbench_script(statements: list[tuple[str, list[Any]]]) -> str:
    """One pgbench transaction = one page: every statement on one line, `;`-terminated."""
    return "".join(" ".join(inline(sql, args).split()).rstrip(";") + ";\n"
                   for sql, args in statements)


# --- EXPLAIN ------------------------------------------------------------------------------------

async def explain(database_url: str, statements: list[tuple[str, list[Any]]]) -> list[str]:
    import asyncpg

    from bench.generate import _asyncpg_url

    # As the service's connections (bailleurs/db.py): a plan's JIT would be compiled here only.
    conn = await asyncpg.connect(_asyncpg_url(database_url), server_settings={"jit": "off"})
    try:
        plans = []
        for sql, args in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
            plans.append(inline(sql, args) + "\n\n" + "\n".join(r[0] for r in rows))
        return plans
    finally:
        await conn.close()
