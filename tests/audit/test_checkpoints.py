"""Checkpoints of the audit trail: one per block of events, signed and chained, written in the
serialised append; verification from the last one costs what was added, and a full one catches
an old event rewritten with every digest after it recomputed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models import AuditCheckpoint, AuditEvent
from tests.support.trail_tamper import failed_logins, rewritten_from, tamper

EVERY = 10
KEY = "clé-de-test-des-points-de-contrôle"
BURST = 24
VERIFY = """query($full: Boolean!) { verifyAuditChain(full: $full) {
  ok checked firstBrokenId checkpoints firstBrokenCheckpointId full trustedCheckpointId } }"""


@pytest.fixture
def settings(settings):
    return replace(settings, audit_checkpoint_every=EVERY, audit_checkpoint_key=KEY,
                   ip_attempts_per_minute=10_000)


async def _verify(api, token: str, full: bool) -> dict:
    return (await api.ok(VERIFY, {"full": full}, token))["verifyAuditChain"]


async def _burst(api) -> None:
    await failed_logins(api, BURST)


async def test_a_burst_across_block_ends_writes_exactly_one_checkpoint_per_block(api, world):
    # given: the world's events, then a burst crossing at least two block ends
    before = await AuditEvent.all().count()
    # when
    await _burst(api)
    # then: one checkpoint per full block, each closing exactly EVERY more events, chained
    total = await AuditEvent.all().count()
    assert total == before + BURST
    marks = await AuditCheckpoint.all().order_by("id")
    assert len(marks) == total // EVERY >= 2
    ids = await AuditEvent.all().order_by("id").values_list("id", flat=True)
    assert [m.last_event_id for m in marks] == [ids[EVERY * (k + 1) - 1] for k in range(len(marks))]
    assert [m.events for m in marks] == [EVERY * (k + 1) for k in range(len(marks))]
    assert [m.prev_digest for m in marks[1:]] == [m.digest for m in marks[:-1]]
    report = await _verify(api, world.auditor_token, full=True)
    assert report == {"ok": True, "checked": total, "firstBrokenId": None,
                      "checkpoints": len(marks), "firstBrokenCheckpointId": None, "full": True,
                      "trustedCheckpointId": None}


async def test_by_default_only_what_was_added_since_the_last_checkpoint_is_checked(api, world):
    await _burst(api)
    total = await AuditEvent.all().count()
    last = await AuditCheckpoint.all().order_by("-id").first()
    report = await _verify(api, world.auditor_token, full=False)
    assert report == {"ok": True, "checked": total - last.events, "firstBrokenId": None,
                      "checkpoints": 1, "firstBrokenCheckpointId": None, "full": False,
                      "trustedCheckpointId": str(last.id)}


async def test_an_old_event_rewritten_with_the_chain_recomputed_is_caught_by_its_checkpoint(
    api, world
):
    # given: someone with database access rewrites the third event, then recomputes every
    # digest after it so that the hash chain alone holds again
    await _burst(api)
    events = await AuditEvent.all().order_by("id")
    await tamper("audit_event", rewritten_from(events, 2, '{"zones": ["75"]}'))
    marks = await AuditCheckpoint.all().order_by("id")
    # when
    full = await _verify(api, world.auditor_token, full=True)
    recent = await _verify(api, world.auditor_token, full=False)
    # then: every link holds, but the first checkpoint no longer vouches for its block
    assert full["ok"] is False and full["firstBrokenId"] is None
    assert full["firstBrokenCheckpointId"] == str(marks[0].id)
    assert full["checked"] == marks[0].events
    # and the incremental check, whose anchor event changed digest, refuses to start from it
    assert recent["ok"] is False and recent["firstBrokenCheckpointId"] == str(marks[-1].id)


async def test_an_old_edit_is_found_by_the_full_check_the_recent_one_reads_only_the_tail(
    api, world
):
    await _burst(api)
    victim = await AuditEvent.all().order_by("id").offset(3).first()
    await tamper("audit_event", [
        f"""UPDATE audit_event SET after = '{{"zones": ["75"]}}' WHERE id = {victim.id}"""
    ])
    full = await _verify(api, world.auditor_token, full=True)
    assert full["ok"] is False and full["firstBrokenId"] == str(victim.id)
    assert (await _verify(api, world.auditor_token, full=False))["ok"] is True


async def test_a_checkpoint_signed_without_the_key_is_refused(api, world):
    # given: the last checkpoint re-signed by someone without the key (plain SHA-256)
    await _burst(api)
    marks = await AuditCheckpoint.all().order_by("id")
    forged = "f" * 64
    await tamper("audit_checkpoint", [
        f"UPDATE audit_checkpoint SET digest = '{forged}' WHERE id = {marks[-1].id}"
    ])
    # when / then: both checks name it
    for full in (False, True):
        report = await _verify(api, world.auditor_token, full=full)
        assert report["ok"] is False, full
        assert report["firstBrokenCheckpointId"] == str(marks[-1].id), full


async def test_the_key_is_not_printed_with_the_settings(settings):
    assert KEY not in repr(settings)
