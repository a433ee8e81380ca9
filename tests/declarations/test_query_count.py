"""A page of tenants with housing and declaration state costs a constant number of SQL queries."""

from __future__ import annotations

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
from tests.support.statements import statements


async def _count(api, token: str, first: int) -> tuple[int, int]:
    count, data = await statements(api, TENANTS, {"first": first}, token)
    return count, len(data["tenants"]["edges"])


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
        # the session, then the page with its total and states: the same whatever its size
        assert small == large == 2, (small, large)
