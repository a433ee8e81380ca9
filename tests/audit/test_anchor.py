"""The trail's head kept outside the database (an anchor) reveals the newest events deleted.

Checkpoints vouch for whole blocks; the events after the last one are vouched for by nothing in
the database: deleted by someone with the database's rights, every remaining link still holds
and the verification passes. Only a head noted earlier, given back as `anchor`, tells."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from models import AuditCheckpoint, AuditEvent
from tests.audit.operations import VERIFY_HEAD
from tests.support.processes import run_cli
from tests.support.trail_tamper import failed_logins, tamper

EVERY = 10
KEY = "clé-de-test-des-ancres"


@pytest.fixture
def settings(settings):
    return replace(settings, audit_checkpoint_every=EVERY, audit_checkpoint_key=KEY,
                   ip_attempts_per_minute=10_000)


async def _verify(api, token: str, full: bool, anchor: dict | None = None) -> dict:
    variables = {"full": full, "anchor": anchor}
    return (await api.ok(VERIFY_HEAD, variables, token))["verifyAuditChain"]


def _anchor(head: dict) -> dict:
    return {k: head[k] for k in ("lastEventId", "events", "digest")}


async def _events_after_the_last_checkpoint(api, at_least: int) -> list[int]:
    """Failed logins until `at_least` events follow the last checkpoint; their ids."""
    for attempt in range(2 * EVERY):
        last = await AuditCheckpoint.all().order_by("-id").first()
        tail = await AuditEvent.filter(id__gt=last.last_event_id if last else 0).order_by(
            "id").values_list("id", flat=True)
        if len(tail) >= at_least:
            return list(tail)
        await failed_logins(api, 1, prefix=f"QUEUE{attempt}X")
    raise AssertionError("no events after the last checkpoint")


async def test_the_newest_events_deleted_pass_unnoticed_except_against_an_anchor(api, world):
    # given: a head noted while three events follow the last checkpoint
    await failed_logins(api, 24)
    tail = await _events_after_the_last_checkpoint(api, 3)
    head = (await _verify(api, world.auditor_token, full=False))["head"]
    assert head["lastEventId"] == str(tail[-1]) and head["events"] == await AuditEvent.all().count()
    # when: someone with the database's rights deletes the two newest events
    await tamper("audit_event", [f"DELETE FROM audit_event WHERE id >= {tail[-2]}"])
    # then: without the anchor, both checks pass: nothing left in the database tells
    for full in (False, True):
        blind = await _verify(api, world.auditor_token, full)
        assert blind["ok"] is True and blind["anchorProblem"] is None, full
        assert blind["head"]["lastEventId"] == str(tail[-3]), full
    # and with it, both fail, in French, with a code
    for full in (False, True):
        report = await _verify(api, world.auditor_token, full, _anchor(head))
        assert report["ok"] is False, full
        assert report["firstBrokenId"] is None and report["firstBrokenCheckpointId"] is None
        assert report["anchorProblem"]["code"] == "AUDIT_ANCHOR_NOT_FOUND"
        assert f"n° {tail[-1]}" in report["anchorProblem"]["message"]
        assert "supprimés" in report["anchorProblem"]["message"]


async def test_an_anchor_still_held_passes_as_the_trail_grows(api, world):
    await failed_logins(api, 5)
    head = (await _verify(api, world.auditor_token, full=True))["head"]
    await failed_logins(api, 2 * EVERY, prefix="LATER")  # crosses checkpoints
    for full in (False, True):
        report = await _verify(api, world.auditor_token, full, _anchor(head))
        assert report["ok"] is True and report["anchorProblem"] is None, full
        assert report["head"]["events"] == head["events"] + 2 * EVERY, full


async def test_an_old_event_deleted_is_counted_against_the_anchor(api, world):
    # given: a head, then an event of an old block deleted; the default check starts from the
    # last checkpoint and never reads that block
    await failed_logins(api, 24)
    head = (await _verify(api, world.auditor_token, full=False))["head"]
    victim = await AuditEvent.all().order_by("id").offset(4).first()
    await tamper("audit_event", [f"DELETE FROM audit_event WHERE id = {victim.id}"])
    assert (await _verify(api, world.auditor_token, full=False))["ok"] is True
    # when
    report = await _verify(api, world.auditor_token, False, _anchor(head))
    # then
    assert report["ok"] is False
    assert report["anchorProblem"]["code"] == "AUDIT_ANCHOR_COUNT_MISMATCH"
    assert f"{head['events'] - 1} événement(s)" in report["anchorProblem"]["message"]


async def test_a_rewritten_anchor_digest_is_refused(api, world):
    head = (await _verify(api, world.auditor_token, full=False))["head"]
    forged = {**_anchor(head), "digest": "0" * 64}
    report = await _verify(api, world.auditor_token, False, forged)
    assert report["ok"] is False and report["anchorProblem"]["code"] == "AUDIT_ANCHOR_NOT_FOUND"


async def test_the_command_prints_the_head_the_verification_reports(api, world, database_url):
    # given
    await failed_logins(api, 13)
    report = await _verify(api, world.auditor_token, full=True)
    # when
    printed = run_cli("audit", "head", database_url=database_url)
    # then: the same head, ready to be kept and given back as the anchor
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == report["head"]
    assert report["head"]["checkpointDigest"] == (
        await AuditCheckpoint.all().order_by("-id").first()).digest
