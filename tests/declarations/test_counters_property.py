"""Property: after any sequence of imports (new tenants, new housing, a housing changing type or
département, a tenant changing housing), declarations (opened, drafted, transmitted), departures
and habilitation changes, all through the product's own paths (the import, GraphQL over HTTP),
the counters equal a full COUNT of the rows, and every caller's totalCount and rentCampaign
equal what stock Casbin lets that caller read, counted one tenant at a time.

Hypothesis runs in a worker thread and hands each example's coroutine to the test's event loop
(the app's database connections live there), as tests/declarations/test_scope.py does.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field

from hypothesis import strategies as st

from models import HabilitationGroup, Organisation, Tenant, User
from policies.vocabulary import Role
from tests.declarations.counting import assert_counters_exact, readable_states, served_states
from tests.declarations.operations import DECLARE_CHANGE, SAVE, START, VALIDATE
from tests.habilitations.operations import SET_USER_GROUPS
from tests.support.declaration_ops import BRISSON_ANSWERS
from tests.support.factories import (
    PASSWORD,
    import_organisations,
    make_user,
    organisation_data,
    today,
)
from tests.support.properties import holds_for_examples

EXAMPLES = int(os.environ.get("COUNTER_EXAMPLES", "25"))
YEAR = 2026  # the test settings' campaign
TYPES = ["CONVENTIONNE", "PRIVE"]
ZONES = ["14", "2A", "971"]

pick = st.integers(0, 10_000)  # an index into whatever exists when the step runs
operation = st.one_of(
    st.tuples(st.just("add"), pick, st.integers(1, 3)),
    st.tuples(st.just("new_housing"), st.sampled_from(TYPES), st.sampled_from(ZONES)),
    st.tuples(st.just("rehouse"), pick, st.sampled_from(TYPES), st.sampled_from(ZONES)),
    st.tuples(st.just("move"), pick, pick),
    st.tuples(st.just("declare"), pick, st.sampled_from(["open", "draft", "transmit"])),
    st.tuples(st.just("depart"), pick),
    st.tuples(st.just("groups"), st.integers(0, 1), st.frozensets(pick, max_size=3)),
)


def postal_code(dept: str) -> str:
    return {"2A": "20000", "971": "97110"}.get(dept, f"{dept}000")


@dataclass
class World:
    """The organisation's import file as the agency keeps it, and who acts."""

    file: dict
    organisation: Organisation
    admin_token: str
    users: list[User]
    tokens: dict[int, str]
    numbers: itertools.count = field(default_factory=lambda: itertools.count(5_000_000))

    def new_tenant(self) -> dict:
        n = next(self.numbers)
        return {"allocataireNumber": f"{n:07d}", "lastName": f"NOM{n}", "firstName": "P",
                "occupiedSince": "2020-01-01", "lastRentCents": 40000, "benefitCents": 15000}

    def tenants(self) -> list[tuple[dict, dict]]:
        return [(h, t) for h in self.file["housings"] for t in h["tenants"]]


def _edit_file(world: World, step: tuple) -> bool:
    """Change the import file as the step says; False when the step is not about the import."""
    housings = world.file["housings"]
    kind = step[0]
    if kind == "add":
        housings[step[1] % len(housings)]["tenants"].extend(
            world.new_tenant() for _ in range(step[2]))
    elif kind == "new_housing":
        ref = f"n{len(housings)}"
        housings.append({"ref": ref, "type": step[1], "address": "1 RUE NEUVE",
                         "postalCode": postal_code(step[2]), "commune": "VILLE",
                         "departement": step[2], "tenants": [world.new_tenant()]})
    elif kind == "rehouse":
        housing = housings[step[1] % len(housings)]
        housing.update(type=step[2], departement=step[3], postalCode=postal_code(step[3]))
    elif kind == "move":
        pairs = world.tenants()
        source, tenant = pairs[step[1] % len(pairs)]
        source["tenants"].remove(tenant)
        housings[step[2] % len(housings)]["tenants"].append(tenant)
    else:
        return False
    return True


async def _tenant(world: World, index: int) -> Tenant:
    pairs = world.tenants()
    number = pairs[index % len(pairs)][1]["allocataireNumber"]
    return await Tenant.get(allocataire_number=number)


async def _declare(api, world: World, index: int, how: str) -> None:
    tenant, token = await _tenant(world, index), world.admin_token
    opened = (await api.ok(START, {"tenantId": str(tenant.id)}, token))["startRentDeclaration"]
    if how == "open" or opened["state"] == "TRANSMIS":
        return
    for step in BRISSON_ANSWERS if how == "transmit" else BRISSON_ANSWERS[:1]:
        await api.ok(SAVE, {"id": opened["id"], "input": step}, token)
    if how == "transmit":
        await api.ok(VALIDATE, {"id": opened["id"]}, token)


async def _step(api, world: World, step: tuple) -> None:
    if _edit_file(world, step):
        await import_organisations(api, world.file)
    elif step[0] == "declare":
        await _declare(api, world, step[1], step[2])
    elif step[0] == "depart":
        tenant = await _tenant(world, step[1])
        change = {"tenantId": str(tenant.id), "kind": "DEPART",
                  "eventDate": today().isoformat()}
        body = await api.gql(DECLARE_CHANGE, {"input": change}, world.admin_token)
        if "errors" in body:  # a tenant departs once; a second departure changes nothing
            assert body["errors"][0]["extensions"]["code"] == "CONFLICT", body
    else:  # groups: the administrator gives a user some of the groups there are now
        groups = await HabilitationGroup.filter(organisation=world.organisation).order_by("id")
        chosen = sorted({groups[i % len(groups)].id for i in step[2]})
        user = world.users[step[1]]
        await api.ok(SET_USER_GROUPS, {"u": str(user.id), "g": [str(g) for g in chosen]},
                     world.admin_token)


async def _check(api, world: World, steps: list[tuple]) -> None:
    for step in steps:
        await _step(api, world, step)
        await assert_counters_exact()
    for user in world.users:
        expected = await readable_states(user.id, world.organisation.id, YEAR)
        assert await served_states(api, world.tokens[user.id]) == expected, (user.identifier,
                                                                            steps)


async def test_counters_equal_a_full_count_after_any_sequence_of_writes(api):
    # given: an organisation with tenants in every (type, zone) pair, another beside it, an
    # administrator and two users whose groups the steps change
    file = organisation_data("COMPTEE", [(k, z, 1) for k in TYPES for z in ZONES])
    await import_organisations(api, file, organisation_data("VOISINE", [("PRIVE", "14", 2)]))
    organisation = await Organisation.get(name="COMPTEE")
    admin = await make_user(api, organisation, "COMPTEE.ADMIN", roles=(Role.ADMINISTRATEUR,))
    users = [await make_user(api, organisation, f"COMPTEE.U{i}") for i in range(2)]
    tokens = {u.id: await api.login(u.identifier, PASSWORD) for u in [admin, *users]}
    world = World(file, organisation, tokens[admin.id], [*users, admin], tokens)

    # when / then
    await holds_for_examples(lambda steps: _check(api, world, steps),
                             st.lists(operation, min_size=1, max_size=6), EXAMPLES)
