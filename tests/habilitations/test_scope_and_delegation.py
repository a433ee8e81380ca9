"""Who sees which tenant, and the delegation invariants of habilitation administration."""

from __future__ import annotations

import pytest

from models import Organisation
from policies.vocabulary import Role
from resolvers.shared.clock import today
from tests.accounts.operations import LOGIN
from tests.declarations.operations import TENANT
from tests.declarations.operations import TENANTS as TENANT_IDS
from tests.habilitations.operations import (
    CLOSE_USER,
    CREATE_USER,
    USERS,
)
from tests.habilitations.operations import HABILITATION_GROUPS as GROUPS
from tests.habilitations.operations import SET_HABILITATION_MANAGER as SET_MANAGER
from tests.habilitations.operations import SET_USER_GROUPS as SET_GROUPS
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
    tenants_of,
)


@pytest.fixture
async def orgs(api):
    """Two organisations, ALPHA and BETA, users in overlapping groups, a responsable and an
    auditor: a world of this module's own."""
    await import_organisations(
        api,
        organisation_data("ALPHA", [("CONVENTIONNE", "14", 2), ("PRIVE", "14", 1),
                                    ("CONVENTIONNE", "2A", 1), ("PRIVE", "971", 1)]),
        organisation_data("BETA", [("CONVENTIONNE", "14", 1), ("PRIVE", "75", 1)]),
    )
    alpha = await Organisation.get(name="ALPHA")
    beta = await Organisation.get(name="BETA")
    conv14, priv14 = await group(alpha, "conventionne", "14"), await group(alpha, "prive", "14")
    priv971 = await group(alpha, "prive", "971")
    users = {
        "admin": await make_user(api, alpha, "A.ADMIN", roles=(Role.ADMINISTRATEUR,)),
        "resp": await make_user(api, alpha, "A.RESP", roles=(Role.RESPONSABLE,), groups=(conv14,)),
        "u1": await make_user(api, alpha, "A.U1", groups=(conv14, priv971)),
        "u2": await make_user(api, alpha, "A.U2", groups=(priv14,)),
        "u3": await make_user(api, alpha, "A.U3"),
        "adminB": await make_user(api, beta, "B.ADMIN", roles=(Role.ADMINISTRATEUR,)),
    }
    tenants = {t.id: t for t in await tenants_of(alpha) + await tenants_of(beta)}

    def where(org, kind=None, dept=None):
        return {i for i, t in tenants.items() if t.housing.organisation_id == org.id
                and kind in (None, t.housing.housing_type.value)
                and dept in (None, t.housing.departement)}

    expected = {
        "admin": where(alpha),
        "resp": where(alpha, "conventionne", "14"),
        "u1": where(alpha, "conventionne", "14") | where(alpha, "prive", "971"),
        "u2": where(alpha, "prive", "14"),
        "u3": set(),
        "adminB": where(beta),
    }
    tokens = {name: await api.login(u.identifier, PASSWORD) for name, u in users.items()}
    # The responsable holds conventionnés 14 and may grant privés 14 too (its perimeter).
    perimeter = [str(conv14.id), str(priv14.id)]
    await api.ok(SET_MANAGER, {"on": True, "u": str(users["resp"].id), "g": perimeter},
                 tokens["admin"])
    return {"alpha": alpha, "beta": beta, "users": users, "tokens": tokens, "tenants": tenants,
            "expected": expected,
            "groups": {"conv14": conv14, "priv14": priv14, "priv971": priv971}}


async def test_each_user_lists_exactly_the_tenants_of_their_habilitations(api, orgs):
    for name, token in orgs["tokens"].items():
        data = await api.ok(TENANT_IDS, token=token)
        seen = {int(e["node"]["id"]) for e in data["tenants"]["edges"]}
        assert seen == orgs["expected"][name], name
        assert data["tenants"]["totalCount"] == len(orgs["expected"][name])


async def test_each_tenant_alone_is_found_only_within_scope(api, orgs):
    for name, token in orgs["tokens"].items():
        for tenant_id in orgs["tenants"]:
            body = await api.gql(TENANT, {"id": str(tenant_id)}, token)
            if tenant_id in orgs["expected"][name]:
                assert body["data"]["tenant"]["id"] == str(tenant_id)
            else:
                assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", (name, tenant_id)
    missing = await api.error(TENANT, {"id": "999999"}, orgs["tokens"]["admin"])
    hidden = await api.error(TENANT, {"id": str(next(iter(orgs["expected"]["adminB"])))},
                             orgs["tokens"]["admin"])
    assert missing["message"] == hidden["message"] and missing["extensions"] == hidden["extensions"]


