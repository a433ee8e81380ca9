"""« Mon profil » (own address and phone, with the current password; the old address is told)
and the organisation's contact address, changed by its administrateur."""

from __future__ import annotations

import asyncio

from models import AuditEvent, Organisation, User
from policies.vocabulary import Role
from tests.accounts.operations import UPDATE_MY_PROFILE as UPDATE_ME
from tests.accounts.operations import UPDATE_ORGANISATION_EMAIL as ORG_EMAIL
from tests.conftest import wait_until
from tests.support.accounts_support import activated_organisation
from tests.support.factories import PASSWORD, make_user


async def test_a_user_changes_its_address_and_phone_with_its_password(api, smtp):
    # given
    organisation, _, _ = await activated_organisation(api)
    user = await make_user(api, organisation, "MOI")
    token = await api.login("MOI", PASSWORD)
    # when
    data = await api.ok(UPDATE_ME, {"p": PASSWORD, "email": "moi@nouveau.fr",
                                    "phone": "0601020304"}, token)
    # then: changed, audited masked, and the old address hears of it (real SMTP)
    assert data["updateMyProfile"] == {"id": str(user.id), "email": "moi@nouveau.fr",
                                       "phone": "0601020304"}
    event = await AuditEvent.get(action="profile_updated")
    assert event.actor_id == user.id
    assert event.before == {"email": "m***@example.test", "phone": False}
    assert event.after == {"email": "m***@nouveau.fr", "phone": True}
    await wait_until(lambda: smtp.mailbox.to("moi@example.test"))
    [notice] = smtp.mailbox.to("moi@example.test")
    assert "m***@nouveau.fr" in notice.get_content()
    # the session goes on; the phone alone may be removed
    data = await api.ok(UPDATE_ME, {"p": PASSWORD, "phone": ""}, token)
    assert data["updateMyProfile"]["phone"] is None


async def test_a_wrong_password_changes_nothing_and_counts_as_a_failure(api):
    organisation, _, _ = await activated_organisation(api)
    user = await make_user(api, organisation, "MOI")
    token = await api.login("MOI", PASSWORD)
    error = await api.error(UPDATE_ME, {"p": "faux", "email": "pirate@exemple.fr"}, token)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "currentPassword" in error["extensions"]["fields"]
    row = await User.get(id=user.id)
    assert (row.email, row.failed_logins) == ("moi@example.test", 1)
    for bad in ({"email": "a@b, c@d"}, {"phone": "123"}, {}):
        error = await api.error(UPDATE_ME, {"p": PASSWORD, **bad}, token)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", bad
    assert (await api.error(UPDATE_ME, {"p": PASSWORD, "email": "x@y.fr"}))["extensions"][
        "code"] == "UNAUTHENTICATED"
    assert not await AuditEvent.filter(action="profile_updated").exists()


async def test_parallel_changes_of_one_account_apply_once(api):
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "MOI")
    token = await api.login("MOI", PASSWORD)
    bodies = await asyncio.gather(*(
        api.gql(UPDATE_ME, {"p": PASSWORD, "email": f"moi{i}@nouveau.fr"}, token)
        for i in range(20)))
    assert sum("errors" not in b for b in bodies) >= 1
    codes = {b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b}
    assert codes <= {"CONFLICT", "RATE_LIMITED"}, codes
    changes = await AuditEvent.filter(action="profile_updated").count()
    assert changes == sum("errors" not in b for b in bodies)


async def test_the_administrateur_changes_the_contact_address_others_may_not(api):
    organisation, _, admin = await activated_organisation(api)
    data = await api.ok(ORG_EMAIL, {"email": "contact@tilleuls.fr"}, admin)
    assert data["updateOrganisationEmail"] == {"id": str(organisation.id),
                                               "email": "contact@tilleuls.fr"}
    assert (await Organisation.get(id=organisation.id)).email == "contact@tilleuls.fr"
    event = await AuditEvent.get(action="organisation_email_changed")
    assert event.after == {"email": "c***@tilleuls.fr"}
    for bad in ("pas une adresse", "a@b.fr, c@d.fr", "contact@tilleuls.fr"):
        error = await api.error(ORG_EMAIL, {"email": bad}, admin)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", bad
    manager = await make_user(api, organisation, "RESP", roles=(Role.RESPONSABLE,))
    token = await api.login(manager.identifier, PASSWORD)
    error = await api.error(ORG_EMAIL, {"email": "moi@pirate.fr"}, token)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await AuditEvent.filter(action="organisation_email_changed").count() == 1
