"""Faults: SMTP down, concurrent habilitation changes. (Process kills and PostgreSQL restarts are
in test_crashes.py.) Bounded waits, loopback only."""

from __future__ import annotations

import asyncio

from bailleurs.demo import DEMO_LOGINS, load_demo
from models import HabilitationGroup, OutboxMail, User
from resolvers.shared.outbox import queue_mail, wake_sender
from tests.accounts.operations import RESET
from tests.conftest import wait_until
from tests.habilitations.operations import CREATE_USER, SET_USER_GROUPS
from tests.support.integrity import trail_problems


def new_user(n: int, group_ids: list[str] = ()) -> dict:
    email = f"panne{n}@example.test"
    return {"lastName": f"PANNE{n}", "firstName": "Test", "email": email,
            "emailConfirmation": email, "groupIds": list(group_ids)}


async def failed_attempts(recipient: str) -> int:
    mail = await OutboxMail.get(recipient=recipient)
    assert mail.sent_at is None
    return mail.attempts


async def test_smtp_down_during_user_creation_the_user_exists_and_the_mail_arrives_once(
    api, smtp
):
    # given
    await load_demo(api.services.settings)
    admin = await api.login("OLIVIERS.ADMIN", DEMO_LOGINS["OLIVIERS.ADMIN"])
    last_id = (await User.all().order_by("-id").first()).id
    smtp.stop()
    # when
    created = (await api.ok(CREATE_USER, {"input": new_user(1)}, admin))["createUser"]
    # then: the change committed, the mail waits
    assert await User.exists(id=int(created["id"]))
    await wait_until(lambda: _attempted("panne1@example.test", 2))
    assert smtp.mailbox.messages == []
    # when the server comes back
    smtp.start()
    await smtp.mailbox.wait_for(1)
    await asyncio.sleep(1.0)  # several sender rounds: nothing more may come
    mails = smtp.mailbox.to("panne1@example.test")
    assert len(mails) == 1
    assert f"Identifiant : {created['identifier']}" in mails[0].get_content()
    assert (await OutboxMail.get(recipient="panne1@example.test")).sent_at is not None
    assert await trail_problems(new_users_after=last_id) == []


async def _attempted(recipient: str, at_least: int) -> bool:
    return await failed_attempts(recipient) >= at_least


async def test_smtp_down_during_password_resets_mails_arrive_once_when_it_is_back(
    api, smtp
):
    await load_demo(api.services.settings)
    smtp.stop()
    addresses = ["claire.martin@lesoliviers.example", "hugo.leroy@lesoliviers.example"]
    for address in addresses:
        assert (await api.ok(RESET, {"email": address}))["requestPasswordReset"] is True
    for address in addresses:
        await wait_until(lambda a=address: _attempted(a, 1))
    smtp.start()
    await smtp.mailbox.wait_for(2)
    await asyncio.sleep(1.0)
    assert sorted(m["To"] for m in smtp.mailbox.messages) == sorted(addresses)


async def test_concurrent_changes_to_one_user_leave_the_trail_matching_the_data(api):
    # given: the administrator and the responsable both edit the agent's groups at once
    await load_demo(api.services.settings)
    admin = await api.login("OLIVIERS.ADMIN", DEMO_LOGINS["OLIVIERS.ADMIN"])
    agent = await User.get(identifier="OLIVIERS.AGENT")
    groups = [str(g.id) for g in await HabilitationGroup.filter(
        organisation_id=agent.organisation_id)]
    sets = [[groups[i % len(groups)]] for i in range(12)] + [[]]
    # when
    answers = await asyncio.gather(*(
        api.gql(SET_USER_GROUPS, {"u": str(agent.id), "g": g}, admin) for g in sets))
    # then
    assert all("errors" not in a for a in answers), answers
    assert await trail_problems() == []


async def test_a_mail_that_cannot_be_sent_does_not_hold_back_the_others(api, smtp):
    # given: a mail no SMTP message can carry (a line break in its recipient), then a good one
    bad = await queue_mail("casse@example.test\nBcc: x@example.test", "Objet", "Corps\n")
    await queue_mail("bon@example.test", "Objet", "Corps\n")
    # when
    wake_sender(api.services)
    # then: the good one arrives; the bad one waits with its error, nothing crashed the sender
    [message] = await smtp.mailbox.wait_for(1)
    assert message["To"] == "bon@example.test"
    await wait_until(lambda: _attempted(bad.recipient, 1))
    assert (await OutboxMail.get(id=bad.id)).last_error == "ValueError"
