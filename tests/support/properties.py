"""Hypothesis properties over the running service: hypothesis draws its examples in a worker
thread (its engine is synchronous) and each example runs on the test's own event loop, where the
HTTP client and the database connections live."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


async def holds_for_examples(check: Callable[[Any], Awaitable[None]],
                             strategy: st.SearchStrategy[Any], examples: int) -> None:
    """Run `check` on `examples` values drawn from `strategy` (shrinking a failure), and fail if
    hypothesis ran fewer (a filter or health check would otherwise pass it vacuously)."""
    loop = asyncio.get_running_loop()
    ran = []

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(drawn=strategy)
    def holds(drawn: Any) -> None:
        ran.append(1)
        asyncio.run_coroutine_threadsafe(check(drawn), loop).result()

    await loop.run_in_executor(None, holds)
    assert len(ran) >= examples
