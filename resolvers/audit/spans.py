"""One span of the audit trail, checked in a process of its own during a full verification.

A span is the events with lo < id <= hi. Given its first event's predecessor, every link and
digest inside it is checked without anything outside it, so spans are checked in parallel, each
process on its own read connection. The process reports what the parent needs to join the spans
and check the checkpoints: the first event's `prev_digest`, the last digest, how many events,
and the position and digest of each checkpoint's event found in the span. It names no culprit:
at the first doubt it stops and flags the span, and the parent walks on sequentially from the
last checkpoint it could vouch for, which reports exactly what a sequential walk reports.

Imports neither the models nor the ORM: a process starts in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resolvers.audit.digests import DIGEST, ID, PREV, row_intact, select_rows

BATCH = 10_000


@dataclass(frozen=True)
class Source:
    """How a process opens its own read connection (never printed: it may hold a password)."""

    dialect: str
    file: str = ""
    postgres: dict[str, Any] = field(default_factory=dict, repr=False)


def source_of(client: Any) -> Source | None:
    """From the ORM's connection; None when another process cannot open the same database."""
    if client.capabilities.dialect == "postgres":
        keys = ("host", "port", "user", "password", "database")
        return Source("postgres", postgres={k: getattr(client, k) for k in keys})
    if client.capabilities.dialect == "sqlite" and ":memory:" not in client.filename:
        return Source("sqlite", file=str(Path(client.filename).resolve()))
    return None


@dataclass
class Span:
    rows: int = 0
    first_prev: str | None = None
    last_id: int | None = None
    last_digest: str | None = None
    broken: bool = False
    # A checkpoint's event id -> (its position in the span from 1, its digest); up to a break.
    found: dict[int, tuple[int, str]] = field(default_factory=dict)


def _feed(span: Span, rows: Any, marks: set[int]) -> bool:
    """Check a batch following what the span already holds; False at the first doubt."""
    previous, position = span.last_digest, span.rows
    for row in rows:
        if position == 0:
            span.first_prev = row[PREV]
        elif row[PREV] != previous:
            span.broken = True
            break
        if not row_intact(row):
            span.broken = True
            break
        position += 1
        previous = row[DIGEST]
        span.last_id = row[ID]
        if row[ID] in marks:
            span.found[row[ID]] = (position, previous)
    span.rows, span.last_digest = position, previous
    return not span.broken


async def _postgres(source: Source, lo: int, hi: int, marks: set[int]) -> Span:
    import asyncpg

    span, sql = Span(), select_rows("postgres", BATCH, upper_bound=True)
    conn = await asyncpg.connect(**source.postgres)
    try:
        after = lo
        while True:
            rows = await conn.fetch(sql, after, hi)
            if not _feed(span, rows, marks) or len(rows) < BATCH:
                return span
            after = rows[-1][ID]
    finally:
        await conn.close()


def _sqlite(source: Source, lo: int, hi: int, marks: set[int]) -> Span:
    span = Span()
    db = sqlite3.connect(f"{Path(source.file).as_uri()}?mode=ro", uri=True)
    try:
        cursor = db.execute(select_rows("sqlite", -1, upper_bound=True), (lo, hi))
        while rows := cursor.fetchmany(BATCH):
            if not _feed(span, rows, marks):
                break
        return span
    finally:
        db.close()


def check(source: Source, lo: int, hi: int, marks: list[int]) -> Span:
    """Entry point in the worker process."""
    if source.dialect == "postgres":
        return asyncio.run(_postgres(source, lo, hi, set(marks)))
    return _sqlite(source, lo, hi, set(marks))
