"""Brute-force defence: account locks, the administrator's mail and unlock, per-IP throttling."""

import asyncio
from dataclasses import replace

import pytest

from models import AuditEvent, User
from resolvers.shared.clock import now
from tests.accounts.operations import LOGIN, UNLOCK
from tests.support.accounts_support import NEW_PASSWORD, activated_organisation, body_of
from tests.support.factories import PASSWORD, make_user

ADMIN_MAIL = "admin@tilleuls.example"


async def _fail(api, identifier: str, times: int) -> list[str]:
    codes = []
    for _ in range(times):
        error = await api.error(LOGIN, {"identifier": identifier, "password": "Mauvais-Mot-2026"})
        codes.append(error["extensions"]["code"])
    return codes


async def _login_error(api, identifier: str, password: str) -> dict:
    return await api.error(LOGIN, {"identifier": identifier, "password": password})


async def test_account_locks_after_the_threshold_even_against_the_right_password(
    api, smtp, settings
):
    # given
    organisation, _, _ = await activated_organisation(api, admin_email=ADMIN_MAIL)
    await make_user(api, organisation, "AGENT1")
    n = settings.lockout_threshold
    # when
    codes = await _fail(api, "AGENT1", n)
    # then
    assert codes == ["UNAUTHENTICATED"] * (n - 1) + ["RATE_LIMITED"]
    error = await _login_error(api, "AGENT1", PASSWORD)
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "verrouillé" in error["message"]
    user = await User.get(identifier="AGENT1")
    minutes = (user.locked_until - now()).total_seconds() / 60
    assert settings.lockout_minutes - 1 < minutes <= settings.lockout_minutes
    # the administrator is told, once
    [message] = await smtp.mailbox.wait_for(1)
    assert ADMIN_MAIL in message["To"] and "AGENT1" in body_of(message)
    actions = (
        await AuditEvent.filter(target_id=str(user.id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["login_failed"] * n + ["account_locked"]


async def test_administrator_unlocks_and_the_next_lock_lasts_longer(api, smtp, settings):
    # given: a locked user
    organisation, _, admin_token = await activated_organisation(api, admin_email=ADMIN_MAIL)
    agent = await make_user(api, organisation, "AGENT1")
    await _fail(api, "AGENT1", settings.lockout_threshold)
    # when
    data = await api.ok(UNLOCK, {"id": str(agent.id)}, admin_token)
    # then
    assert data["unlockUser"]["identifier"] == "AGENT1"
    assert await api.login("AGENT1", PASSWORD)
    unlocked = await AuditEvent.get(action="account_unlocked")
    assert unlocked.target_id == str(agent.id) and unlocked.actor_label != "anonyme"
    assert await AuditEvent.filter(action="login_succeeded", target_id=str(agent.id)).count() == 1
    # a success resets the growth; two locks in a row double the time
    await _fail(api, "AGENT1", settings.lockout_threshold)
    await api.ok(UNLOCK, {"id": str(agent.id)}, admin_token)
    await _fail(api, "AGENT1", settings.lockout_threshold)
    user = await User.get(id=agent.id)
    minutes = (user.locked_until - now()).total_seconds() / 60
    assert user.lock_count == 2
    assert 2 * settings.lockout_minutes - 1 < minutes <= 2 * settings.lockout_minutes


async def test_unlock_is_for_managers_of_the_same_organisation(api, smtp, settings):
    organisation, _, admin_token = await activated_organisation(api, admin_email=ADMIN_MAIL)
    other, _, other_admin = await activated_organisation(
        api, "LES PINS", admin_email="a@pins.example"
    )
    agent = await make_user(api, organisation, "AGENT1")
    colleague = await make_user(api, organisation, "AGENT2")
    # another organisation's administrator: not found, like a missing user
    error = await api.error(UNLOCK, {"id": str(agent.id)}, other_admin)
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(UNLOCK, {"id": "999999"}, admin_token)
    assert error["extensions"]["code"] == "NOT_FOUND"
    # a plain user may not unlock
    token = await api.login("AGENT2", PASSWORD)
    error = await api.error(UNLOCK, {"id": str(agent.id)}, token)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert colleague and other
    assert await AuditEvent.filter(action="account_unlocked").count() == 0


async def test_unknown_identifiers_lock_like_real_ones(api, settings):
    codes = await _fail(api, "PERSONNE", settings.lockout_threshold + 1)
    assert codes[-2:] == ["RATE_LIMITED", "RATE_LIMITED"]
    assert codes[: settings.lockout_threshold - 1] == ["UNAUTHENTICATED"] * (
        settings.lockout_threshold - 1
    )


async def test_identifiers_too_long_to_exist_answer_like_unknown_ones(api):
    # Found by the fuzzer: 45 characters, more than an identifier column holds, was an internal
    # error.
    for identifier in ("x" * 41, "पन्ह पन्ह त्र र्च कृकृ ड्ड न्हृे إلا بسم الله"):
        error = await _login_error(api, identifier, "Mauvais-Mot-2026")
        assert error["extensions"]["code"] == "UNAUTHENTICATED", error
        assert error["message"] == (await _login_error(api, "PERSONNE", "x"))["message"]


async def test_letter_credentials_lock_too(api, settings):
    from tests.support.accounts_support import new_organisation

    _, letters = await new_organisation(api)
    await _fail(api, letters["identifier"], settings.lockout_threshold)
    error = await _login_error(api, letters["identifier"], letters["initialPassword"])
    assert error["extensions"]["code"] == "RATE_LIMITED"


class TestPerIpThrottling:
    @pytest.fixture
    def settings(self, settings):
        # A low per-IP limit keeps this test short.
        return replace(settings, ip_attempts_per_minute=12)

    async def test_one_ip_is_throttled_across_identifiers(self, api, settings):
        # given: an attacker trying many identifiers from one address
        second = now().second
        if second >= 57:  # stay inside one fixed window
            await asyncio.sleep(60.2 - second)
        organisation, identifier, _ = await activated_organisation(api, admin_email=ADMIN_MAIL)
        used = 1  # the letter login of activated_organisation
        bodies = await asyncio.gather(
            *(
                api.gql(LOGIN, {"identifier": f"ID{i}", "password": "x"})
                for i in range(settings.ip_attempts_per_minute - used + 2)
            )
        )
        codes = sorted(b["errors"][0]["extensions"]["code"] for b in bodies)
        assert codes.count("RATE_LIMITED") == 2
        # then even the right password from that address waits for the next window
        error = await _login_error(api, identifier, NEW_PASSWORD)
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert "adresse" in error["message"]
        assert organisation