async def test_rent_campaign_counts_only_visible_tenants(api, orgs):
    data = await api.ok("query { rentCampaign { total remaining } }", token=orgs["tokens"]["u1"])
    assert data["rentCampaign"]["total"] == len(orgs["expected"]["u1"])


async def test_administrator_creates_a_user_who_gets_credentials_by_mail(api, orgs, smtp):
    conv14 = orgs["groups"]["conv14"]
    data = await api.ok(CREATE_USER, {"input": {
        "lastName": "NOUVEAU", "firstName": "Léa", "email": "lea@example.test",
        "emailConfirmation": "lea@example.test",
        "phone": "0601020304", "phoneConfirmation": "0601020304",
        "workMode": "ITINERANT", "groupIds": [str(conv14.id)]}}, orgs["tokens"]["admin"])
    created = data["createUser"]
    assert created["status"] == "pending"
    assert created["groups"] == [{"id": str(conv14.id), "name": conv14.name}]
    [mail] = await smtp.mailbox.wait_for(1)
    lines = mail.get_content().splitlines()
    assert f"Identifiant : {created['identifier']}" in lines
    password = next(line for line in lines if line.startswith("Mot de passe provisoire : "))
    password = password.removeprefix("Mot de passe provisoire : ")
    login = await api.ok("""mutation($i: String!, $p: String!) {
        login(identifier: $i, password: $p) { token requiredActions } }""",
                         {"i": created["identifier"], "p": password})
    assert login["login"]["requiredActions"] == [
        "COMPLETE_PROFILE", "SET_PASSWORD", "ACCEPT_USAGE_RULES", "ACCEPT_TERMS"]
    restricted = login["login"]["token"]
    error = await api.error(TENANT_IDS, token=restricted)
    assert error["extensions"]["code"] == "REQUIRED_ACTIONS"
    done = await api.ok("""mutation($in: CompleteFirstLoginInput!) {
        completeFirstLogin(input: $in) { token requiredActions } }""",
                        {"in": {"lastName": "NOUVEAU", "firstName": "Léa",
        "email": "lea@example.test", "newPassword": "Un-Nouveau-Secret-9", "acceptUsageRules": True,
        "acceptTerms": True}}, restricted)
    seen = await api.ok(TENANT_IDS, token=done["completeFirstLogin"]["token"])
    assert {int(e["node"]["id"]) for e in seen["tenants"]["edges"]} == orgs["expected"]["resp"]


async def test_create_user_names_every_problem(api, orgs):
    error = await api.error(CREATE_USER, {"input": {
        "lastName": " ", "firstName": "X", "email": "pas-une-adresse", "emailConfirmation": "x",
        "phone": "01", "phoneConfirmation": "02", "openingDate": "2026-05-01",
        "closingDate": "2026-04-01"}}, orgs["tokens"]["admin"])
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {
        "lastName", "email", "phone", "phoneConfirmation", "closingDate"}


async def test_create_user_measures_what_it_would_store(api, orgs):
    # Names are stored stripped (spaces around a long name are fine), the phone as typed.
    phone = "0" * 30 + " "
    error = await api.error(CREATE_USER, {"input": {
        "lastName": " " + "N" * 100 + " ", "firstName": "X", "email": "n@example.test",
        "emailConfirmation": "n@example.test", "phone": phone, "phoneConfirmation": phone}},
        orgs["tokens"]["admin"])
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {"phone"}


async def test_nobody_grants_a_group_of_another_organisation(api, orgs):
    beta_group = await group(orgs["beta"], "conventionne", "14")
    u3 = str(orgs["users"]["u3"].id)
    error = await api.error(SET_GROUPS, {"u": u3, "g": [str(beta_group.id)]},
                            orgs["tokens"]["admin"])
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(SET_GROUPS, {"u": u3, "g": []}, orgs["tokens"]["adminB"])
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_granting_a_group_opens_its_tenants_at_once(api, orgs):
    priv14, u3 = orgs["groups"]["priv14"], str(orgs["users"]["u3"].id)
    await api.ok(SET_GROUPS, {"u": u3, "g": [str(priv14.id)]}, orgs["tokens"]["resp"])
    data = await api.ok(TENANT_IDS, token=orgs["tokens"]["u3"])
    assert {int(e["node"]["id"]) for e in data["tenants"]["edges"]} == orgs["expected"]["u2"]
    await api.ok(SET_GROUPS, {"u": u3, "g": []}, orgs["tokens"]["admin"])
    assert (await api.ok(TENANT_IDS, token=orgs["tokens"]["u3"]))["tenants"]["totalCount"] == 0


