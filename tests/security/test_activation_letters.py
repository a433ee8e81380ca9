"""Finding 4 (and the activation conflict of finding 9): nobody's request voids credentials that
work; letters go by post; only an agent of the agency replaces them; one administrateur.

Attacks as the review did: anonymous requests with a N° utilisateur anyone on the staff knows,
in parallel bursts through HTTP.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from models import AuditEvent, Organisation, User
from models.enums import MailChannel
from policies.enforcers import load_enforcer
from policies.vocabulary import org_domain
from resolvers.habilitations.policy_changes import _POLICY_LOCK_SPACE
from tests.accounts.operations import COMPLETE_FIRST_LOGIN, LOGIN, LOST, ME, RESET
from tests.conftest import PG_URL, wait_until
from tests.support.accounts_support import (
    NEW_PASSWORD,
    activated_organisation,
    agency_token,
    body_of,
    credentials_in,
    new_organisation,
    outbox,
    profile,
)

ADDRESS = {"line1": "LES TILLEULS SA", "line2": "12 RUE DES LILAS", "postalCode": "14000",
           "commune": "CAEN"}
PENDING = """query { pendingLetterReissues(first: 50) {
  totalCount edges { node { requestedAt organisation { id userNumber } } } } }"""
REISSUE = """mutation($org: ID!) {
  reissueActivationLetters(organisationId: $org, replaceFormer: true) {
  identifier initialPassword sentByPost organisation { id } } }"""
CONFLICT = "Cet organisme a déjà un administrateur."


def letter_login(letters: dict, password: str | None = None) -> dict:
    return {"identifier": letters["identifier"],
            "password": password or letters["initialPassword"]}


async def letter_opens(api, letters: dict, password: str | None = None) -> bool:
    body = await api.gql(LOGIN, letter_login(letters, password))
    if "errors" in body:
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
        return False
    return len(body["data"]["login"]["requiredActions"]) == 4


async def printed_letters(api, count: int) -> list[str]:
    """The post outbox's letters as the mail room's drop receives them."""
    letters = await outbox(channel=MailChannel.POST)
    assert len(letters) == count
    drop = Path(api.services.settings.spool_dir) / "post"
    files = [drop / f"{letter.id}.txt" for letter in letters]
    await wait_until(lambda: all(f.exists() for f in files))
    return [f.read_text(encoding="utf-8") for f in files]


def password_in(letter: str) -> str:
    [line] = [x for x in letter.splitlines() if x.startswith("Mot de passe provisoire : ")]
    return line.split(" : ", 1)[1]


def passwords_in(letters: list[str]) -> list[str]:
    return [password_in(x) for x in letters if "Mot de passe provisoire : " in x]


async def test_a_strangers_lost_identifier_leaves_the_letter_working_and_tells_the_agency(api):
    # given: an imported organisation with neither postal address nor e-mail
    organisation, letters = await new_organisation(api)
    # when: anyone who knows its N° utilisateur asks for its identifiers
    assert await api.ok(LOST, {"number": organisation.user_number})
    # then: the letter still opens the first login, nothing was sent anywhere
    assert await letter_opens(api, letters)
    assert await outbox() == []
    # and the agency sees the request, in the trail and in its list of letters to reissue
    [event] = await AuditEvent.filter(action="lost_identifier_requested")
    assert event.after | {"ip": None} == {"email": False, "post": False, "agency": True, "ip": None}
    agent = await agency_token(api)
    pending = (await api.ok(PENDING, token=agent))["pendingLetterReissues"]
    assert pending["totalCount"] == 1
    assert pending["edges"][0]["node"]["organisation"]["userNumber"] == organisation.user_number


async def test_lost_identifier_posts_both_letters_and_the_new_password_retires_the_old_on_use(
    api,
):
    # given
    organisation, letters = await new_organisation(api, postal=ADDRESS)
    # when
    assert await api.ok(LOST, {"number": organisation.user_number})
    # then: two letters, identifier and password apart, to the address from the import
    identifier_letter, password_letter = await printed_letters(api, 2)
    envelope = ["LES TILLEULS", "LES TILLEULS SA", "12 RUE DES LILAS", "14000 CAEN"]
    for letter in (identifier_letter, password_letter):
        assert letter.splitlines()[:4] == envelope
    assert f"Identifiant : {letters['identifier']}" in identifier_letter
    assert "Mot de passe provisoire" not in identifier_letter
    assert letters["identifier"] not in password_letter
    new_password = password_in(password_letter)
    # both work until the new one serves; then only the new one
    assert await letter_opens(api, letters)
    assert await letter_opens(api, letters, new_password)
    assert not await letter_opens(api, letters)
    assert await letter_opens(api, letters, new_password)
    assert (await Organisation.get(id=organisation.id)).letters_requested_at is None


async def test_only_an_agents_reissue_replaces_the_letter_and_it_is_audited(api):
    # given: a request the agency must handle, and a letter session already open
    organisation, letters = await new_organisation(api)
    assert await api.ok(LOST, {"number": organisation.user_number})
    old_session = (await api.ok(LOGIN, letter_login(letters)))["login"]["token"]
    admin_elsewhere = (await activated_organisation(api, "LES PINS", admin_email="a@p.example"))[2]
    auditor, agent = await agency_token(api, "auditeur"), await agency_token(api)
    ids = {"org": str(organisation.id)}
    # callers other than an agent_caf cannot reissue
    for token in (auditor, admin_elsewhere):
        assert (await api.error(REISSUE, ids, token))["extensions"]["code"] == "FORBIDDEN"
        assert (await api.error(PENDING, token=token))["extensions"]["code"] == "FORBIDDEN"
    assert (await api.error(REISSUE, ids))["extensions"]["code"] == "UNAUTHENTICATED"
    assert await letter_opens(api, letters)
    # when the agent reissues
    done = (await api.ok(REISSUE, ids, agent))["reissueActivationLetters"]
    # then: the new letter (to print: no address) works, the old one and its sessions no more
    assert done["identifier"] == letters["identifier"] and done["sentByPost"] is False
    assert not await letter_opens(api, letters)
    late = await api.error(COMPLETE_FIRST_LOGIN, profile("x@t.example"), old_session)
    assert late["extensions"]["code"] == "UNAUTHENTICATED"
    assert await letter_opens(api, letters, done["initialPassword"])
    assert (await api.ok(PENDING, token=agent))["pendingLetterReissues"]["totalCount"] == 0
    [event] = await AuditEvent.filter(action="activation_letters_reissued")
    assert event.actor_label == "CAF.AGENT_CAF" and event.target_id == str(organisation.id)
    assert event.before["lettersRequestedAt"] and event.after == {"post": False}
    # once the organisation has its administrateur, the letters cannot come back
    token = (await api.ok(LOGIN, letter_login(letters, done["initialPassword"])))["login"]["token"]
    await api.ok(COMPLETE_FIRST_LOGIN, profile("admin@t.example"), token)
    refused = await api.error(REISSUE, ids, agent)
    assert (refused["extensions"]["code"], refused["message"]) == ("CONFLICT", CONFLICT)
    missing = await api.error(REISSUE, {"org": "424242"}, agent)
    assert missing["extensions"]["code"] == "NOT_FOUND"


async def test_an_agents_reissue_goes_by_post_when_there_is_an_address(api):
    organisation, letters = await new_organisation(api, postal=ADDRESS)
    agent = await agency_token(api)
    done = (await api.ok(REISSUE, {"org": str(organisation.id)}, agent))[
        "reissueActivationLetters"]
    assert done["sentByPost"] is True and done["initialPassword"] is None
    _, password_letter = await printed_letters(api, 2)
    assert "remplace celui des courriers précédents" in password_letter
    assert not await letter_opens(api, letters)
    assert await letter_opens(api, letters, password_in(password_letter))


async def test_a_reset_never_disables_the_current_password_before_the_provisional_is_used(
    api, smtp
):
    # given
    _, identifier, _ = await activated_organisation(api, admin_email="admin@t.example")
    # when: a stranger asks twice
    for _ in range(2):
        assert (await api.ok(RESET, {"email": "admin@t.example"}))["requestPasswordReset"]
    messages = await smtp.mailbox.wait_for(2)
    _, provisional = credentials_in(body_of(messages[-1]))
    # then: the current password keeps working, again and again
    for _ in range(2):
        assert await api.login(identifier, NEW_PASSWORD)
    # until the provisional one is used
    used = await api.ok(LOGIN, {"identifier": identifier, "password": provisional})
    assert used["login"]["requiredActions"] == ["SET_PASSWORD"]
    old = await api.error(LOGIN, {"identifier": identifier, "password": NEW_PASSWORD})
    assert old["extensions"]["code"] == "UNAUTHENTICATED"


async def test_twenty_parallel_lost_identifiers_post_no_more_letters_than_the_throttle(
    api, settings
):
    # given
    organisation, letters = await new_organisation(api, postal=ADDRESS)
    # when: a burst of 20 requests for the same organisation
    answers = await asyncio.gather(
        *(api.gql(LOST, {"number": organisation.user_number}) for _ in range(20))
    )
    # then: all answer true, exactly the allowed number of pairs of letters was posted
    assert all(a == {"data": {"requestLostIdentifier": True}} for a in answers)
    posted = await printed_letters(api, 2 * settings.reset_requests_per_hour)
    assert await AuditEvent.filter(action="lost_identifier_requested").count() == (
        settings.reset_requests_per_hour)
    # the letter held keeps working, and so does the newest password sent
    assert await letter_opens(api, letters)
    assert (await Organisation.get(id=organisation.id)).reissued_password_hash is not None
    # Trying the posted passwords one by one is itself a string of failures: lift the lockout.
    api.services.settings = replace(api.services.settings, lockout_threshold=100)
    working = [p for p in passwords_in(posted) if await letter_opens(api, letters, p)]
    assert len(working) == 1


async def test_twenty_parallel_resets_mail_no_more_than_the_throttle(api, smtp, settings):
    _, identifier, _ = await activated_organisation(api, admin_email="admin@t.example")
    answers = await asyncio.gather(
        *(api.gql(RESET, {"email": "admin@t.example"}) for _ in range(20))
    )
    assert all(a == {"data": {"requestPasswordReset": True}} for a in answers)
    await smtp.mailbox.wait_for(settings.reset_requests_per_hour)
    await asyncio.sleep(0.3)
    assert len(smtp.mailbox.messages) == settings.reset_requests_per_hour
    assert await api.login(identifier, NEW_PASSWORD)


async def _first_login(api, letters: dict, password: str, i: int) -> str:
    """One person's whole first login; the outcome as a short label."""
    body = await api.gql(LOGIN, letter_login(letters, password))
    if "errors" in body:
        return "login:" + body["errors"][0]["extensions"]["code"]
    token = body["data"]["login"]["token"]
    done = await api.gql(COMPLETE_FIRST_LOGIN, profile(f"person{i}@t.example"), token)
    if "errors" not in done:
        return "administrateur"
    error = done["errors"][0]
    if error["extensions"]["code"] == "CONFLICT":
        assert error["message"] == CONFLICT
    return "complete:" + error["extensions"]["code"]


