"""A user created by an administrator: the mail, the first login, the first tenant list."""

from datetime import timedelta

from tests.accounts.operations import COMPLETE_FIRST_LOGIN, LOGIN, ME
from tests.declarations.operations import TENANTS
from tests.habilitations.operations import CLOSE_USER, CREATE_USER, HABILITATION_GROUPS
from tests.support.accounts_support import activated_organisation, body_of, credentials_in, profile
from tests.support.factories import today

LEA = "lea.durand@tilleuls.example"


def _new_user(group_id: str, **overrides) -> dict:
    return {
        "input": {
            "lastName": "DURAND",
            "firstName": "Léa",
            "email": LEA,
            "emailConfirmation": LEA,
            "phone": "0601020304",
            "phoneConfirmation": "0601020304",
            "workMode": "ITINERANT",
            "openingDate": today().isoformat(),
            "closingDate": (today() + timedelta(days=365)).isoformat(),
            "groupIds": [group_id],
            **overrides,
        }
    }


async def test_created_user_goes_from_the_mail_to_the_tenant_list(api, smtp):
    # given: an administrator whose organisation has conventionné and privé housing
    _, _, admin = await activated_organisation(
        api, housings=[("CONVENTIONNE", "14", 2), ("PRIVE", "75", 1)]
    )
    groups = (await api.ok(HABILITATION_GROUPS, token=admin))["habilitationGroups"]
    [conv14] = [g for g in groups if g["housingType"] == "CONVENTIONNE"]
    # when: the administrator creates a user in the conventionné group
    created = (await api.ok(CREATE_USER, _new_user(conv14["id"]), admin))["createUser"]
    # then: the credentials arrive by mail, on lines of their own
    [mail] = [m for m in await smtp.mailbox.wait_for(1) if LEA in m["To"]]
    identifier, provisional = credentials_in(body_of(mail))
    assert identifier == created["identifier"] and created["status"] == "pending"
    # the first login asks for the password and the acceptances, and allows nothing else
    first = (await api.ok(LOGIN, {"identifier": identifier, "password": provisional}))["login"]
    assert {"SET_PASSWORD", "ACCEPT_USAGE_RULES", "ACCEPT_TERMS"} <= set(first["requiredActions"])
    pending = (await api.error(TENANTS, token=first["token"]))["extensions"]
    assert pending["code"] == "REQUIRED_ACTIONS"
    assert pending["requiredActions"] == first["requiredActions"]
    refused = await api.error(
        COMPLETE_FIRST_LOGIN, profile(LEA, acceptUsageRules=False), first["token"]
    )
    assert refused["extensions"]["fields"] == {
        "acceptUsageRules": "Vous devez accepter les règles d'usage."
    }
    done = await api.ok(COMPLETE_FIRST_LOGIN, profile(LEA, "Lea-Secret-2026!"), first["token"])
    token = done["completeFirstLogin"]["token"]
    # the first tenant query shows her group's tenants only
    edges = (await api.ok(TENANTS, token=token))["tenants"]["edges"]
    assert [(e["node"]["housing"]["type"], e["node"]["housing"]["departement"]) for e in edges] == [
        ("CONVENTIONNE", "14")
    ] * 2
    assert (await api.ok(ME, token=token))["me"]["identifier"] == identifier
    # the provisional password is spent; hers works
    error = await api.error(LOGIN, {"identifier": identifier, "password": provisional})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert await api.login(identifier, "Lea-Secret-2026!")
    # closing her account ends her sessions and her logins
    closed = await api.ok(CLOSE_USER, {"u": created["id"], "d": today().isoformat()}, admin)
    assert closed["closeUser"]["status"] == "closed"
    assert (await api.error(TENANTS, token=token))["extensions"]["code"] == "UNAUTHENTICATED"
    error = await api.error(LOGIN, {"identifier": identifier, "password": "Lea-Secret-2026!"})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_user_before_the_opening_date_cannot_log_in_yet(api, smtp):
    _, _, admin = await activated_organisation(api)
    [group] = (await api.ok(HABILITATION_GROUPS, token=admin))["habilitationGroups"]
    tomorrow = (today() + timedelta(days=1)).isoformat()
    await api.ok(CREATE_USER, _new_user(group["id"], openingDate=tomorrow), admin)
    [mail] = await smtp.mailbox.wait_for(1)
    identifier, provisional = credentials_in(body_of(mail))
    error = await api.error(LOGIN, {"identifier": identifier, "password": provisional})
    wrong = await api.error(LOGIN, {"identifier": identifier, "password": "Pas-Le-Bon-2026"})
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and error == wrong
