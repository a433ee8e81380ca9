"""Finding 9: `closeUser` refuses a closing date before the opening date, and a past one, as its
schema description says; today closes at once, a later date closes then."""

from __future__ import annotations

from datetime import timedelta

from models import AuditEvent, User
from models.enums import UserStatus
from resolvers.shared.clock import today
from tests.habilitations.operations import CLOSE_USER
from tests.support.accounts_support import activated_organisation
from tests.support.factories import PASSWORD, make_user

DESCRIPTION = """query { __type(name: "Mutation") { fields { name description } } }"""


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


async def test_a_closing_date_before_the_opening_date_is_refused(api):
    # given: a user whose access opens in a month
    organisation, _, admin = await activated_organisation(api)
    user = await make_user(api, organisation, "FUTUR", opening_date=today() + timedelta(days=30))
    # when: the administrateur closes it before it opens
    error = await api.error(CLOSE_USER, {"u": str(user.id), "d": days(10)}, admin)
    # then: a user error in French, on the field, and nothing changed or audited
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "précède la date d'ouverture" in error["extensions"]["fields"]["closingDate"]
    row = await User.get(id=user.id)
    assert (row.closing_date, row.status) == (None, UserStatus.ACTIVE)
    assert not await AuditEvent.filter(action="user_closed").exists()
    # the opening day itself is accepted
    data = await api.ok(CLOSE_USER, {"u": str(user.id), "d": days(30)}, admin)
    assert data["closeUser"]["closingDate"] == days(30)


async def test_a_past_closing_date_is_refused_as_the_description_says(api):
    organisation, _, admin = await activated_organisation(api)
    user = await make_user(api, organisation, "PASSE")
    for past in (days(-1), "2020-01-01", "0001-01-01"):
        error = await api.error(CLOSE_USER, {"u": str(user.id), "d": past}, admin)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", past
        assert "ne peut pas être passée" in error["message"]
    assert await api.login("PASSE", PASSWORD)
    fields = (await api.ok(DESCRIPTION, token=admin))["__type"]["fields"]
    [description] = [f["description"] for f in fields if f["name"] == "closeUser"]
    assert "Une date passée" in description and "refusée" in description


async def test_today_closes_at_once_and_a_later_date_closes_then(api):
    organisation, _, admin = await activated_organisation(api)
    now_user = await make_user(api, organisation, "AUJOURDHUI")
    later_user = await make_user(api, organisation, "PLUSTARD")
    token = await api.login("AUJOURDHUI", PASSWORD)
    closed = await api.ok(CLOSE_USER, {"u": str(now_user.id), "d": days(0)}, admin)
    assert closed["closeUser"]["status"] == "closed"
    assert (await api.error("query { me { id } }", token=token))["extensions"]["code"] == (
        "UNAUTHENTICATED")
    later = await api.ok(CLOSE_USER, {"u": str(later_user.id), "d": days(7)}, admin)
    assert later["closeUser"] == {"id": str(later_user.id), "status": "active",
                                  "closingDate": days(7)}
    assert await api.login("PLUSTARD", PASSWORD)