async def test_twenty_parallel_first_logins_through_both_letters_make_one_administrateur(api):
    # given: the letter held, and the new password « identifiant perdu » posted
    organisation, letters = await new_organisation(api, postal=ADDRESS)
    assert await api.ok(LOST, {"number": organisation.user_number})
    [new_password] = passwords_in(await printed_letters(api, 2))
    # when: twenty people go through the first login at once, half with each letter
    outcomes = await asyncio.gather(*(
        _first_login(api, letters, new_password if i % 2 else letters["initialPassword"], i)
        for i in range(20)
    ))
    # then: exactly one administrateur; the others are refused, never with an internal error
    counts = Counter(outcomes)
    assert counts["administrateur"] == 1, counts
    # (logins beyond the lockout threshold in flight at once are refused: RATE_LIMITED)
    assert set(counts) <= {"administrateur", "complete:CONFLICT", "complete:UNAUTHENTICATED",
                           "login:UNAUTHENTICATED", "login:RATE_LIMITED"}, counts
    [admin] = await User.filter(organisation_id=organisation.id)
    domain = org_domain(organisation.id)
    enforcer = await load_enforcer(domain)
    assert await enforcer.get_users_for_role_in_domain("administrateur", domain) == [
        f"u:{admin.id}"]
    assert await AuditEvent.filter(action="organisation_activated").count() == 1
    row = await Organisation.get(id=organisation.id)
    assert row.administrator_id == admin.id
    assert row.initial_password_hash is None and row.reissued_password_hash is None


