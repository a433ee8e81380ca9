"""Finding 1: parallel logins cannot get past the lockout.

The attack: one burst of 20 logins for one account, 19 wrong passwords and the right one in a
random place. Whatever the interleaving, at most `lockout_threshold` passwords are checked (seen
in the argon2 verification count and in the audit trail) before the lock or a success, and a
token is only ever issued before the lock, never after it.
"""

import asyncio
import random
from collections import Counter
from dataclasses import replace

import pytest

from models import AuditEvent, User
from resolvers.accounts.passwords import verifications
from resolvers.shared.clock import now
from tests.accounts.operations import CHANGE_PASSWORD, LOGIN
from tests.support.accounts_support import activated_organisation
from tests.support.factories import PASSWORD, make_user

THRESHOLD = 5
BURST = 20
ROUNDS = 4
WRONG = "Mauvais-Mot-2026"
# A login checks two hashes (the password and the provisional one, or a decoy).
HASHES_PER_LOGIN = 2


@pytest.fixture
def settings(settings):
    return replace(settings, lockout_threshold=THRESHOLD, ip_attempts_per_minute=10_000)


async def _burst(api, identifier: str, passwords: list[str]) -> list[dict]:
    return list(await asyncio.gather(
        *(api.gql(LOGIN, {"identifier": identifier, "password": p}) for p in passwords)
    ))


def _outcomes(bodies: list[dict]) -> list[str]:
    return sorted(
        "TOKEN" if b.get("data") and b["data"]["login"] else b["errors"][0]["extensions"]["code"]
        for b in bodies
    )


async def _actions(user: User) -> list[tuple[int, str]]:
    return await AuditEvent.filter(target_type="user", target_id=str(user.id)).order_by(
        "id").values_list("id", "action")


async def test_a_burst_of_wrong_passwords_checks_only_the_threshold_then_locks(api, smtp):
    # given
    organisation, _, _ = await activated_organisation(api)
    user = await make_user(api, organisation, "AGENT1")
    before = verifications.value
    # when: 20 wrong passwords at once, then the right one
    outcomes = _outcomes(await _burst(api, "AGENT1", [WRONG] * BURST))
    right = await api.error(LOGIN, {"identifier": "AGENT1", "password": PASSWORD})
    # then: five passwords checked, the fifth failure locks, the other fifteen are refused unseen
    assert verifications.value - before == THRESHOLD * HASHES_PER_LOGIN
    assert outcomes == ["RATE_LIMITED"] * (BURST - THRESHOLD + 1) + ["UNAUTHENTICATED"] * (
        THRESHOLD - 1)
    # (the failures checked alongside the fifth may be written after its lock)
    assert Counter(a for _, a in await _actions(user)) == {
        "login_failed": THRESHOLD, "account_locked": 1}
    assert right["extensions"]["code"] == "RATE_LIMITED"
    assert (await User.get(id=user.id)).locked_until > now()
    await smtp.mailbox.wait_for(1)
    await asyncio.sleep(0.3)
    assert len(smtp.mailbox.messages) == 1  # the administrator is told once


async def test_the_right_password_racing_wrong_ones_never_gets_past_a_lock(api, smtp):
    organisation, _, _ = await activated_organisation(api)
    for round_ in range(ROUNDS):
        # given: a fresh account each round; the right password somewhere among 19 wrong ones
        user = await make_user(api, organisation, f"AGENT{round_}")
        passwords = [WRONG] * (BURST - 1) + [PASSWORD]
        random.shuffle(passwords)
        before = verifications.value
        # when
        bodies = await _burst(api, user.identifier, passwords)
        # then: never more than the threshold checked, whatever won, but that a success (the
        # right password, which the caller had) starts a new count as it would one by one
        checked = verifications.value - before
        events = await _actions(user)
        series = 2 if any(a == "login_succeeded" for _, a in events) else 1
        assert checked <= series * THRESHOLD * HASHES_PER_LOGIN, (round_, checked, events)
        verified = [a for _, a in events if a in ("login_failed", "login_succeeded")]
        # each check leaves an event, but the right password refused by a lock set meanwhile
        extra = checked // HASHES_PER_LOGIN - len(verified)
        assert extra == 0 or (extra == 1 and "login_succeeded" not in verified), events
        outcomes = _outcomes(bodies)
        assert set(outcomes) <= {"TOKEN", "RATE_LIMITED", "UNAUTHENTICATED"}, bodies
        locks = [i for i, a in events if a == "account_locked"]
        successes = [i for i, a in events if a == "login_succeeded"]
        assert len(locks) <= 1 and outcomes.count("TOKEN") == len(successes) <= 1
        if successes:  # the success came first: any lock is after it
            assert all(lock > successes[0] for lock in locks), events
        else:  # nobody got in: the account is locked
            assert locks and (await User.get(id=user.id)).locked_until > now(), events


async def test_a_burst_on_the_letter_checks_only_the_threshold(api):
    from tests.support.accounts_support import new_organisation

    # given: an organisation's letter, not yet used
    _, letters = await new_organisation(api)
    before = verifications.value
    # when: 19 wrong passwords and the letter's own, at once
    passwords = [WRONG] * (BURST - 1) + [letters["initialPassword"]]
    random.shuffle(passwords)
    outcomes = _outcomes(await _burst(api, letters["identifier"], passwords))
    # then
    assert verifications.value - before <= THRESHOLD * HASHES_PER_LOGIN
    assert outcomes.count("RATE_LIMITED") >= BURST - THRESHOLD
    if "TOKEN" not in outcomes:  # locked: the right password is refused now
        error = await api.error(
            LOGIN, {"identifier": letters["identifier"], "password": letters["initialPassword"]})
        assert error["extensions"]["code"] == "RATE_LIMITED"


async def test_a_burst_of_wrong_current_passwords_checks_only_the_threshold(api, smtp):
    # given: someone holding a session tries to guess its current password, in parallel
    organisation, _, _ = await activated_organisation(api)
    user = await make_user(api, organisation, "AGENT1")
    token = await api.login("AGENT1", PASSWORD)
    before = verifications.value
    # when
    bodies = await asyncio.gather(*(
        api.gql(CHANGE_PASSWORD, {"current": WRONG, "new": "Tout-Neuf-2026!"}, token)
        for _ in range(BURST)
    ))
    # then
    assert verifications.value - before == THRESHOLD
    codes = sorted(b["errors"][0]["extensions"]["code"] for b in bodies)
    assert codes.count("RATE_LIMITED") == BURST - THRESHOLD + 1, codes
    assert (await User.get(id=user.id)).locked_until > now()
