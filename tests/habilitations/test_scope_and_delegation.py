"""Who sees which tenant, and the delegation invariants of habilitation administration."""

from __future__ import annotations

import pytest

from models import Organisation
from policies.vocabulary import Role
from tests.accounts.operations import COMPLETE_FIRST_LOGIN, LOGIN
from tests.declarations.operations import CAMPAIGN, TENANT, TENANTS
from tests.habilitations.operations import (
    CLOSE_USER,
    CREATE_USER,
    HABILITATION_GROUPS,
    SET_HABILITATION_MANAGER,
    SET_USER_GROUPS,
    USERS,
)
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
    tenants_of,
)


@pytest.fixture
async def alpha_beta(api):
    """Two organisations, ALPHA and BETA, users in overlapping groups and a responsable, with
    the tenants each user must see: a world of this module's own."""
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
    return {"alpha": alpha, "beta": beta, "users": users, "tokens": tokens, "tenants": tenants,
            "expected": expected,
            "groups": {"conv14": conv14, "priv14": priv14, "priv971": priv971}}


async def test_each_user_lists_exactly_the_tenants_of_their_habilitations(api, alpha_beta):
    for name, token in alpha_beta["tokens"].items():
        data = await api.ok(TENANTS, token=token)
        seen = {int(e["node"]["id"]) for e in data["tenants"]["edges"]}
        assert seen == alpha_beta["expected"][name], name
        assert data["tenants"]["totalCount"] == len(alpha_beta["expected"][name])


async def test_each_tenant_alone_is_found_only_within_scope(api, alpha_beta):
    for name, token in alpha_beta["tokens"].items():
        for tenant_id in alpha_beta["tenants"]:
            body = await api.gql(TENANT, {"id": str(tenant_id)}, token)
            if tenant_id in alpha_beta["expected"][name]:
                assert body["data"]["tenant"]["id"] == str(tenant_id)
            else:
                assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", (name, tenant_id)
    missing = await api.error(TENANT, {"id": "999999"}, alpha_beta["tokens"]["admin"])
    hidden = await api.error(TENANT, {"id": str(next(iter(alpha_beta["expected"]["adminB"])))},
                             alpha_beta["tokens"]["admin"])
    assert missing["message"] == hidden["message"] and missing["extensions"] == hidden["extensions"]


async def test_rent_campaign_counts_only_visible_tenants(api, alpha_beta):
    data = await api.ok(CAMPAIGN, token=alpha_beta["tokens"]["u1"])
    assert data["rentCampaign"]["total"] == len(alpha_beta["expected"]["u1"])


async def test_administrator_creates_a_user_who_gets_credentials_by_mail(api, alpha_beta, smtp):
    conv14 = alpha_beta["groups"]["conv14"]
    data = await api.ok(CREATE_USER, {"input": {
        "lastName": "NOUVEAU", "firstName": "Léa", "email": "lea@example.test",
        "emailConfirmation": "lea@example.test",
        "phone": "0601020304", "phoneConfirmation": "0601020304",
        "workMode": "ITINERANT", "groupIds": [str(conv14.id)]}}, alpha_beta["tokens"]["admin"])
    created = data["createUser"]
    assert created["status"] == "pending"
    assert created["groups"] == [{"id": str(conv14.id), "name": conv14.name}]
    [mail] = await smtp.mailbox.wait_for(1)
    lines = mail.get_content().splitlines()
    assert f"Identifiant : {created['identifier']}" in lines
    password = next(line for line in lines if line.startswith("Mot de passe provisoire : "))
    password = password.removeprefix("Mot de passe provisoire : ")
    login = await api.ok(LOGIN, {"identifier": created["identifier"], "password": password})
    assert login["login"]["requiredActions"] == [
        "COMPLETE_PROFILE", "SET_PASSWORD", "ACCEPT_USAGE_RULES", "ACCEPT_TERMS"]
    restricted = login["login"]["token"]
    error = await api.error(TENANTS, token=restricted)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    done = await api.ok(COMPLETE_FIRST_LOGIN,
                        {"input": {"lastName": "NOUVEAU", "firstName": "Léa",
        "email": "lea@example.test", "newPassword": "Un-Nouveau-Secret-9", "acceptUsageRules": True,
        "acceptTerms": True}}, restricted)
    seen = await api.ok(TENANTS, token=done["completeFirstLogin"]["token"])
    seen_ids = {int(e["node"]["id"]) for e in seen["tenants"]["edges"]}
    assert seen_ids == alpha_beta["expected"]["resp"]


async def test_create_user_names_every_problem(api, alpha_beta):
    error = await api.error(CREATE_USER, {"input": {
        "lastName": " ", "firstName": "X", "email": "pas-une-adresse", "emailConfirmation": "x",
        "phone": "01", "phoneConfirmation": "02", "openingDate": "2026-05-01",
        "closingDate": "2026-04-01"}}, alpha_beta["tokens"]["admin"])
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {
        "lastName", "email", "phoneConfirmation", "closingDate"}


async def test_create_user_measures_what_it_would_store(api, alpha_beta):
    # Names are stored stripped (spaces around a long name are fine), the phone as typed.
    phone = "0" * 30 + " "
    error = await api.error(CREATE_USER, {"input": {
        "lastName": " " + "N" * 100 + " ", "firstName": "X", "email": "n@example.test",
        "emailConfirmation": "n@example.test", "phone": phone, "phoneConfirmation": phone}},
        alpha_beta["tokens"]["admin"])
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {"phone"}