async def test_a_second_person_completing_an_activated_letter_hears_it_has_an_administrateur(
    api,
):
    # given: two people opened the letter; the first one completes
    _, letters = await new_organisation(api)
    first, second = [
        (await api.ok(LOGIN, letter_login(letters)))["login"]["token"] for _ in range(2)
    ]
    winner = await api.ok(COMPLETE_FIRST_LOGIN, profile("first@t.example"), first)
    # when: the second one completes later
    error = await api.error(COMPLETE_FIRST_LOGIN, profile("second@t.example"), second)
    # then
    assert (error["extensions"]["code"], error["message"]) == ("CONFLICT", CONFLICT)
    me = await api.ok(ME, token=winner["completeFirstLogin"]["token"])
    assert me["me"]["email"] == "first@t.example"


async def test_an_agents_reissue_racing_twenty_completions_leaves_no_activation_by_the_old_letter(
    api,
):
    # given: twenty sessions opened with the letter, and an agent about to replace it
    organisation, letters = await new_organisation(api)
    agent = await agency_token(api)
    tokens = [(await api.ok(LOGIN, letter_login(letters)))["login"]["token"] for _ in range(20)]
    # when: all of them complete while the agent reissues
    completions = [
        api.gql(COMPLETE_FIRST_LOGIN, profile(f"p{i}@t.example"), token)
        for i, token in enumerate(tokens)
    ]
    reissue, *bodies = await asyncio.gather(
        api.gql(REISSUE, {"org": str(organisation.id)}, agent), *completions
    )
    # then: either the reissue won and the old letter activated nothing, or one completion won
    # before it and the reissue is refused; never both
    winners = [b for b in bodies if "errors" not in b]
    codes = Counter(b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b)
    assert set(codes) <= {"CONFLICT", "UNAUTHENTICATED"}, codes
    row = await Organisation.get(id=organisation.id)
    if "errors" in reissue:
        assert reissue["errors"][0]["extensions"]["code"] == "CONFLICT"
        assert len(winners) == 1 and row.activated_at is not None
    else:
        assert winners == [] and row.activated_at is None
        assert await User.filter(organisation_id=organisation.id).count() == 0
        password = reissue["data"]["reissueActivationLetters"]["initialPassword"]
        assert await letter_opens(api, letters, password)


