"""Mot de passe oublié and identifiant perdu: always true, mail through the outbox."""

import asyncio
from pathlib import Path

from models.enums import MailChannel
from tests.accounts.operations import CHANGE_PASSWORD, COMPLETE_FIRST_LOGIN, LOGIN, LOST, ME, RESET
from tests.conftest import wait_until
from tests.support.accounts_support import (
    NEW_PASSWORD,
    activated_organisation,
    body_of,
    credentials_in,
    new_organisation,
    outbox,
    profile,
)

ADMIN_MAIL = "admin@tilleuls.example"
ORG_MAIL = "contact@tilleuls.example"


async def _reset_credentials(api, smtp, email: str) -> tuple[str, str]:
    assert (await api.ok(RESET, {"email": email}))["requestPasswordReset"] is True
    [message] = [
        m for m in await smtp.mailbox.wait_for(len(smtp.mailbox.messages) + 1) if email in m["To"]
    ][-1:]
    return credentials_in(body_of(message))


async def test_reset_sends_a_provisional_password_that_must_be_changed(api, smtp):
    # given
    _, identifier, _ = await activated_organisation(api, admin_email=ADMIN_MAIL)
    # when
    sent_identifier, provisional = await _reset_credentials(api, smtp, ADMIN_MAIL)
    # then: the mail names the identifier; the current password still works
    assert sent_identifier == identifier
    message = smtp.mailbox.to(ADMIN_MAIL)[-1]
    assert message["Subject"] == "Votre mot de passe provisoire"
    assert message.get_content_type() == "text/plain"
    assert await api.login(identifier, NEW_PASSWORD)
    # the provisional one opens a session that must set a new password first
    data = await api.ok(LOGIN, {"identifier": identifier, "password": provisional})
    assert data["login"]["requiredActions"] == ["SET_PASSWORD"]
    restricted = data["login"]["token"]
    pending = (await api.error(ME, token=restricted))["extensions"]
    assert pending["code"] == "REQUIRED_ACTIONS" and pending["requiredActions"] == ["SET_PASSWORD"]
    # once used, the old password is retired
    error = await api.error(LOGIN, {"identifier": identifier, "password": NEW_PASSWORD})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    changed = await api.ok(
        CHANGE_PASSWORD, {"current": provisional, "new": "Encore-Autre-2027"}, restricted
    )
    assert changed["changePassword"]["requiredActions"] == []
    assert (await api.ok(ME, token=changed["changePassword"]["token"]))["me"][
        "identifier"
    ] == identifier
    assert await api.login(identifier, "Encore-Autre-2027")


async def test_an_expired_provisional_password_does_not_open_a_session(api, smtp):
    from models import User
    from resolvers.shared.clock import now

    _, identifier, _ = await activated_organisation(api, admin_email=ADMIN_MAIL)
    _, provisional = await _reset_credentials(api, smtp, ADMIN_MAIL)
    await User.filter(identifier=identifier).update(provisional_expires_at=now())
    error = await api.error(LOGIN, {"identifier": identifier, "password": provisional})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_unknown_inputs_answer_true_and_send_nothing(api, smtp):
    await activated_organisation(api, admin_email=ADMIN_MAIL)
    for email in ("personne@nulle.part", "", "pas une adresse"):
        assert (await api.ok(RESET, {"email": email}))["requestPasswordReset"] is True
    for number in ("ZZZ00000000000", "", "court"):
        assert (await api.ok(LOST, {"number": number}))["requestLostIdentifier"] is True
    await asyncio.sleep(0.3)
    assert smtp.mailbox.messages == []
    assert await outbox() == []


async def test_reset_is_throttled_per_address_silently(api, smtp, settings):
    await activated_organisation(api, admin_email=ADMIN_MAIL)
    for _ in range(settings.reset_requests_per_hour + 3):
        assert (await api.ok(RESET, {"email": ADMIN_MAIL}))["requestPasswordReset"] is True
    await smtp.mailbox.wait_for(settings.reset_requests_per_hour)
    await asyncio.sleep(0.3)
    assert len(smtp.mailbox.to(ADMIN_MAIL)) == settings.reset_requests_per_hour


