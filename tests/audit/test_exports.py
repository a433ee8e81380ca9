"""The auditor's CSV exports: policies in force and who can access what."""

from __future__ import annotations

import csv
import io

import pytest

from tests.audit.operations import POLICIES
from tests.support.world import token_of, visible_ids


async def _get(api, path: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.client.get(path, headers=headers)


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


async def test_policies_export_has_every_line_in_force(api, world):
    # given
    data = await api.ok(POLICIES, {"org": str(world.org.id)}, world.auditor_token)
    # when
    rows = _rows(await _get(api, f"/exports/policies/{world.org.id}.csv", world.auditor_token))
    # then
    assert [r["casbin"] for r in rows] == data["policies"]["casbinLines"]
    agent = next(r for r in rows if r["identifiant"] == "A.AGENT")
    assert agent["sujet"] == world.groups["c14"].name and agent["ligne"] == "g"


async def test_access_export_matches_what_users_see(api, world):
    rows = _rows(await _get(api, f"/exports/access/{world.org.id}.csv", world.auditor_token))
    for key in ("admin", "agent", "mixed", "manager", "none"):
        identifier = world.users[key].identifier
        total = sum(
            int(r["locataires"])
            for r in rows
            if r["identifiant"] == identifier and r["action_code"] == "read"
        )
        assert total == len(await visible_ids(api, await token_of(api, world, key))), key
    closed = [r for r in rows if r["identifiant"] == "A.CLOSED"]
    assert {r["refus_code"] for r in closed} == {"account_closed"}
    assert {r["refus"] for r in closed} == {"Le compte est clôturé."}
    assert {r["locataires"] for r in closed} == {"0"}


@pytest.mark.parametrize("kind", ["policies", "access"])
async def test_exports_are_for_auditors_only(api, world, kind):
    path = f"/exports/{kind}/{world.org.id}.csv"
    api.client.cookies.clear()  # the logins above left a session cookie in the client
    assert (await _get(api, path, None)).status_code == 401
    admin = await token_of(api, world, "admin")
    response = await _get(api, path, admin)
    assert (
        response.status_code == 403
        and response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    )
    assert (await _get(api, f"/exports/{kind}/999999.csv", world.auditor_token)).status_code == 404
