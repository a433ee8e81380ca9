"""The session lookup is one raw statement (resolvers.accounts.sessions._session_and_user): it
reads what Tortoise's `select_related("user")` read, value for value, and decides as before —
read on every request, so that a revocation, an expiry or a suspension refuses the very next
request, however many arrive together."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from models import Session, Tenant, User
from models.enums import UserStatus
from resolvers.accounts.sessions import _session_and_user, token_digest
from resolvers.shared.clock import now, today
from tests.accounts.operations import LOGIN, LOGOUT, ME
from tests.declarations.operations import TENANTS
from tests.support.accounts_support import activated_organisation, agency_token, new_organisation
from tests.support.factories import PASSWORD, group, make_user

BURST = 20


async def _codes(api, token: str, n: int = 1) -> list[str | None]:
    bodies = await asyncio.gather(*(api.gql(ME, token=token) for _ in range(n)))
    return [b["errors"][0]["extensions"]["code"] if "errors" in b else None for b in bodies]


def _values(model) -> dict:
    return {name: getattr(model, name) for name in model._meta.fields_db_projection}


async def _same_as_tortoise(token: str) -> None:
    """Every column of the session and of its user, with its Python type, as Tortoise read."""
    expected = await Session.get(token_hash=token_digest(token)).select_related("user")
    session, user = await _session_and_user(token)
    assert session is not None
    assert _values(session) == _values(expected)
    assert {k: type(v) for k, v in _values(session).items()} == {
        k: type(v) for k, v in _values(expected).items()}
    if expected.user is None:
        assert user is None
    else:
        assert user is not None
        assert _values(user) == _values(expected.user)
        assert {k: type(v) for k, v in _values(user).items()} == {
            k: type(v) for k, v in _values(expected.user).items()}


async def test_the_lookup_reads_what_tortoise_read_for_every_kind_of_session(api):
    organisation, letters = await new_organisation(api, "LES ORMES")
    letter = (await api.ok(LOGIN, {"identifier": letters["identifier"],
                                   "password": letters["initialPassword"]}))["login"]["token"]
    other, _, admin = await activated_organisation(api)
    await make_user(api, other, "DATED", opening_date=today() - timedelta(days=3),
                    closing_date=today() + timedelta(days=3))
    dated = await api.login("DATED", PASSWORD)
    agent = await agency_token(api)
    for token in (letter, admin, dated, agent):  # first login, administrateur, dates, agency
        await _same_as_tortoise(token)
    session, user = await _session_and_user("not a token")
    assert (session, user) == (None, None)
    # and the principal is the one the service acts for
    assert (await api.ok(ME, token=dated))["me"]["identifier"] == "DATED"
    assert (await api.ok(ME, token=admin))["me"]["organisation"]["name"] == "LES TILLEULS"


async def test_each_reason_to_refuse_a_session_refuses_it_on_the_next_request(api):
    organisation, _, _ = await activated_organisation(api)
    cases = {
        "REVOKED": {"session": {"revoked_at": now()}},
        "IDLE": {"session": {"expires_at": now() - timedelta(seconds=1)}},
        "ABSOLUTE": {"session": {"absolute_expires_at": now() - timedelta(seconds=1)}},
        "SUSPENDED": {"user": {"suspended_at": now()}},
        "CLOSED": {"user": {"status": UserStatus.CLOSED}},
        "NOT.YET": {"user": {"opening_date": today() + timedelta(days=1)}},
        "NO.MORE": {"user": {"closing_date": today() - timedelta(days=1)}},
    }
    tokens = {}
    for identifier in (*cases, "LOCKED"):
        user = await make_user(api, organisation, identifier)
        tokens[identifier] = (user, await api.login(identifier, PASSWORD))
        assert await _codes(api, tokens[identifier][1]) == [None]
    for identifier, change in cases.items():
        user, token = tokens[identifier]
        await Session.filter(token_hash=token_digest(token)).update(**change.get("session", {}))
        await User.filter(id=user.id).update(**change.get("user", {}))
        await _same_as_tortoise(token)
        assert await _codes(api, token) == ["UNAUTHENTICATED"], identifier
    # A lock stops logins, not the sessions already open (as before the raw lookup).
    user, token = tokens["LOCKED"]
    await User.filter(id=user.id).update(locked_until=now() + timedelta(minutes=15),
                                         failed_logins=5, lock_count=1)
    await _same_as_tortoise(token)
    assert await _codes(api, token) == [None]


async def test_a_burst_right_after_a_revocation_is_refused_whole(api):
    organisation, _, _ = await activated_organisation(api)
    user = await make_user(api, organisation, "BURST")
    token, kept = await api.login("BURST", PASSWORD), await api.login("BURST", PASSWORD)
    # warm: the session answered BURST times in parallel
    assert await _codes(api, token, BURST) == [None] * BURST
    # revoked by another request (logout), then BURST requests at once: every one refused
    assert (await api.ok(LOGOUT, token=token))["logout"] is True
    assert await _codes(api, token, BURST) == ["UNAUTHENTICATED"] * BURST
    # the user's other session is untouched; suspended in the database, it ends at once too
    assert await _codes(api, kept, BURST) == [None] * BURST
    await User.filter(id=user.id).update(suspended_at=now())
    assert await _codes(api, kept, BURST) == ["UNAUTHENTICATED"] * BURST


async def test_a_user_of_another_organisation_reads_its_own_only(api):
    tilleuls, _, _ = await activated_organisation(api)
    ormes, _, _ = await activated_organisation(api, "LES ORMES", admin_email="admin@ormes.example")
    await make_user(api, tilleuls, "T.READER",
                    groups=(await group(tilleuls, "conventionne", "14"),))
    await make_user(api, ormes, "O.READER", groups=(await group(ormes, "conventionne", "14"),))
    mine, theirs = await api.login("T.READER", PASSWORD), await api.login("O.READER", PASSWORD)

    async def organisations(token: str) -> set[int]:
        page = (await api.ok(TENANTS, {"first": 50}, token))["tenants"]
        ids = [int(edge["node"]["id"]) for edge in page["edges"]]
        assert ids
        return set(await Tenant.filter(id__in=ids).values_list("organisation_id", flat=True))

    assert await organisations(mine) == {tilleuls.id}
    assert await organisations(theirs) == {ormes.id}
    me = await api.ok(ME, token=theirs)
    assert me["me"]["organisation"]["name"] == "LES ORMES"
