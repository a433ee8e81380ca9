"""Unknown and known accounts answer in the same time, at the production argon2 cost.

The rest of the suite lowers argon2's cost; these tests restore the default, so they also give
the login latency and mail delivery figures quoted in the README (run with -s to see them).
"""

import statistics
import time
from dataclasses import replace

import pytest

from bailleurs.settings import ARGON2_MEMORY_KIB, ARGON2_TIME_COST
from tests.accounts.operations import LOGIN, RESET
from tests.support.accounts_support import activated_organisation
from tests.support.factories import make_user

TRIES = 50


@pytest.fixture
def settings(settings):
    return replace(
        settings,
        argon2_time_cost=ARGON2_TIME_COST,
        argon2_memory_kib=ARGON2_MEMORY_KIB,
        # Out of the way: this measures the work behind each answer, not the limits.
        lockout_threshold=10_000,
        ip_attempts_per_minute=10_000,
        reset_requests_per_hour=10_000,
        reset_requests_per_ip_hour=10_000,
    )


async def _seconds(api, query: str, variables: dict) -> float:
    started = time.perf_counter()
    body = await api.gql(query, variables)
    elapsed = time.perf_counter() - started
    assert body  # every answer is the same shape; the content is checked elsewhere
    return elapsed


async def _medians(api, query: str, known: dict, unknown) -> tuple[float, float]:
    for i in range(3):  # warm-up: caches, the decoy hash, the connection
        await _seconds(api, query, known)
        await _seconds(api, query, unknown(i))
    a, b = [], []
    for i in range(TRIES):  # interleaved, so that load on the machine hits both alike
        a.append(await _seconds(api, query, known))
        b.append(await _seconds(api, query, unknown(100 + i)))
    return statistics.median(a), statistics.median(b)


def _close(known: float, unknown: float) -> bool:
    return abs(known - unknown) <= 0.2 * max(known, unknown)


async def test_login_answers_unknown_identifiers_in_the_same_time(api):
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    known, unknown = await _medians(
        api,
        LOGIN,
        {"identifier": "AGENT1", "password": "Pas-Le-Bon-2026"},
        lambda i: {"identifier": f"INCONNU{i}", "password": "Pas-Le-Bon-2026"},
    )
    print(f"\nlogin, wrong password: known {known * 1000:.0f} ms, unknown {unknown * 1000:.0f} ms")
    assert _close(known, unknown), (known, unknown)


async def test_password_reset_answers_unknown_addresses_in_the_same_time(api, smtp):
    organisation, _, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    known, unknown = await _medians(
        api,
        RESET,
        {"email": "agent1@example.test"},
        lambda i: {"email": f"inconnu{i}@example.test"},
    )
    print(f"\nrequestPasswordReset: known {known * 1000:.0f} ms, unknown {unknown * 1000:.0f} ms")
    assert _close(known, unknown), (known, unknown)


async def test_login_latency_and_mail_delivery(api, smtp):
    organisation, identifier, _ = await activated_organisation(api)
    await make_user(api, organisation, "AGENT1")
    logins = []
    for _ in range(15):
        started = time.perf_counter()
        await api.login("AGENT1", "Motdepasse-Test-1")
        logins.append(time.perf_counter() - started)
    deliveries = []
    for i in range(10):
        await api.ok(RESET, {"email": "agent1@example.test"})
        answered = time.perf_counter()  # the mail is committed to the outbox by now
        await smtp.mailbox.wait_for(i + 1, timeout=30)
        deliveries.append(time.perf_counter() - answered)
    login_ms = statistics.median(logins) * 1000
    mail_ms = statistics.median(deliveries) * 1000
    print(
        f"\nlogin (argon2 t={ARGON2_TIME_COST}, m={ARGON2_MEMORY_KIB} KiB):"
        f" median {login_ms:.0f} ms;"
        f" outbox to SMTP delivery: median {mail_ms:.0f} ms"
    )
    assert login_ms < 5000 and mail_ms < 5000
    assert identifier
