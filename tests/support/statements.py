"""How many SQL statements one request ran (the statements Tortoise logs at DEBUG)."""

from __future__ import annotations

import asyncio
import logging


class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        # Only the request's own queries, not the background mail sender's polling.
        task = asyncio.current_task()
        if task is None or task.get_name() != "mail-sender":
            self.count += 1


async def statements(api, query: str, variables: dict | None, token: str) -> tuple[int, dict]:
    """The number of SQL statements the request ran, and its data."""
    logger = logging.getLogger("tortoise.db_client")
    counter, level = _Statements(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        data = await api.ok(query, variables, token)
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    return counter.count, data
