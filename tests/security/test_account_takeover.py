"""Finding 3: no account take-over through completeFirstLogin, and one's own password or address
changes only with the current password, audited (addresses masked) and noticed to the old
address. Attacks through HTTP, in parallel bursts, on SQLite and PostgreSQL."""

import asyncio
import string

from models import AuditEvent, Organisation, PasswordHistory, Session, User
from tests.accounts.operations import CHANGE_EMAIL, CHANGE_PASSWORD, COMPLETE_FIRST_LOGIN, LOGIN, ME
from tests.security.takeover_support import codes, create_user, restricted_login
from tests.support.accounts_support import (
    NEW_PASSWORD,
    activated_organisation,
    new_organisation,
    profile,
)

ADMIN = "claire.martin@tilleuls.example"
ATTACKER = "attaquant@pirates.example"
LEA = "lea.durand@tilleuls.example"


async def _row(identifier: str) -> dict:
    return await User.get(identifier=identifier).values()


async def test_a_full_session_cannot_complete_a_first_login_again(api):
    # given: an administrator with an ordinary full session (a stolen one, say)
    _, identifier, token = await activated_organisation(api, admin_email=ADMIN)
    before = await _row(identifier)
    events = await AuditEvent.all().count()
    # when: the attacker replays completeFirstLogin with their own address and password
    error = await api.error(COMPLETE_FIRST_LOGIN, profile(ATTACKER, "Pirate-Secret-2026!"), token)
    # then: refused, nothing changed, the owner is still logged in with the same password
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "mot de passe actuel" in error["message"]
    assert await _row(identifier) == before
    assert await AuditEvent.all().count() == events
    assert (await api.ok(ME, token=token))["me"]["email"] == ADMIN
    assert await api.login(identifier, NEW_PASSWORD)
    refused = await api.error(LOGIN, {"identifier": identifier, "password": "Pirate-Secret-2026!"})
    assert refused["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_first_login_session_completes_once_under_twenty_parallel_calls(api):
    # given: a created user's restricted session (provisional password)
    _, _, admin = await activated_organisation(api, admin_email=ADMIN)
    created, provisional = await create_user(api, admin, LEA)
    token, _ = await restricted_login(api, created["identifier"], provisional)
    # when: 20 completions race on that one session, each with its own address and password
    bodies = await asyncio.gather(*(
        api.gql(COMPLETE_FIRST_LOGIN,
                profile(f"lea{i}@tilleuls.example", f"Secret-Numero-{i:02d}!"), token)
        for i in range(20)
    ))
    # then: exactly one wins; the row holds the winner's address; one audit event, one history
    winners = [b["data"]["completeFirstLogin"] for b in bodies if "errors" not in b]
    assert len(winners) == 1 and winners[0]["requiredActions"] == []
    assert set(codes(bodies)) <= {"CONFLICT", "UNAUTHENTICATED"} and len(codes(bodies)) == 19
    me = (await api.ok(ME, token=winners[0]["token"]))["me"]
    user = await User.get(identifier=created["identifier"])
    assert user.email == me["email"] and user.email.startswith("lea")
    assert await AuditEvent.filter(action="first_login_completed").count() == 1
    assert await PasswordHistory.filter(user_id=user.id).count() == 1
    assert await Session.filter(user_id=user.id, revoked_at=None).count() == 1


async def test_one_letter_session_activates_the_organisation_once(api):
    # given: one letter session, replayed 20 times at once
    organisation, letters = await new_organisation(api)
    login = await api.ok(
        LOGIN, {"identifier": letters["identifier"], "password": letters["initialPassword"]}
    )
    token = login["login"]["token"]
    bodies = await asyncio.gather(*(
        api.gql(COMPLETE_FIRST_LOGIN, profile(f"p{i}@tilleuls.example"), token)
        for i in range(20)
    ))
    # then: one administrator, the others refused
    assert len([b for b in bodies if "errors" not in b]) == 1
    assert set(codes(bodies)) <= {"CONFLICT", "UNAUTHENTICATED"} and len(codes(bodies)) == 19
    assert await User.filter(organisation_id=organisation.id).count() == 1
    assert await AuditEvent.filter(action="organisation_activated").count() == 1
    await organisation.refresh_from_db()
    assert organisation.administrator_id is not None


async def test_changing_ones_address_asks_the_current_password_and_tells_the_old_one(api, smtp):
    # given
    _, identifier, token = await activated_organisation(api, admin_email=ADMIN)
    # a wrong current password changes nothing
    wrong = await api.error(CHANGE_EMAIL, {"current": "Pas-Le-Bon-2026!", "email": ATTACKER},
                            token)
    assert wrong["extensions"]["fields"] == {
        "currentPassword": "Le mot de passe actuel est incorrect."
    }
    assert (await User.get(identifier=identifier)).email == ADMIN
    # when: the right one
    data = await api.ok(CHANGE_EMAIL, {"current": NEW_PASSWORD, "email": "Claire.M@Autre.example"},
                        token)
    # then: stored normalised, audited masked, and the old address is told over real SMTP
    assert data["changeEmail"]["email"] == "Claire.M@autre.example"
    event = await AuditEvent.filter(action="email_changed").get()
    assert (event.before, event.after) == (
        {"email": "c***@tilleuls.example"}, {"email": "C***@autre.example"}
    )
    assert event.actor_label == identifier and event.target_id == str(event.actor_id)
    [notice] = await _mail_to(smtp, ADMIN)
    body = notice.get_content()
    assert notice["Subject"] == "Adresse mail de votre compte modifiée"
    assert "C***@autre.example" in body and "Claire.M" not in body
    assert smtp.mailbox.to("Claire.M@autre.example") == []


async def test_a_password_change_is_audited_and_told_to_the_account_address(api, smtp):
    _, identifier, token = await activated_organisation(api, admin_email=ADMIN)
    await api.ok(CHANGE_PASSWORD, {"current": NEW_PASSWORD, "new": "Tout-Autre-2027!"}, token)
    event = await AuditEvent.filter(action="password_changed").get()
    assert event.before == {"mustChangePassword": False, "provisionalPending": False}
    assert event.after["sessionsEnded"] is True
    [notice] = await _mail_to(smtp, ADMIN)
    assert notice["Subject"] == "Mot de passe de votre compte modifié"
    assert "Tout-Autre-2027!" not in notice.get_content()


async def test_parallel_address_changes_lose_no_update_and_tell_each_replaced_address(api, smtp):
    # given: one session sending 20 address changes at once (distinct first letters, so that
    # the masked addresses of the audit trail tell them apart)
    _, identifier, token = await activated_organisation(api, admin_email=ADMIN)
    addresses = [f"{letter}@tilleuls.example" for letter in string.ascii_lowercase[:20]]
    bodies = await asyncio.gather(*(
        api.gql(CHANGE_EMAIL, {"current": NEW_PASSWORD, "email": a}, token) for a in addresses
    ))
    # then: every change is whole or absent; those that overlapped one that committed first
    # were refused (compare-and-set), never applied over it; beyond the lockout threshold of
    # password checks in flight at once, the others are refused before any check
    winners = [b["data"]["changeEmail"]["email"] for b in bodies if "errors" not in b]
    assert winners and set(codes(bodies)) <= {"CONFLICT", "RATE_LIMITED"}
    assert len(winners) + len(codes(bodies)) == 20
    events = await AuditEvent.filter(action="email_changed").order_by("id")
    assert len(events) == len(winners)
    # the trail links up: each change starts from the address the previous one left
    masked = [e.before["email"] for e in events] + [events[-1].after["email"]]
    assert masked[0] == "c***@tilleuls.example"
    assert all(e.after["email"] == nxt for e, nxt in zip(events, masked[1:], strict=True))
    user = await User.get(identifier=identifier)
    assert masked[-1] == f"{user.email[0]}***@tilleuls.example" and user.email in winners
    # each replaced address heard of it, once
    replaced = [ADMIN] + [a for a in addresses if a in winners and a != user.email]
    for address in replaced:
        assert len(await _mail_to(smtp, address)) == 1, address


async def test_a_first_login_that_moves_the_address_tells_the_old_one(api, smtp):
    # given: the administrator created Léa with her work address
    _, _, admin = await activated_organisation(api, admin_email=ADMIN)
    created, provisional = await create_user(api, admin, LEA)
    token, _ = await restricted_login(api, created["identifier"], provisional)
    # when: her first login gives another address
    await api.ok(COMPLETE_FIRST_LOGIN, profile("lea.perso@ailleurs.example"), token)
    # then: the address given by the administrator hears of it; the audit shows both, masked
    notices = [m for m in await _mail_to(smtp, LEA, count=2)
               if m["Subject"] == "Adresse mail de votre compte modifiée"]
    assert len(notices) == 1 and "l***@ailleurs.example" in notices[0].get_content()
    event = await AuditEvent.filter(action="first_login_completed").get()
    assert event.before["email"] == "l***@tilleuls.example"
    assert event.after == {"email": "l***@ailleurs.example", "status": "active",
                           "requiredActions": []}


async def test_the_letter_session_cannot_change_an_address_it_does_not_have(api):
    organisation, letters = await new_organisation(api)
    login = await api.ok(
        LOGIN, {"identifier": letters["identifier"], "password": letters["initialPassword"]}
    )
    error = await api.error(CHANGE_EMAIL, {"current": letters["initialPassword"],
                                           "email": ATTACKER}, login["login"]["token"])
    assert error["extensions"]["code"] == "REQUIRED_ACTIONS"
    assert (await Organisation.get(id=organisation.id)).activated_at is None


async def _mail_to(smtp, address: str, count: int = 1) -> list:
    async def arrived() -> None:
        while len(smtp.mailbox.to(address)) < count:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(arrived(), 10)
    return smtp.mailbox.to(address)
