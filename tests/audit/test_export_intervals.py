"""The CSV exports over an interval (`?from=&to=`, read as `between`): each line held at some
instant of it, with its exact periods in French and as ISO intervals; the same refusals as
`between`; the export recorded with the interval asked."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from urllib.parse import quote

import pytest

from models import AuditEvent
from resolvers.shared import clock
from tests.audit.history_world import (  # noqa: F401 (fixtures: settings, world)
    WHO,
    at,
    lifted_throttle,
    stopped_world,
)


@pytest.fixture
async def played(world):
    """The agent moves from conventionné 14 to privé 14 at 09:00 and back at 15:00."""
    clock.set_now(at(9))
    await world.set_groups("agent", ["p14"])
    clock.set_now(at(15))
    await world.set_groups("agent", ["c14"])
    clock.set_now(at(20))
    return world


async def _get(world, kind: str, query: str):
    token = await world.auditor_token()
    return await world.api.client.get(f"/exports/{kind}/{world.org.id}.csv{query}",
                                      headers={"Authorization": f"Bearer {token}"})


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def _between(start: datetime, end: datetime) -> str:
    return f"?from={quote(start.isoformat())}&to={quote(end.isoformat())}"


async def test_access_over_an_interval_gives_each_right_with_its_periods(played):
    world = played
    rows = _rows(await _get(world, "access", _between(at(8), at(19))))
    agent = world.users["agent"].identifier
    reads = {(r["type_logement_code"], r["zone"]): r for r in rows
             if r["identifiant"] == agent and r["action_code"] == "read"}
    assert reads[("conventionne", "14")]["periodes_code"] == (
        f"{at(8).isoformat()}/{at(9).isoformat()} {at(15).isoformat()}/..")
    assert reads[("prive", "14")]["periodes_code"] == f"{at(9).isoformat()}/{at(15).isoformat()}"
    assert reads[("prive", "14")]["periodes"] == "du 10/03/2031 à 10:00 au 10/03/2031 à 16:00"
    assert reads[("prive", "14")]["type_logement"] == "Logement privé"
    assert reads[("prive", "14")]["action"] == "Consulter"
    # the watched tenant (conventionné 14): the users holding that right are whoCanAccess's
    token = await world.auditor_token()
    between = {"from": at(8).isoformat(), "to": at(19).isoformat()}
    who = await world.api.ok(WHO, {"t": str(world.tenant.id), "between": between}, token)
    covering = {r["identifiant"] for r in rows if r["action_code"] == "read"
                and r["type_logement_code"] in ("conventionne", "*") and r["zone"] in ("14", "*")}
    assert covering == {w["user"]["identifier"] for w in who["whoCanAccess"]}
    # the export is in the trail, with the interval asked
    [event] = await AuditEvent.filter(action="access_exported", organisation_id=world.org.id)
    assert event.after == {"asOf": {"from": at(8).isoformat(), "to": at(19).isoformat()}}


async def test_policies_over_an_interval_give_each_line_its_periods(played):
    world = played
    rows = _rows(await _get(world, "policies", _between(at(8), at(19))))
    agent = world.users["agent"].identifier
    lines = {r["sujet"]: r["periodes_code"] for r in rows
             if r["ligne"] == "g" and r["identifiant"] == agent}
    c14, p14 = world.groups["c14"].name, world.groups["p14"].name
    assert lines == {
        c14: f"{at(8).isoformat()}/{at(9).isoformat()} {at(15).isoformat()}/..",
        p14: f"{at(9).isoformat()}/{at(15).isoformat()}",
    }
    assert all(r["periodes"] for r in rows)


@pytest.mark.parametrize("kind", ["access", "policies"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        (_between(at(19), at(8)), "La fin de l'intervalle précède son début."),
        (f"?at={quote(at(10).isoformat())}&" + _between(at(8), at(19))[1:],
         "Donnez au plus un de asOf, at et between."),
        (f"?from={quote(at(8).isoformat())}",
         "Un intervalle se donne par ses deux bornes, from et to."),
        ("?from=2031-03-10T08:00:00&to=2031-03-11", "Précisez le décalage horaire"),
    ],
)
async def test_an_ambiguous_or_reversed_interval_is_refused_in_french(
    played, kind, query, message
):
    world = played
    response = await _get(world, kind, query)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"] and "Traceback" not in response.text
    assert not await AuditEvent.filter(action=f"{kind}_exported").exists()


async def test_a_one_instant_interval_lists_what_the_instant_export_has(played):
    world = played
    rows = _rows(await _get(world, "access", _between(at(10), at(10))))
    instant = _rows(await _get(world, "access", f"?at={quote(at(10).isoformat())}"))
    # every user and action seeing tenants then holds a right then (rights are grants: a
    # type and zone, or any)
    held = {(r["identifiant"], r["action_code"]) for r in instant if int(r["locataires"]) > 0}
    over = {(r["identifiant"], r["action_code"]) for r in rows}
    assert held and held <= over
    assert {r["periodes_code"] for r in rows} == {f"{at(10).isoformat()}/.."}