async def test_lost_identifier_after_activation_reaches_the_organisation_by_mail_and_post(
    api, smtp
):
    # given
    organisation, identifier, _ = await activated_organisation(
        api, admin_email=ADMIN_MAIL, email=ORG_MAIL,
        postal={"line1": "12 RUE DES LILAS", "postalCode": "14000", "commune": "CAEN"},
    )
    # when: the number is typed in lower case with spaces around it
    assert await api.ok(LOST, {"number": f" {organisation.user_number.lower()} "})
    # then
    [message] = await smtp.mailbox.wait_for(1)
    assert ORG_MAIL in message["To"]
    sent_identifier, provisional = credentials_in(body_of(message))
    assert sent_identifier == identifier
    [letter] = await outbox(channel=MailChannel.POST)
    assert "12 RUE DES LILAS" in letter.recipient
    assert credentials_in(letter.body) == (identifier, provisional)
    # and the letter reaches the mail room's drop
    drop = Path(api.services.settings.spool_dir) / "post" / f"{letter.id}.txt"
    await wait_until(drop.exists)
    printed = drop.read_text(encoding="utf-8")
    assert printed.startswith(letter.recipient + "\n")
    assert credentials_in(printed) == (identifier, provisional)
    data = await api.ok(LOGIN, {"identifier": identifier, "password": provisional})
    assert data["login"]["requiredActions"] == ["SET_PASSWORD"]


async def test_lost_identifier_before_activation_adds_a_letter_password_beside_the_first(
    api, smtp
):
    # given
    organisation, letters = await new_organisation(api, email=ORG_MAIL)
    old = {"identifier": letters["identifier"], "password": letters["initialPassword"]}
    # when
    assert await api.ok(LOST, {"number": organisation.user_number})
    # then: the new letter password arrives, and the letter already held still works
    [message] = await smtp.mailbox.wait_for(1)
    identifier, password = credentials_in(body_of(message))
    assert identifier == letters["identifier"]
    assert len((await api.ok(LOGIN, old))["login"]["requiredActions"]) == 4
    # until the new one is used: then the former one is retired
    data = await api.ok(LOGIN, {"identifier": identifier, "password": password})
    assert len(data["login"]["requiredActions"]) == 4
    assert (await api.error(LOGIN, old))["extensions"]["code"] == "UNAUTHENTICATED"
    await api.ok(COMPLETE_FIRST_LOGIN, profile(ADMIN_MAIL), data["login"]["token"])


async def test_mail_queued_while_smtp_is_down_arrives_once_when_it_is_back(api, smtp):
    # given
    _, identifier, _ = await activated_organisation(api, admin_email=ADMIN_MAIL)
    smtp.stop()
    # when
    assert (await api.ok(RESET, {"email": ADMIN_MAIL}))["requestPasswordReset"] is True
    # then: it waits in the outbox, and delivery attempts fail
    [pending] = await outbox()
    assert pending.sent_at is None
    for _ in range(100):
        await pending.refresh_from_db()
        if pending.attempts >= 2:
            break
        await asyncio.sleep(0.05)
    assert pending.attempts >= 2 and pending.sent_at is None and pending.last_error
    # when the server is back on the same port
    smtp.start()
    [message] = await smtp.mailbox.wait_for(1)
    await asyncio.sleep(0.5)
    # then: delivered exactly once
    assert len(smtp.mailbox.messages) == 1
    assert credentials_in(body_of(message))[0] == identifier
    await pending.refresh_from_db()
    assert pending.sent_at is not None


async def test_recovery_requests_with_impossible_values_answer_like_any_other(api, smtp):
    # Values no account can hold (longer than the columns, malformed numbers): the same answer,
    # no mail, never an internal error.
    assert await api.ok(RESET, {"email": "a" * 300 + "@example.test"}) == {
        "requestPasswordReset": True}
    for number in ("x" * 50, "abc", ""):
        assert await api.ok(LOST, {"number": number}) == {"requestLostIdentifier": True}
    await asyncio.sleep(0.3)
    assert smtp.mailbox.messages == []