async def test_nobody_grants_a_group_of_another_organisation(api, alpha_beta):
    beta_group = await group(alpha_beta["beta"], "conventionne", "14")
    u3 = str(alpha_beta["users"]["u3"].id)
    error = await api.error(SET_USER_GROUPS, {"u": u3, "g": [str(beta_group.id)]},
                            alpha_beta["tokens"]["admin"])
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(SET_USER_GROUPS, {"u": u3, "g": []}, alpha_beta["tokens"]["adminB"])
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_granting_a_group_opens_its_tenants_at_once(api, alpha_beta):
    priv14, u3 = alpha_beta["groups"]["priv14"], str(alpha_beta["users"]["u3"].id)
    await api.ok(SET_USER_GROUPS, {"u": u3, "g": [str(priv14.id)]}, alpha_beta["tokens"]["resp"])
    data = await api.ok(TENANTS, token=alpha_beta["tokens"]["u3"])
    assert {int(e["node"]["id"]) for e in data["tenants"]["edges"]} == alpha_beta["expected"]["u2"]
    await api.ok(SET_USER_GROUPS, {"u": u3, "g": []}, alpha_beta["tokens"]["admin"])
    assert (await api.ok(TENANTS, token=alpha_beta["tokens"]["u3"]))["tenants"]["totalCount"] == 0


async def test_only_the_administrator_names_responsables(api, alpha_beta):
    u2 = str(alpha_beta["users"]["u2"].id)
    error = await api.error(SET_HABILITATION_MANAGER, {"u": u2, "on": True},
                            alpha_beta["tokens"]["resp"])
    assert error["extensions"]["code"] == "FORBIDDEN"
    data = await api.ok(SET_HABILITATION_MANAGER, {"u": u2, "on": True},
                        alpha_beta["tokens"]["admin"])
    assert data["setHabilitationManager"]["roles"] == ["responsable_habilitation"]
    users = await api.ok(USERS, token=await api.login("A.U2", PASSWORD))
    assert users["users"]["totalCount"] == 5


async def test_a_responsable_touches_neither_the_administrator_nor_another_responsable(
    api, alpha_beta
):
    resp = alpha_beta["tokens"]["resp"]
    for target in ("admin", "resp"):
        user_id = str(alpha_beta["users"][target].id)
        error = await api.error(SET_USER_GROUPS, {"u": user_id, "g": []}, resp)
        assert error["extensions"]["code"] == "FORBIDDEN", target
        error = await api.error(CLOSE_USER, {"u": user_id, "d": "2026-01-01"}, resp)
        assert error["extensions"]["code"] == "FORBIDDEN", target


async def test_ordinary_users_cannot_administer(api, alpha_beta):
    u2 = str(alpha_beta["users"]["u2"].id)
    for operation, variables in ((USERS, {}), (SET_USER_GROUPS, {"u": u2, "g": []}),
                                 (SET_HABILITATION_MANAGER, {"u": u2, "on": True})):
        error = await api.error(operation, variables, alpha_beta["tokens"]["u1"])
        assert error["extensions"]["code"] == "FORBIDDEN"


async def test_closing_a_user_ends_their_sessions(api, alpha_beta):
    token = alpha_beta["tokens"]["u1"]
    data = await api.ok(CLOSE_USER, {"u": str(alpha_beta["users"]["u1"].id), "d": "2020-01-01"},
                        alpha_beta["tokens"]["admin"])
    assert data["closeUser"]["status"] == "closed"
    assert (await api.error(TENANTS, token=token))["extensions"]["code"] == "UNAUTHENTICATED"
    error = await api.error(LOGIN, {"identifier": "A.U1", "password": PASSWORD})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_administrator_cannot_be_closed_by_anyone_of_the_organisation(api, alpha_beta):
    admin = str(alpha_beta["users"]["admin"].id)
    error = await api.error(CLOSE_USER, {"u": admin, "d": "2026-01-01"},
                            alpha_beta["tokens"]["admin"])
    assert error["extensions"]["code"] == "CONFLICT"


async def test_groups_are_those_of_the_callers_organisation(api, alpha_beta):
    data = await api.ok(HABILITATION_GROUPS, token=alpha_beta["tokens"]["u3"])
    assert [(g["housingType"], g["zones"]) for g in data["habilitationGroups"]] == [
        ("CONVENTIONNE", ["14"]), ("CONVENTIONNE", ["2A"]), ("PRIVE", ["14"]), ("PRIVE", ["971"])]


async def test_every_change_is_audited_with_before_and_after(api, alpha_beta):
    from models import AuditEvent

    priv14 = alpha_beta["groups"]["priv14"]
    await api.ok(SET_USER_GROUPS, {"u": str(alpha_beta["users"]["u3"].id), "g": [str(priv14.id)]},
                 alpha_beta["tokens"]["resp"])
    event = await AuditEvent.filter(action="user_groups_set").order_by("-id").first()
    assert event.before["groups"] == [] and event.after["groups"] == [priv14.id]
    assert event.actor_id == alpha_beta["users"]["resp"].id
    assert event.delegation[0]["role"] == "responsable_habilitation"