async def test_only_the_administrator_names_responsables(api, orgs):
    u2 = str(orgs["users"]["u2"].id)
    error = await api.error(SET_MANAGER, {"u": u2, "on": True}, orgs["tokens"]["resp"])
    assert error["extensions"]["code"] == "FORBIDDEN"
    data = await api.ok(SET_MANAGER, {"u": u2, "on": True}, orgs["tokens"]["admin"])
    assert data["setHabilitationManager"]["roles"] == ["responsable_habilitation"]
    users = await api.ok(USERS, token=await api.login("A.U2", PASSWORD))
    assert users["users"]["totalCount"] == 5


async def test_a_responsable_touches_neither_the_administrator_nor_another_responsable(api, orgs):
    resp = orgs["tokens"]["resp"]
    for target in ("admin", "resp"):
        user_id = str(orgs["users"][target].id)
        error = await api.error(SET_GROUPS, {"u": user_id, "g": []}, resp)
        assert error["extensions"]["code"] == "FORBIDDEN", target
        error = await api.error(CLOSE_USER, {"u": user_id, "d": "2026-01-01"}, resp)
        assert error["extensions"]["code"] == "FORBIDDEN", target


async def test_ordinary_users_cannot_administer(api, orgs):
    u2 = str(orgs["users"]["u2"].id)
    for operation, variables in ((USERS, {}), (SET_GROUPS, {"u": u2, "g": []}),
                                 (SET_MANAGER, {"u": u2, "on": True})):
        error = await api.error(operation, variables, orgs["tokens"]["u1"])
        assert error["extensions"]["code"] == "FORBIDDEN"


async def test_closing_a_user_ends_their_sessions(api, orgs):
    token = orgs["tokens"]["u1"]
    data = await api.ok(CLOSE_USER, {"u": str(orgs["users"]["u1"].id), "d": today().isoformat()},
                        orgs["tokens"]["admin"])
    assert data["closeUser"]["status"] == "closed"
    assert (await api.error(TENANT_IDS, token=token))["extensions"]["code"] == "UNAUTHENTICATED"
    error = await api.error(LOGIN, {"identifier": "A.U1", "password": PASSWORD})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_administrator_cannot_be_closed_by_anyone_of_the_organisation(api, orgs):
    error = await api.error(CLOSE_USER, {"u": str(orgs["users"]["admin"].id), "d": "2026-01-01"},
                            orgs["tokens"]["admin"])
    assert error["extensions"]["code"] == "CONFLICT"


async def test_groups_are_those_of_the_callers_organisation(api, orgs):
    data = await api.ok(GROUPS, token=orgs["tokens"]["u3"])
    assert [(g["housingType"], g["zones"]) for g in data["habilitationGroups"]] == [
        ("CONVENTIONNE", ["14"]), ("CONVENTIONNE", ["2A"]), ("PRIVE", ["14"]), ("PRIVE", ["971"])]


async def test_every_change_is_audited_with_before_and_after(api, orgs):
    from models import AuditEvent

    priv14 = orgs["groups"]["priv14"]
    await api.ok(SET_GROUPS, {"u": str(orgs["users"]["u3"].id), "g": [str(priv14.id)]},
                 orgs["tokens"]["resp"])
    event = await AuditEvent.filter(action="user_groups_set").order_by("-id").first()
    assert event.before["groups"] == [] and event.after["groups"] == [priv14.id]
    assert event.actor_id == orgs["users"]["resp"].id
    assert event.delegation[0]["role"] == "responsable_habilitation"
    # the chain of delegation: the responsable, named by the administrateur, who holds it
    # from the start (no granting event)
    admin, resp = orgs["users"]["admin"].id, orgs["users"]["resp"].id
    manager_set = await AuditEvent.get(action="habilitation_manager_set", target_id=str(resp))
    assert [{k: v for k, v in link.items() if k != "role"} for link in event.delegation] == [
        {"user": resp, "grantedBy": admin, "event": manager_set.id,
         "via": "habilitation_manager_set"},
        {"user": admin, "grantedBy": None, "event": None, "via": "initial"}]
