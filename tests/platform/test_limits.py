"""Query cost limits: depth, tokens, aliases (through fragments too), batches and page size are
bounded with BAD_USER_INPUT; introspection can be turned off."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bailleurs.demo import DEMO_LOGINS, load_demo
from tests.support.schema_walk import live_schema, root_fields


@pytest.fixture
def settings(settings):
    return replace(settings, max_depth=3, max_tokens=500, max_aliases=5, max_batch=3)


def aliases(count: int) -> str:
    return " ".join(f"a{i}: health" for i in range(count))


async def codes(api, query: str, token: str | None = None) -> list[str]:
    body = await api.gql(query, token=token)
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.fixture
async def admin(api) -> str:
    await load_demo(api.services.settings)
    return await api.login("OLIVIERS.ADMIN", DEMO_LOGINS["OLIVIERS.ADMIN"])


async def test_a_query_deeper_than_the_setting_is_refused(api, admin):
    deep = "{ tenants(first: 1) { edges { node { housing { commune } } } } }"
    assert await codes(api, deep, admin) == ["BAD_USER_INPUT"]
    assert await codes(api, "{ tenants(first: 1) { edges { node { id } } } }", admin) == []


async def test_too_many_tokens_are_refused(api):
    assert await codes(api, "{ " + "health " * 600 + "}") == ["BAD_USER_INPUT"]
    assert await codes(api, "{ " + "health " * 50 + "}") == []


async def test_too_many_aliases_are_refused(api):
    assert await codes(api, "{ " + aliases(6) + " }") == ["BAD_USER_INPUT"]
    assert await codes(api, "{ " + aliases(5) + " }") == []


async def test_aliases_are_counted_through_fragments_each_time_they_are_spread(api):
    # 3 aliases in the fragment, spread twice, plus one: 7 aliases (5 allowed)
    query = "{ ...F x: __typename ...F } fragment F on Query { " + aliases(3) + " }"
    assert await codes(api, query) == ["BAD_USER_INPUT"]
    nested = "{ ...A } fragment A on Query { ...B ...B } fragment B on Query { " + aliases(3) + " }"
    assert await codes(api, nested) == ["BAD_USER_INPUT"]


async def test_a_batch_over_the_setting_is_refused_as_a_whole(api):
    one = {"query": "{ health }"}
    response = await api.client.post("/graphql", json=[one] * 4)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    response = await api.client.post("/graphql", json=[one] * 3)
    assert response.status_code == 200
    assert [b["data"] for b in response.json()] == [{"health": "ok"}] * 3


async def test_an_empty_batch_is_refused(api):
    response = await api.client.post("/graphql", json=[])
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def paginated_fields(settings) -> list[str]:
    return [name for kind, name, field in root_fields(live_schema(settings))
            if kind == "query" and "first" in field.args]


async def test_every_paginated_list_bounds_first_to_the_page_size(api, admin, settings):
    # Walks the schema: lists added later are covered too, each with a caller allowed to read it.
    names = paginated_fields(settings)
    assert "tenants" in names
    callers = [admin] + [await api.login(i, DEMO_LOGINS[i]) for i in ("CAF.AUDIT", "CAF.AGENT")]
    for name in names:
        query = "{{ {name}(first: {first}) {{ totalCount }} }}"
        allowed = [t for t in callers
                   if await codes(api, query.format(name=name, first=100), t) == []]
        assert allowed, f"nobody may read {name}"
        for first in (101, 0, -1):
            assert await codes(api, query.format(name=name, first=first), allowed[0]) == [
                "BAD_USER_INPUT"], (name, first)


class TestIntrospection:
    async def test_is_on_by_default(self, api):
        body = await api.gql("{ __schema { queryType { name } } }")
        assert body["data"]["__schema"]["queryType"]["name"] == "Query"


@pytest.mark.parametrize("query", [
    "{ __schema { types { name } } }",
    '{ __type(name: "Tenant") { fields { name } } }',
    "query { ...I } fragment I on Query { __schema { queryType { name } } }",
])
async def test_introspection_turned_off_by_setting_is_refused(api_without_introspection, query):
    body = await api_without_introspection.gql(query)
    assert "data" not in body or body["data"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}
    # __typename is not introspection of the schema: clients rely on it
    assert (await api_without_introspection.ok("{ __typename health }"))["health"] == "ok"


@pytest.fixture
async def api_without_introspection(settings, monkeypatch):
    import httpx
    from asgi_lifespan import LifespanManager

    from bailleurs.app import create_app

    monkeypatch.setenv("GRAPHQL_INTROSPECTION", "false")
    from bailleurs.settings import Settings

    assert Settings().introspection is False  # the environment variable is read
    app = create_app(replace(settings, introspection=Settings().introspection))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            from tests.conftest import Api

            yield Api(client, app)


LOGIN_VARS = "mutation($i: String!) { login(identifier: $i, password: \"x\") { token } }"


async def test_a_nul_character_in_a_literal_is_bad_input(api):
    assert await codes(api, 'mutation { login(identifier: "a\\u0000", password: "x") { token } }'
                       ) == ["BAD_USER_INPUT"]


async def test_a_nul_character_in_a_variable_is_bad_input(api):
    response = await api.post(LOGIN_VARS, {"i": "a\x00"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
