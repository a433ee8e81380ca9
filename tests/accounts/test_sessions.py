"""Sessions: expiry, revocation, account dates and closure, the cookie and its CSRF token."""

from datetime import timedelta

import httpx

from models import Session, User
from models.enums import UserStatus
from resolvers.accounts.sessions import token_digest
from resolvers.shared.clock import now, today
from tests.accounts.operations import CHANGE_PASSWORD, LOGIN, LOGOUT, ME
from tests.support.accounts_support import activated_organisation
from tests.support.factories import PASSWORD, make_user


async def _session(token: str) -> Session:
    return await Session.get(token_hash=token_digest(token))


async def _code(api, token: str) -> str | None:
    body = await api.gql(ME, token=token)
    return body["errors"][0]["extensions"]["code"] if "errors" in body else None


async def test_tokens_are_stored_hashed_and_slide_while_used(api):
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    token = await api.login("AGENT1", PASSWORD)
    assert not await Session.filter(token_hash=token).exists()
    session = await _session(token)
    # a request more than a minute after the last one pushes the idle expiry back
    await Session.filter(id=session.id).update(
        last_seen_at=now() - timedelta(minutes=5), expires_at=now() + timedelta(minutes=2)
    )
    assert await _code(api, token) is None
    await session.refresh_from_db()
    assert session.expires_at > now() + timedelta(minutes=20)


async def test_idle_and_absolute_expiry_end_a_session(api):
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    idle, absolute = await api.login("AGENT1", PASSWORD), await api.login("AGENT1", PASSWORD)
    await Session.filter(token_hash=token_digest(idle)).update(expires_at=now())
    await Session.filter(token_hash=token_digest(absolute)).update(absolute_expires_at=now())
    assert await _code(api, idle) == "UNAUTHENTICATED"
    assert await _code(api, absolute) == "UNAUTHENTICATED"


async def test_logout_revokes_only_that_session(api):
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    first, second = await api.login("AGENT1", PASSWORD), await api.login("AGENT1", PASSWORD)
    assert (await api.ok(LOGOUT, token=first))["logout"] is True
    assert await _code(api, first) == "UNAUTHENTICATED"
    assert await _code(api, second) is None


async def test_password_change_revokes_every_session_and_opens_a_new_one(api):
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    first, second = await api.login("AGENT1", PASSWORD), await api.login("AGENT1", PASSWORD)
    # a wrong current password, then a weak new one, change nothing
    wrong = await api.error(
        CHANGE_PASSWORD, {"current": "Faux-Secret-2026", "new": "Tout-Neuf-2026!"}, first
    )
    assert wrong["extensions"]["fields"] == {
        "currentPassword": "Le mot de passe actuel est incorrect."
    }
    weak = await api.error(CHANGE_PASSWORD, {"current": PASSWORD, "new": "faible"}, first)
    assert "au moins 12 caractères" in weak["extensions"]["fields"]["newPassword"]
    assert await _code(api, second) is None
    # when
    data = await api.ok(CHANGE_PASSWORD, {"current": PASSWORD, "new": "Tout-Neuf-2026!"}, first)
    # then
    assert await _code(api, first) == "UNAUTHENTICATED"
    assert await _code(api, second) == "UNAUTHENTICATED"
    assert await _code(api, data["changePassword"]["token"]) is None
    assert await api.login("AGENT1", "Tout-Neuf-2026!")
    error = await api.error(LOGIN, {"identifier": "AGENT1", "password": PASSWORD})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_users_outside_their_dates_cannot_log_in_and_lose_their_sessions(api):
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "FUTUR", opening_date=today() + timedelta(days=1))
    await make_user(api, organisation, "PARTI")
    token = await api.login("PARTI", PASSWORD)
    # not open yet: the right password answers as a wrong one (it confirms nothing)
    error = await api.error(LOGIN, {"identifier": "FUTUR", "password": PASSWORD})
    wrong = await api.error(LOGIN, {"identifier": "FUTUR", "password": "Pas-Le-Bon-2026"})
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and error == wrong
    # past the closing date: the running session stops, and login is refused
    await User.filter(identifier="PARTI").update(closing_date=today() - timedelta(days=1))
    assert await _code(api, token) == "UNAUTHENTICATED"
    error = await api.error(LOGIN, {"identifier": "PARTI", "password": PASSWORD})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_closed_users_lose_their_sessions(api):
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    token = await api.login("AGENT1", PASSWORD)
    await User.filter(identifier="AGENT1").update(status=UserStatus.CLOSED)
    assert await _code(api, token) == "UNAUTHENTICATED"
    error = await api.error(LOGIN, {"identifier": "AGENT1", "password": PASSWORD})
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_cookie_sessions_need_the_csrf_header_for_mutations(api):
    # given: a browser that logged in and holds the HttpOnly cookie
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    browser = httpx.AsyncClient(transport=api.client._transport, base_url="https://testserver")
    async with browser:
        response = await browser.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"identifier": "AGENT1", "password": PASSWORD}},
        )
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
        csrf = response.json()["data"]["login"]["csrfToken"]
        # when: a mutation comes with the cookie but without the header (a forged form)
        forged = await browser.post("/graphql", json={"query": LOGOUT})
        # then
        assert forged.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        wrong = await browser.post(
            "/graphql", json={"query": LOGOUT}, headers={"X-CSRF-Token": "devine"}
        )
        assert wrong.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        # queries by GET need no header; the same mutation with it works
        read = await browser.get("/graphql", params={"query": ME})
        assert read.json()["data"]["me"]["identifier"] == "AGENT1"
        done = await browser.post(
            "/graphql", json={"query": LOGOUT}, headers={"X-CSRF-Token": csrf}
        )
        assert done.json() == {"data": {"logout": True}}
        assert "bailleurs_session" not in browser.cookies
        again = await browser.get("/graphql", params={"query": ME})
        assert again.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
