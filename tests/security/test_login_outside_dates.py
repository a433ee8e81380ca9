"""An account outside its dates (closed, past its closing date, before its opening date) answers
the right password exactly as a wrong one, and the attempt counts towards the lockout: a login
confirms nothing about a password it will not honour."""

from dataclasses import replace
from datetime import timedelta

import pytest

from models import AuditEvent, User
from models.enums import UserStatus
from resolvers.shared.clock import now, today
from tests.accounts.operations import LOGIN
from tests.support.accounts_support import activated_organisation
from tests.support.factories import PASSWORD, make_user

THRESHOLD = 3
WRONG = "Pas-Le-Bon-2026"


@pytest.fixture
def settings(settings):
    return replace(settings, lockout_threshold=THRESHOLD)


def _outside() -> dict[str, dict]:
    return {
        "CLOS": {"status": UserStatus.CLOSED, "closing_date": today()},
        "PARTI": {"closing_date": today() - timedelta(days=1)},
        "FUTUR": {"opening_date": today() + timedelta(days=1)},
    }


async def _answer(api, identifier: str, password: str) -> dict:
    body = await api.gql(LOGIN, {"identifier": identifier, "password": password})
    assert body["data"] is None or body["data"]["login"] is None, body
    return body["errors"][0]


@pytest.mark.parametrize("identifier", ["CLOS", "PARTI", "FUTUR"])
async def test_the_right_password_answers_as_a_wrong_one_and_counts(api, smtp, identifier):
    # given
    organisation, _, _ = await activated_organisation(api)
    user = await make_user(api, organisation, identifier)
    await User.filter(id=user.id).update(**_outside()[identifier])
    # when
    right = await _answer(api, identifier, PASSWORD)
    wrong = await _answer(api, identifier, WRONG)
    # then: the same answer, word for word
    assert right == wrong and right["extensions"]["code"] == "UNAUTHENTICATED"
    # and the right password counts: the threshold-th attempt locks
    last = await _answer(api, identifier, PASSWORD)
    assert last["extensions"]["code"] == "RATE_LIMITED"
    assert (await User.get(id=user.id)).locked_until > now()
    actions = await AuditEvent.filter(target_type="user", target_id=str(user.id)).values_list(
        "action", flat=True)
    assert sorted(actions) == ["account_locked"] + ["login_failed"] * THRESHOLD
