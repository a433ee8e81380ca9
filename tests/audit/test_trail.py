"""The audit trail as the auditor reads it: filtered pages, the hash chain, append-only code,
and who may not read or change any of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tortoise import connections

from models import AuditEvent
from tests.audit.operations import EVENTS, VERIFY
from tests.support.pages import every_node

ROOT = Path(__file__).resolve().parents[2]


async def _all_events(api, token, filter_=None, first=3) -> list[dict]:
    return await every_node(api, EVENTS, "auditEvents", token, first=first, filter_=filter_)


async def test_events_are_paged_in_order_and_filtered(api, world):
    # when
    every = await _all_events(api, world.auditor_token)
    mine = await _all_events(
        api, world.auditor_token, {"organisationId": str(world.org.id), "action": "group_created"}
    )
    # then
    ids = [int(n["id"]) for n in every]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == await AuditEvent.filter(
        id__lte=ids[-1]).count()
    # after the last event listed: only the reading itself (each page read is recorded)
    assert {e.action for e in await AuditEvent.filter(id__gt=ids[-1])} == {"audit_events_read"}
    assert {n["targetId"] for n in mine} == {str(g.id) for g in world.groups.values()}
    c14 = next(n for n in mine if n["targetId"] == str(world.groups["c14"].id))
    assert c14["after"] == {
        "name": world.groups["c14"].name,
        "housing_type": "conventionne",
        "zones": ["14"],
    }
    assert c14["actorLabel"] == "import" and c14["before"] is None
    # a chained digest: each event names the previous one
    assert all(b["prevDigest"] == a["digest"] for a, b in zip(every, every[1:], strict=False))


async def test_events_filtered_by_target_and_dates(api, world):
    group_id = str(world.groups["p2a"].id)
    hits = await _all_events(
        api, world.auditor_token, {"targetType": "group", "targetId": group_id}
    )
    assert [n["targetId"] for n in hits] == [group_id]
    day = hits[0]["at"][:10]
    assert await _all_events(api, world.auditor_token, {"from": day, "to": day})
    assert await _all_events(api, world.auditor_token, {"to": "2000-01-01"}) == []


def _on_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


async def _tamper(sql: str) -> None:
    """Raw SQL by someone who owns the database: on PostgreSQL they first lift the trigger."""
    if _on_postgres():
        lift = "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"
        sql = f"{lift}; {sql}; {lift.replace('DISABLE', 'ENABLE')}"
    await connections.get("default").execute_script(sql)


async def test_postgres_refuses_to_change_or_remove_an_event(api, world):
    if not _on_postgres():
        pytest.skip("the trigger is PostgreSQL's")
    event = await AuditEvent.all().order_by("id").first()
    for sql in (
        f"UPDATE audit_event SET action = 'x' WHERE id = {event.id}",
        f"DELETE FROM audit_event WHERE id = {event.id}",
        "TRUNCATE audit_event",
    ):
        with pytest.raises(Exception, match="append-only"):
            await connections.get("default").execute_script(sql)
    assert (await AuditEvent.get(id=event.id)).digest == event.digest


async def test_an_intact_chain_verifies(api, world):
    data = await api.ok(VERIFY, token=world.auditor_token)
    assert data["verifyAuditChain"] == {
        "ok": True,
        "checked": await AuditEvent.all().count(),
        "firstBrokenId": None,
    }


async def test_a_tampered_event_is_detected(api, world):
    # given: someone with database access rewrites a group's zones in the trail
    victim = await AuditEvent.filter(action="group_created").order_by("id").offset(2).first()
    await _tamper(
        f"""UPDATE audit_event SET after = '{{"zones": ["75"]}}' WHERE id = {victim.id}"""
    )
    # when
    data = await api.ok(VERIFY, token=world.auditor_token)
    # then
    assert data["verifyAuditChain"]["ok"] is False
    assert data["verifyAuditChain"]["firstBrokenId"] == str(victim.id)


async def test_a_deleted_event_breaks_the_next_link(api, world):
    ids = await AuditEvent.all().order_by("id").values_list("id", flat=True)
    await _tamper(f"DELETE FROM audit_event WHERE id = {ids[1]}")
    data = await api.ok(VERIFY, token=world.auditor_token)
    assert data["verifyAuditChain"]["firstBrokenId"] == str(ids[2])


# Writes that would change or remove an audit event, in any module of the product.
_FORBIDDEN_WRITES = [
    re.compile(r"AuditEvent\b[^\n]*\.(update|delete|bulk_update|select_for_update)\("),
    re.compile(r"AuditEvent\.(raw|bulk_create)\("),
    re.compile(r"(UPDATE|DELETE\s+FROM|TRUNCATE)\s+\"?audit_event", re.IGNORECASE),
]


def test_no_code_path_updates_or_deletes_audit_events():
    offenders = []
    for package in ("bailleurs", "models", "policies", "resolvers", "schema"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if any(p.search(line) for p in _FORBIDDEN_WRITES):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
    # and the only writer creates events
    writer = (ROOT / "resolvers" / "audit" / "chain.py").read_text(encoding="utf-8")
    assert "AuditEvent.create(" in writer and ".save(" not in writer
