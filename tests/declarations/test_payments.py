"""« Consulter mes paiements »: read-only, scoped like the tenants, paged by cursor."""

from resolvers.shared.clock import today
from resolvers.shared.french import add_months
from tests.declarations.operations import PAYMENTS
from tests.support.declaration_ops import demo_login, tenant_id
from tests.support.pages import every_node


async def all_pages(api, token, filter_: dict | None = None, first: int = 7) -> list[dict]:
    return await every_node(api, PAYMENTS, "payments", token, first=first, filter_=filter_)


async def test_the_administrator_pages_through_every_payment(api):
    token = await demo_login(api)
    nodes = await all_pages(api, token)
    assert len(nodes) == 36 == len({n["id"] for n in nodes})  # six tenants, six months
    months = [n["month"] for n in nodes]
    assert months == sorted(months)
    brisson = next(n for n in nodes if n["tenant"]["lastName"] == "BRISSON")
    assert (brisson["amountCents"], brisson["amount"]) == (21000, "210,00 €")
    states = {n["tenant"]["lastName"]: n["tenant"]["declarationState"] for n in nodes}
    assert states["BEAUVOIS"] == states["DUPONT"] == "TRANSMIS" and states["BRISSON"] == "NON_SAISI"
    assert brisson["monthLabel"] == f"{brisson['month'][5:7]}/{brisson['month'][:4]}"


async def test_payments_are_filtered_by_tenant_and_months(api):
    token = await demo_login(api)
    start = add_months(today().replace(day=1), -3)
    filter_ = {
        "tenantId": await tenant_id("BRISSON"),
        "fromMonth": start.isoformat(),
        "toMonth": add_months(start, 1).replace(day=15).isoformat(),
    }
    nodes = await all_pages(api, token, filter_)
    assert [n["month"] for n in nodes] == [start.isoformat(), add_months(start, 1).isoformat()]
    assert {n["tenant"]["lastName"] for n in nodes} == {"BRISSON"}


async def test_a_group_member_sees_only_the_payments_of_its_tenants(api):
    token = await demo_login(api, "OLIVIERS.AGENT")
    nodes = await all_pages(api, token)
    assert {n["tenant"]["lastName"] for n in nodes} == {"BEAUVOIS", "BRISSON", "COUTURE", "MILOME"}
    assert len(nodes) == 24
    for tenant in (await tenant_id("DUPONT"), "999999"):
        error = await api.error(PAYMENTS, {"first": 10, "filter": {"tenantId": tenant}}, token)
        assert error["extensions"]["code"] == "NOT_FOUND"


async def test_page_size_is_bounded(api):
    token = await demo_login(api)
    error = await api.error(PAYMENTS, {"first": 1000}, token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
