"""The demo data matches the partner guide, seen through the API."""

from bailleurs.demo import DEMO_LOGINS, load_demo, load_demo_if_empty
from tests.declarations.operations import CAMPAIGN, TENANTS

GUIDE_TABLE = [
    ("BEAUVOIS", "VINCENT", "467060", "14000", "CAEN", "TRANSMIS"),
    ("BRISSON", "ISABELLE", "171842", "14000", "CAEN", "NON_SAISI"),
    ("COUTURE", "ANTHONY", "580592", "14000", "CAEN", "NON_SAISI"),
    ("DUPONT", "MARYLINE", "21083", "14540", "ROCQUANCOURT", "TRANSMIS"),
    ("MILOME", "SYNDY", "581887", "14000", "CAEN", "NON_SAISI"),
    ("MUROT", "ESTHER", "216691", "14120", "MONDEVILLE", "NON_SAISI"),
]


async def test_administrator_of_les_oliviers_sees_the_guide_table(api):
    # given
    await load_demo(api.services.settings)
    token = await api.login("OLIVIERS.ADMIN", DEMO_LOGINS["OLIVIERS.ADMIN"])
    # when
    data = await api.ok(TENANTS, token=token)
    campaign = await api.ok(CAMPAIGN, token=token)
    # then
    rows = [
        (n["lastName"], n["firstName"], n["allocataireNumber"], n["housing"]["postalCode"],
         n["housing"]["commune"], n["declarationState"])
        for n in (e["node"] for e in data["tenants"]["edges"])
    ]
    assert rows == GUIDE_TABLE
    assert campaign["rentCampaign"]["message"] == "il reste 4 loyers à saisir sur 6"


async def test_filter_by_state_and_search(api):
    await load_demo(api.services.settings)
    token = await api.login("OLIVIERS.ADMIN", DEMO_LOGINS["OLIVIERS.ADMIN"])
    data = await api.ok(TENANTS, {"filter": {"declarationState": "TRANSMIS"}}, token)
    assert [e["node"]["lastName"] for e in data["tenants"]["edges"]] == ["BEAUVOIS", "DUPONT"]
    data = await api.ok(TENANTS, {"filter": {"search": "mondev"}}, token)
    assert [e["node"]["lastName"] for e in data["tenants"]["edges"]] == ["MUROT"]


async def test_group_member_sees_only_conventionne_14(api):
    await load_demo(api.services.settings)
    token = await api.login("OLIVIERS.AGENT", DEMO_LOGINS["OLIVIERS.AGENT"])
    data = await api.ok(TENANTS, token=token)
    names = [e["node"]["lastName"] for e in data["tenants"]["edges"]]
    assert names == ["BEAUVOIS", "BRISSON", "COUTURE", "MILOME"]
    campaign = await api.ok(CAMPAIGN, token=token)
    assert campaign["rentCampaign"]["message"] == "il reste 3 loyers à saisir sur 4"


async def test_health(api):
    response = await api.client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_demo_is_loaded_once(api):
    assert await load_demo_if_empty(api.services.settings) is True
    assert await load_demo_if_empty(api.services.settings) is False