@pytest.mark.skipif(not PG_URL, reason="a PostgreSQL advisory lock holds the completion in place")
async def test_a_completion_held_while_the_agent_reissues_activates_nothing(api, database_url):
    # given: a letter session whose completion is held just before the activation's UPDATE (the
    # per-organisation lock every habilitation change takes), while an agent reissues the letters
    organisation, letters = await new_organisation(api)
    agent = await agency_token(api)
    token = (await api.ok(LOGIN, letter_login(letters)))["login"]["token"]
    holder = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))",
                                 _POLICY_LOCK_SPACE, org_domain(organisation.id))
            completion = asyncio.create_task(
                api.gql(COMPLETE_FIRST_LOGIN, profile("late@t.example"), token))

            async def held() -> bool:
                return bool(await holder.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))

            await wait_until(held)
            done = (await api.ok(REISSUE, {"org": str(organisation.id)}, agent))[
                "reissueActivationLetters"]
        # when: the completion goes on once the agent's reissue has committed
        body = await completion
    finally:
        await holder.close()
    # then: the replaced letter activated nothing; the new one still can
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    assert (await Organisation.get(id=organisation.id)).activated_at is None
    assert await User.filter(organisation_id=organisation.id).count() == 0
    assert await letter_opens(api, letters, done["initialPassword"])
