"""A full verification checked in parallel processes, span by span, answers exactly what the
sequential walk answers — intact or tampered in any span — and runs one at a time per process."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from models import AuditCheckpoint, AuditEvent
from resolvers.audit.verification import BUSY, ChainReport, verify_chain
from tests.audit.operations import VERIFY_HEAD
from tests.support.trail_tamper import failed_logins, rewritten_from, tamper

EVERY = 10
KEY = "clé-de-test-de-la-vérification-parallèle"
BURST = 20


@pytest.fixture
def settings(settings):
    # Parallel from the first event: the small trail of a test is cut into spans like a big one.
    return replace(settings, audit_checkpoint_every=EVERY, audit_checkpoint_key=KEY,
                   ip_attempts_per_minute=10_000, audit_verify_parallel_from=1)


def _as_graphql(r: ChainReport) -> dict:
    def opt(value: int | None) -> str | None:
        return None if value is None else str(value)

    return {"ok": r.ok, "checked": r.checked, "firstBrokenId": opt(r.first_broken_id),
            "checkpoints": r.checkpoints,
            "firstBrokenCheckpointId": opt(r.first_broken_checkpoint_id), "full": True,
            "head": r.head.as_graphql() if r.head else None, "anchorProblem": None}


async def _nothing(events, marks) -> None:
    return None


async def _edit_early(events, marks) -> None:
    await tamper("audit_event", [
        f"""UPDATE audit_event SET after = '{{"zones": ["75"]}}' WHERE id = {events[3].id}"""])


async def _edit_late(events, marks) -> None:
    await tamper("audit_event", [
        f"UPDATE audit_event SET actor_label = 'X' WHERE id = {events[-4].id}"])


async def _rewrite_the_chain(events, marks) -> None:
    await tamper("audit_event", rewritten_from(events, len(events) // 2, '{"zones": ["13"]}'))


async def _delete_in_the_middle(events, marks) -> None:
    victim = events[len(events) // 2]
    await tamper("audit_event", [f"DELETE FROM audit_event WHERE id = {victim.id}"])


async def _delete_a_checkpoints_event(events, marks) -> None:
    await tamper("audit_event", [f"DELETE FROM audit_event WHERE id = {marks[2].last_event_id}"])


async def _forge_a_checkpoint(events, marks) -> None:
    await tamper("audit_checkpoint", [
        f"UPDATE audit_checkpoint SET digest = '{'e' * 64}' WHERE id = {marks[1].id}"])


async def _drop_a_checkpoint(events, marks) -> None:
    await tamper("audit_checkpoint", [f"DELETE FROM audit_checkpoint WHERE id = {marks[3].id}"])


async def _miscount_the_last_checkpoint(events, marks) -> None:
    # The count is signed too: changed, the checkpoint no longer holds.
    await tamper("audit_checkpoint", [
        f"UPDATE audit_checkpoint SET events = events + 1 WHERE id = {marks[-1].id}"])


@pytest.mark.parametrize("change", [
    _nothing, _edit_early, _edit_late, _rewrite_the_chain, _delete_in_the_middle,
    _delete_a_checkpoints_event, _forge_a_checkpoint, _drop_a_checkpoint,
    _miscount_the_last_checkpoint,
], ids=lambda f: f.__name__.strip("_"))
async def test_the_parallel_check_reports_what_the_sequential_walk_reports(api, world, change):
    # given: a trail of several blocks, changed (or not) behind the product's back
    await failed_logins(api, 60)
    events = await AuditEvent.all().order_by("id")
    marks = await AuditCheckpoint.all().order_by("id")
    assert len(marks) >= 5
    await change(events, marks)
    # when: the parallel check through the endpoint, and the sequential walk in this process
    parallel = (await api.ok(VERIFY_HEAD, {"full": True}, world.auditor_token))["verifyAuditChain"]
    sequential = await verify_chain(full=True, parallel_from=None)
    # then: the same report, field by field
    assert parallel == _as_graphql(sequential)
    assert parallel["ok"] is (change is _nothing)
    if change is _nothing:
        assert parallel["checked"] == len(events) and parallel["checkpoints"] == len(marks)
        assert parallel["head"]["lastEventId"] == str(events[-1].id)


async def test_full_checks_run_one_at_a_time_the_others_are_asked_to_retry(api, world):
    # given
    await failed_logins(api, 30)
    # when: a burst of full verifications at once
    bodies = await asyncio.gather(*(
        api.gql(VERIFY_HEAD, {"full": True}, world.auditor_token) for _ in range(BURST)))
    # then: one ran (or a few, one after the other), the others were turned away in French
    done = [b["data"]["verifyAuditChain"] for b in bodies if not b.get("errors")]
    refused = [b["errors"][0] for b in bodies if b.get("errors")]
    assert len(done) + len(refused) == BURST and done and refused
    assert all(r["ok"] for r in done)
    assert {e["extensions"]["code"] for e in refused} == {"RATE_LIMITED"}
    assert {e["message"] for e in refused} == {BUSY}
    # and the next one, alone, runs
    again = await api.ok(VERIFY_HEAD, {"full": True}, world.auditor_token)
    assert again["verifyAuditChain"]["ok"] is True


async def test_the_default_check_is_not_limited(api, world):
    await failed_logins(api, 15)
    bodies = await asyncio.gather(*(
        api.gql(VERIFY_HEAD, {"full": False}, world.auditor_token) for _ in range(BURST)))
    assert [b.get("errors") for b in bodies] == [None] * BURST
    assert all(b["data"]["verifyAuditChain"]["ok"] for b in bodies)
