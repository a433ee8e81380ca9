"""Finding 2: concurrent requests cannot fork the audit hash chain.

The attack: a burst of failed logins with unknown identifiers (anonymous events written outside
any business transaction), mixed with password-reset requests (anonymous events inside one) and
administrators' mutations (events inside theirs), all at once; the chain still verifies.
"""

import asyncio
from dataclasses import replace

import pytest

from bailleurs.agency import create_agent
from models import AuditEvent
from tests.accounts.operations import LOGIN, RESET, UNLOCK
from tests.support.accounts_support import activated_organisation
from tests.support.factories import PASSWORD, make_user

VERIFY = "{ verifyAuditChain { ok checked firstBrokenId } }"
BURST = 24


@pytest.fixture
def settings(settings):
    return replace(
        settings, ip_attempts_per_minute=10_000, reset_requests_per_ip_hour=10_000,
        reset_requests_per_hour=10_000,
    )


async def test_a_burst_of_anonymous_and_authenticated_events_keeps_the_chain_whole(api, smtp):
    # given
    organisation, _, admin = await activated_organisation(api)
    agents = [await make_user(api, organisation, f"AGENT{i}") for i in range(BURST // 2)]
    await create_agent(api.services.settings, "auditeur", "CAF.AUDIT", PASSWORD)
    auditor = await api.login("CAF.AUDIT", PASSWORD)
    before = await AuditEvent.all().count()
    # when: failed logins (no transaction), resets and unlocks (in their transactions), together
    bodies = await asyncio.gather(
        *(api.gql(LOGIN, {"identifier": f"PERSONNE{i}", "password": "x"}) for i in range(BURST)),
        *(api.gql(RESET, {"email": f"agent{i}@example.test"}) for i in range(BURST // 2)),
        *(api.gql(UNLOCK, {"id": str(a.id)}, admin) for a in agents),
    )
    # then: every request did its work, and each event chains onto the one before it
    codes = [e["extensions"]["code"] for b in bodies for e in b.get("errors", [])]
    assert codes == ["UNAUTHENTICATED"] * BURST, codes
    written = await AuditEvent.all().count() - before
    assert written == BURST + BURST // 2 + len(agents)
    report = (await api.ok(VERIFY, token=auditor))["verifyAuditChain"]
    assert report == {"ok": True, "checked": before + written, "firstBrokenId": None}
