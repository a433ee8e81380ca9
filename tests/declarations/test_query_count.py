"""A page of tenants with housing and declaration state costs a constant number of SQL queries."""

from __future__ import annotations

import asyncio
import logging

from models import Organisation
from policies.vocabulary import Role
from tests.declarations.operations import TENANTS
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
)


class SqlCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Only the request's own queries, not the background mail sender's polling.
        task = asyncio.current_task()
        if task is None or task.get_name() != "mail-sender":
            self.statements.append(record.getMessage())


async def _count(api, token: str, first: int) -> tuple[int, int]:
    logger = logging.getLogger("tortoise.db_client")
    counter, level = SqlCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        data = await api.ok(TENANTS, {"first": first}, token)
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    return len(counter.statements), len(data["tenants"]["edges"])


async def test_page_cost_does_not_grow_with_the_page(api):
    await import_organisations(api, organisation_data(
        "GRANDE", [("CONVENTIONNE", "14", 60), ("PRIVE", "2A", 60), ("CONVENTIONNE", "971", 60)]))
    organisation = await Organisation.get(name="GRANDE")
    groups = [await group(organisation, k, d) for k, d in
              (("conventionne", "14"), ("prive", "2A"), ("conventionne", "971"))]
    user = await make_user(api, organisation, "IN.THREE.GROUPS", groups=tuple(groups))
    admin = await make_user(api, organisation, "GRANDE.ADMIN", roles=(Role.ADMINISTRATEUR,))
    for identifier in (user.identifier, admin.identifier):
        token = await api.login(identifier, PASSWORD)
        await _count(api, token, 5)  # warm the per-process policy cache
        small, rows_small = await _count(api, token, 5)
        large, rows_large = await _count(api, token, 50)
        assert (rows_small, rows_large) == (5, 50)
        # session, tenants page, count, declaration states: the same whatever the page size
        assert small == large == 4, (small, large)
