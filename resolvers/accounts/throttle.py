"""Fixed-window counters in the database, so that every process shares them.

A window is identified by its start; a key's row is reused when a new window begins.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import Throttle
from resolvers.shared.clock import now


def throttle_key(kind: str, value: str) -> str:
    """Keys stay short whatever the caller typed (identifiers, e-mail addresses, IPs)."""
    return f"{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:40]}"


def _window_start(seconds: int) -> datetime:
    moment = now()
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=moment.tzinfo)


async def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True while the window's count stays within `limit`."""
    start = _window_start(window_seconds)
    for attempt in range(3):
        try:
            return await _count(key, start) <= limit
        except IntegrityError:  # another process created the row first: count on it
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def give_back(key: str) -> None:
    """Undo one counted attempt that turned out to be legitimate (one conditional UPDATE)."""
    await Throttle.filter(key=key, count__gt=0).update(count=F("count") - 1)


async def _count(key: str, start: datetime) -> int:
    # The row is locked (PostgreSQL) or the transaction serialised (SQLite) from read to
    # write, so each caller sees its own count even when many arrive at once.
    async with in_transaction():
        row = await Throttle.filter(key=key).select_for_update().first()
        if row is None:
            await Throttle.create(key=key, window_start=start, count=1)
            return 1
        row.count = row.count + 1 if row.window_start == start else 1
        row.window_start = start
        await row.save(update_fields=["count", "window_start"])
        return row.count


async def exceeded(key: str, limit: int, window_seconds: int) -> bool:
    """Whether the current window is already over `limit`, without counting an attempt."""
    row = await Throttle.get_or_none(key=key, window_start=_window_start(window_seconds))
    return row is not None and row.count > limit


async def purge(older_than: timedelta) -> int:
    return await Throttle.filter(window_start__lt=now() - older_than).delete()
