"""Organisation activation: the letters, the first login, exactly one administrateur."""

import asyncio

from models import AuditEvent, Organisation, User
from policies.enforcers import load_enforcer
from policies.vocabulary import org_domain
from tests.accounts.operations import COMPLETE_FIRST_LOGIN, LOGIN, ME
from tests.support.accounts_support import NEW_PASSWORD, new_organisation, profile

ALL_ACTIONS = ["COMPLETE_PROFILE", "SET_PASSWORD", "ACCEPT_USAGE_RULES", "ACCEPT_TERMS"]


async def test_letters_lead_to_the_first_login_steps_and_nothing_else(api):
    # given
    _, letters = await new_organisation(api)
    # when
    data = await api.ok(
        LOGIN, {"identifier": letters["identifier"], "password": letters["initialPassword"]}
    )
    # then
    assert data["login"]["requiredActions"] == ALL_ACTIONS
    error = await api.error(ME, token=data["login"]["token"])
    assert error["extensions"]["code"] == "REQUIRED_ACTIONS"
    assert error["extensions"]["requiredActions"] == ALL_ACTIONS


async def test_first_login_refuses_a_weak_password_and_missing_acceptances(api):
    _, letters = await new_organisation(api)
    token = (
        await api.ok(
            LOGIN, {"identifier": letters["identifier"], "password": letters["initialPassword"]}
        )
    )["login"]["token"]
    error = await api.error(
        COMPLETE_FIRST_LOGIN, profile("a@b.example", "court", acceptTerms=False), token
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(error["extensions"]["fields"]) == {"newPassword", "acceptTerms"}
    assert "au moins 12 caractères" in error["extensions"]["fields"]["newPassword"]


async def test_concurrent_first_logins_make_exactly_one_administrateur(api):
    # given: five people hold the two letters and log in at the same time
    organisation, letters = await new_organisation(api)
    logins = await asyncio.gather(
        *(
            api.ok(
                LOGIN, {"identifier": letters["identifier"], "password": letters["initialPassword"]}
            )
            for _ in range(5)
        )
    )
    tokens = [d["login"]["token"] for d in logins]
    # when: they all complete the first login at once
    bodies = await asyncio.gather(
        *(
            api.gql(COMPLETE_FIRST_LOGIN, profile(f"person{i}@tilleuls.example"), token)
            for i, token in enumerate(tokens)
        )
    )
    # then: one wins, the others are told the account is already activated
    winners = [b for b in bodies if "errors" not in b]
    losers = [b for b in bodies if "errors" in b]
    assert len(winners) == 1
    assert [b["errors"][0]["extensions"]["code"] for b in losers] == ["CONFLICT"] * 4
    users = await User.filter(organisation_id=organisation.id)
    assert len(users) == 1 and users[0].identifier == letters["identifier"]
    enforcer = await load_enforcer(org_domain(organisation.id))
    admins = await enforcer.get_users_for_role_in_domain(
        "administrateur", org_domain(organisation.id)
    )
    assert admins == [f"u:{users[0].id}"]
    await organisation.refresh_from_db()
    assert (
        organisation.administrator_id == users[0].id and organisation.initial_password_hash is None
    )
    assert await AuditEvent.filter(action="organisation_activated").count() == 1
    # the other letter sessions can do nothing: completing again is told the organisation has
    # its administrateur (they were revoked before; the second person then only heard
    # "Vous devez être connecté"), and the letter's password is dead
    for token in (t for t, b in zip(tokens, bodies, strict=True) if "errors" in b):
        again = await api.error(COMPLETE_FIRST_LOGIN, profile("late@tilleuls.example"), token)
        assert again["extensions"]["code"] == "CONFLICT"
        assert again["message"] == "Cet organisme a déjà un administrateur."
        assert (await api.error(ME, token=token))["extensions"]["code"] == "REQUIRED_ACTIONS"
    assert await User.filter(organisation_id=organisation.id).count() == 1
    error = await api.error(
        LOGIN, {"identifier": letters["identifier"], "password": letters["initialPassword"]}
    )
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    # the winner keeps the letter's identifier with their own password
    me = await api.ok(ME, token=winners[0]["data"]["completeFirstLogin"]["token"])
    assert me["me"]["roles"] == ["administrateur"]
    token = await api.login(letters["identifier"], NEW_PASSWORD)
    assert token
    assert (await Organisation.get(id=organisation.id)).activated_at is not None
