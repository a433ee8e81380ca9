"""Schema fuzzing: hypothesis-graphql writes valid queries and mutations from the live schema, per
role, on a prepared database (a fresh one per role: mutations change data). No response may be a
500, betray the implementation, or hold an object outside the caller's rights.

FUZZ_EXAMPLES sets the examples per role and database (default 100, for CI). Full run:
    FUZZ_EXAMPLES=2000 uv run pytest tests/platform/test_fuzz.py -p no:randomly -s
    FUZZ_EXAMPLES=2000 TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres \\
        uv run pytest tests/platform/test_fuzz.py -s
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from datetime import date

import pytest
from graphql import GraphQLObjectType, GraphQLScalarType, build_schema, print_ast
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from tests.support.demo_world import ROLES, DemoWorld, token_for
from tests.support.oracle import RULED, Oracle, leaks, objects, with_typenames_and_ids
from tests.support.schema_walk import sdl

JSON, GRAPHQL_RESPONSE = "application/json", "application/graphql-response+json"
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
BUILT_IN = {"String", "Int", "Float", "Boolean"}


def scalar_strategies(schema, world: DemoWorld) -> dict:
    """Ids drawn mostly from real rows of both organisations; dates around the campaign."""
    ids = world.all_ids()
    strategies = {
        "ID": st.one_of(st.sampled_from(ids), st.sampled_from(["0", "-1", "abc", ""]),
                        st.text(max_size=8)).map(nodes.String),
        "Date": st.dates(date(1990, 1, 1), date(2035, 12, 31)).map(nodes.String),
    }
    for name, type_ in schema.type_map.items():
        if (isinstance(type_, GraphQLScalarType) and not name.startswith("__")
                and name not in BUILT_IN and name not in strategies):
            strategies[name] = st.text(max_size=20).map(nodes.String)
    return strategies


def operations(text: str, world: DemoWorld):
    """One root field per operation, each field equally likely, plus free mixes of root fields
    and invalid operations (one schema violation each: they must fail cleanly, with a 400).

    Drawing subsets of every root field at once, most operations held one field the role may not
    read; a non-null root field then nulls the whole `data`, so little came back to check."""
    schema = build_schema(text)
    scalars = scalar_strategies(schema, world)
    keep = {"print_ast": lambda document: document, "custom_scalars": scalars}
    singles = [
        make(schema, fields=[name], **keep)
        for make, root in ((queries, schema.query_type), (mutations, schema.mutation_type))
        for name in root.fields
    ]
    mixes = [make(schema, mode=mode, **keep)
             for make in (queries, mutations) for mode in (Mode.POSITIVE, Mode.NEGATIVE)]
    return schema, st.one_of(*singles, *mixes)


def codes(body) -> list[str]:
    bodies = body if isinstance(body, list) else [body]
    return [e.get("extensions", {}).get("code", "?") for b in bodies for e in b.get("errors", [])]


# The service runs on the event loop thread while Hypothesis draws in another; the mail sender's
# Message-ID (`email.utils.make_msgid`) draws from `random` meanwhile, which Hypothesis mistakes
# for a strategy using it.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@pytest.mark.parametrize("role", list(ROLES))
async def test_fuzzed_operations_never_fail_leak_or_cross_scope(api, demo_world, role, settings):
    # given
    schema, strategy = operations(sdl(settings), demo_world)
    oracle = Oracle(ROLES[role])
    token = [await token_for(api, ROLES[role])]
    loop = asyncio.get_running_loop()
    stats: Counter[str] = Counter()

    def on_loop(coroutine, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)

    async def send(query: str, accept: str):
        api.client.cookies.clear()  # a fuzzed login must not turn into this caller's session
        return await api.post(query, token=token[0], headers={"Accept": accept})

    @hypothesis_settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                         suppress_health_check=list(HealthCheck))
    @given(document=strategy, accept=st.sampled_from([JSON, GRAPHQL_RESPONSE]))
    def fuzz(document, accept):
        query = print_ast(with_typenames_and_ids(schema, document))
        response = on_loop(send(query, accept))
        stats["requests"] += 1
        stats[f"http {response.status_code}"] += 1
        # then: no failure, nothing of the implementation, the media type asked for
        assert response.status_code < 500, (query, response.text)
        assert response.headers["content-type"].startswith(accept), response.headers
        # the legacy type answers every GraphQL result with 200; the new one a failed request
        # (parse or validation, no data at all) with 400
        assert response.status_code == 200 or accept == GRAPHQL_RESPONSE, response.text
        assert not leaks(response.text), (query, response.text)
        body = response.json()
        assert response.status_code == 200 or "data" not in body, response.text
        found = codes(body)
        stats.update(found or ["ok"])
        assert "INTERNAL_SERVER_ERROR" not in found, (query, response.text)
        # and nothing outside the caller's rights
        returned = list(objects(body.get("data") if isinstance(body, dict) else body))
        stats["objects checked"] += len(returned)
        violations = on_loop(oracle.violations(returned))
        assert not violations, (role, violations, query, response.text)
        if "UNAUTHENTICATED" in found and ROLES[role]:  # a fuzzed logout revoked the session
            token[0] = on_loop(token_for(api, ROLES[role]))

    # when
    await asyncio.to_thread(fuzz)
    # then (the counts go to the report)
    print(json.dumps({"fuzz": role, **stats, "unchecked types": sorted(oracle.unchecked)}))
    assert stats["requests"] >= FUZZ_EXAMPLES
    assert not oracle.unchecked, "types handed out with an id but no rule in the oracle"


async def test_the_oracle_flags_objects_outside_the_callers_rights(api, demo_world):
    # The fuzz test is only as good as its oracle: it must say no where the rules say no.
    from models import Tenant, User

    prive = await Tenant.get(allocataire_number="21083")  # LES OLIVIERS, privé 14
    conventionne = await Tenant.get(allocataire_number="467060")  # LES OLIVIERS, conventionné 14
    sud_users = demo_world.ids_by_org[demo_world.sud.id]["User"]
    agent = Oracle("OLIVIERS.AGENT")
    assert await agent.violations([("Tenant", str(conventionne.id))]) == []
    assert await agent.violations([("Tenant", str(prive.id))]) == [f"Tenant:{prive.id}"]
    assert await agent.violations([("User", sud_users[0])]) == [f"User:{sud_users[0]}"]
    admin = Oracle("OLIVIERS.ADMIN")
    assert await admin.violations([("Tenant", str(prive.id))]) == []
    sud_tenant = demo_world.ids_by_org[demo_world.sud.id]["Tenant"][0]
    assert await admin.violations([("Tenant", sud_tenant)]) == [f"Tenant:{sud_tenant}"]
    assert await Oracle(None).violations([("Tenant", str(prive.id))]) == [f"Tenant:{prive.id}"]
    assert await Oracle("CAF.AGENT").violations([("Tenant", str(prive.id))]) != []
    admin_id = str((await User.get(identifier="OLIVIERS.ADMIN")).id)
    assert await admin.violations([("AuditedUser", admin_id)]) == [f"AuditedUser:{admin_id}"]
    assert await Oracle("CAF.AUDIT").violations([("AuditedUser", admin_id)]) == []


def test_the_oracle_has_a_rule_for_every_type_with_an_id(settings):
    schema = build_schema(sdl(settings))
    with_ids = {name for name, type_ in schema.type_map.items()
                if isinstance(type_, GraphQLObjectType) and "id" in type_.fields
                and not name.startswith("__")}
    assert with_ids - RULED == set()
