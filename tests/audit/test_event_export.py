"""The audit trail exported for the agency's tools: CSV and JSON Lines, streamed, with the
filters and the permission of `auditEvents`; the export itself goes into the trail."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta

import pytest

from models import AuditEvent
from tests.audit.operations import EVENTS
from tests.support.factories import today
from tests.support.world import token_of

BASE = "/exports/audit/events"


async def _get(api, path: str, token: str | None, params: dict | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.client.get(path, headers=headers, params=params or {})


async def _listed(api, token: str, graphql_filter: dict) -> list[dict]:
    data = await api.ok(EVENTS, {"first": 100, "filter": graphql_filter}, token)
    assert not data["auditEvents"]["pageInfo"]["hasNextPage"]
    return [edge["node"] for edge in data["auditEvents"]["edges"]]


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _jsonl(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.mark.parametrize(
    "graphql_filter",
    [
        {"action": "group_created"},
        {"organisationId": "ORG", "targetType": "group"},
        {"action": "group_created", "from": "TODAY", "to": "TODAY"},
    ],
)
async def test_both_formats_give_what_audit_events_gives_for_the_same_filter(
    api, world, graphql_filter
):
    # given
    values = {"ORG": str(world.org.id), "TODAY": today().isoformat()}
    f = {k: values.get(v, v) for k, v in graphql_filter.items()}
    listed = await _listed(api, world.auditor_token, f)
    assert listed
    # when
    rows = _csv(await _get(api, f"{BASE}.csv", world.auditor_token, f))
    lines = _jsonl(await _get(api, f"{BASE}.jsonl", world.auditor_token, f))
    # then: same events, same order, same content
    assert [r["id"] for r in rows] == [e["id"] for e in listed]
    assert [r["empreinte"] for r in rows] == [e["digest"] for e in listed]
    fields = ("id", "actorId", "actorLabel", "organisationId", "action", "targetType",
              "targetId", "before", "after", "delegation", "prevDigest", "digest")
    assert [{k: line[k] for k in fields} for line in lines] == [
        {k: e[k] for k in fields} for e in listed
    ]


async def test_csv_reads_french_labels_with_the_codes_beside(api, world):
    rows = _csv(await _get(api, f"{BASE}.csv", world.auditor_token, {"action": "group_created"}))
    assert {(r["action"], r["action_code"]) for r in rows} == {
        ("Création d'un groupe d'habilitation", "group_created")
    }
    assert {(r["type_cible"], r["type_cible_code"]) for r in rows} == {
        ("Groupe d'habilitation", "group")
    }
    assert json.loads(rows[0]["apres"])["housing_type"] in ("conventionne", "prive")


async def test_a_day_without_events_exports_the_header_only(api, world):
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = await _get(api, f"{BASE}.csv", world.auditor_token, {"from": tomorrow})
    assert _csv(response) == [] and "horodatage" in response.text
    assert _jsonl(await _get(api, f"{BASE}.jsonl", world.auditor_token, {"from": tomorrow})) == []


async def test_the_export_is_streamed_line_by_line(api, world):
    # httpx's test transport gathers the body: the app is spoken to in ASGI messages instead
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "https",
        "path": f"{BASE}.jsonl", "raw_path": f"{BASE}.jsonl".encode(), "query_string": b"",
        "root_path": "", "server": ("testserver", 443), "client": ("127.0.0.1", 50000),
        "headers": [(b"host", b"testserver"),
                    (b"authorization", f"Bearer {world.auditor_token}".encode())],
    }
    sent: list[dict] = []
    requested = asyncio.Event()

    async def receive() -> dict:
        if requested.is_set():  # the client stays: nothing more until the response ends
            await asyncio.Event().wait()
        requested.set()
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await api.app(scope, receive, send)
    [start] = [m for m in sent if m["type"] == "http.response.start"]
    bodies = [m["body"] for m in sent if m["type"] == "http.response.body" and m["body"]]
    assert start["status"] == 200
    assert b"content-length" not in dict(start["headers"])
    # one message per event, the export's own event included (written before the first line)
    assert len(bodies) == await AuditEvent.all().count() > 1


async def test_the_export_itself_is_in_the_trail(api, world):
    # when
    await _get(api, f"{BASE}.csv", world.auditor_token,
               {"organisationId": str(world.org.id), "action": "user_created"})
    # then: who exported what, under which filter
    [event] = await AuditEvent.filter(action="audit_events_exported")
    auditor = await AuditEvent.filter(action="agent_created").first()
    assert event.actor_label == "CAF.AUDIT" and event.actor_id == int(auditor.target_id)
    assert event.organisation_id == world.org.id
    assert event.after == {
        "format": "csv",
        "filter": {"organisation_id": world.org.id, "action": "user_created"},
    }


async def test_only_auditors_export_and_bad_requests_are_refused(api, world):
    api.client.cookies.clear()
    assert (await _get(api, f"{BASE}.csv", None)).status_code == 401
    admin = await token_of(api, world, "admin")
    refused = await _get(api, f"{BASE}.jsonl", admin)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await _get(api, f"{BASE}.xml", world.auditor_token)).status_code == 404
    bad = await _get(api, f"{BASE}.csv", world.auditor_token, {"from": "hier"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert not await AuditEvent.filter(action="audit_events_exported").exists()
