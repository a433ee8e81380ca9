"""Finding 8: a login does the same work whatever the account holds.

The process counts its argon2 verifications (decoys included); each kind of login is measured
by that count: an unknown identifier, a letter's identifier, accounts with and without a pending
provisional password (fresh or expired), closed and not-yet-open accounts, right or wrong
password. Locked identifiers, real or not, check nothing at all.
"""

from dataclasses import replace
from datetime import timedelta

import pytest

from models import User
from models.enums import UserStatus
from resolvers.accounts.passwords import verifications
from resolvers.shared.clock import now, today
from tests.accounts.operations import LOGIN, RESET
from tests.support.accounts_support import activated_organisation, new_organisation
from tests.support.factories import PASSWORD, make_user

WRONG = "Pas-Le-Bon-2026"
THRESHOLD = 3


@pytest.fixture
def settings(settings):
    return replace(settings, lockout_threshold=THRESHOLD)


async def _checks(api, identifier: str, password: str) -> int:
    before = verifications.value
    await api.gql(LOGIN, {"identifier": identifier, "password": password})
    return verifications.value - before


async def test_every_kind_of_login_checks_the_same_number_of_hashes(api, smtp):
    # given
    organisation, _, _ = await activated_organisation(api)
    _, letters = await new_organisation(api, "LES PINS")
    for name in ("SIMPLE", "RESET", "EXPIRE", "CLOS", "FUTUR"):
        await make_user(api, organisation, name)
    await api.ok(RESET, {"email": "reset@example.test"})
    await api.ok(RESET, {"email": "expire@example.test"})
    await User.filter(identifier="EXPIRE").update(provisional_expires_at=now())
    await User.filter(identifier="CLOS").update(status=UserStatus.CLOSED, closing_date=today())
    await User.filter(identifier="FUTUR").update(opening_date=today() + timedelta(days=1))
    assert await User.filter(identifier="RESET", provisional_password_hash__isnull=False).exists()
    # when
    work = {
        f"{identifier}/{kind}": await _checks(api, identifier, password)
        for identifier in ("INCONNU", letters["identifier"], "SIMPLE", "RESET", "EXPIRE", "CLOS",
                           "FUTUR")
        for kind, password in (("wrong", WRONG), ("right", PASSWORD))
    }
    work["letter/right"] = await _checks(api, letters["identifier"], letters["initialPassword"])
    # then
    assert set(work.values()) == {2}, work


async def test_locked_identifiers_check_nothing_real_or_not(api, smtp):
    # given: a real account and an unknown identifier, both locked
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    for identifier in ("AGENT1", "INCONNU"):
        for _ in range(THRESHOLD):
            await _checks(api, identifier, WRONG)
    # when / then
    assert [await _checks(api, i, p) for i in ("AGENT1", "INCONNU") for p in (WRONG, PASSWORD)] == [
        0, 0, 0, 0]
