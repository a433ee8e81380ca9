"""Fixed-window counters in the database, so that every process shares them.

A window is identified by its start; a key's row is reused when a new window begins. The
increment is a single UPDATE ... SET count = count + 1, so concurrent requests never lose a hit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models import Throttle
from resolvers.clock import now


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
    for _ in range(3):
        if await Throttle.filter(key=key, window_start=start).update(count=F("count") + 1):
            break
        if await Throttle.filter(key=key, window_start__lt=start).update(window_start=start, count=1):
            break
        try:
            async with in_transaction():  # a savepoint when called inside a transaction
                await Throttle.create(key=key, window_start=start, count=1)
            break
        except IntegrityError:
            continue  # another process created it first: increment that row
    row = await Throttle.get_or_none(key=key, window_start=start)
    return row is None or row.count <= limit


async def exceeded(key: str, limit: int, window_seconds: int) -> bool:
    """Whether the current window is already over `limit`, without counting an attempt."""
    row = await Throttle.get_or_none(key=key, window_start=_window_start(window_seconds))
    return row is not None and row.count > limit


async def purge(older_than: timedelta) -> int:
    return await Throttle.filter(window_start__lt=now() - older_than).delete()
