"""Plain leaf fields take a short path through execution (schema/execution.py); the answers and
errors stay those of graphql-core's full path.

A test schema adds a public root returning objects whose plain fields hold good values, a null in
a non-null field, a value the scalar refuses, and a plain attribute guarded by a permission class
(which must still run). Each query is sent over HTTP to the product's executor and to Strawberry's
own, and the bodies must be equal, key order included.
"""

from __future__ import annotations

import json
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bailleurs.app import create_app
from schema import QUERY_AREAS, build_schema
from schema.common import DeclarationState
from schema.permissions import Authenticated, Public
from schema.read_rules import ANYONE, readable_by
from tests.conftest import serving


@readable_by(ANYONE)
@strawberry.type(description="Sonde.")
class Probe:
    name: str = strawberry.field(description="Un nom.")
    count: int = strawberry.field(description="Un entier.")
    state: DeclarationState = strawberry.field(description="Un état.")
    maybe: str | None = strawberry.field(description="Peut-être.")
    guarded: str = strawberry.field(description="Gardé.", permission_classes=[Authenticated])


def _probe(name: Any = "Céline", count: Any = 3, maybe: Any = None) -> Probe:
    return Probe(name=name, count=count, state=DeclarationState.NON_SAISI, maybe=maybe,
                 guarded="secret")


@strawberry.type
class ProbeQuery:
    @strawberry.field(description="Sondes.", permission_classes=[Public])
    def probes(self) -> list[Probe | None]:
        return [_probe(), _probe(name=None), _probe(count="x"), _probe(maybe="là"),
                _probe(count=2**40)]


QUERIES = [
    "{ probes { name count state maybe } }",
    "{ probes { state maybe count name n2: name } }",
    "{ probes { name guarded } }",
    "{ probes { ...P } } fragment P on Probe { count name @include(if: false) state }",
    "{ probes { name __typename } }",
]


async def _bodies(settings, executor: type | None) -> list[str]:
    schema = build_schema(settings, queries=(*QUERY_AREAS, ProbeQuery))
    if executor is not None:
        schema.execution_context_class = executor
    async with serving(create_app(settings, schema=schema)) as api:
        return [json.dumps(await api.gql(q)) for q in QUERIES]


async def test_plain_fields_answer_as_graphql_core_does(settings):
    ours = await _bodies(settings, None)
    theirs = await _bodies(settings, StrawberryGraphQLCoreExecutionContext)
    for query, mine, reference in zip(QUERIES, ours, theirs, strict=True):
        assert mine == reference, query
    first = json.loads(ours[0])
    # the cases do happen: good rows whole, refused values as errors at their paths
    assert first["data"]["probes"][0] == {"name": "Céline", "count": 3, "state": "NON_SAISI",
                                          "maybe": None}
    assert first["data"]["probes"][1] is None and first["data"]["probes"][2] is None
    assert {tuple(e["path"]) for e in first["errors"]} >= {("probes", 1, "name"),
                                                          ("probes", 2, "count")}
    # the permission class on a plain attribute still runs
    guarded = json.loads(ours[2])
    assert all(p is None for p in guarded["data"]["probes"])
    assert "UNAUTHENTICATED" in {e["extensions"]["code"] for e in guarded["errors"]}
    assert "secret" not in ours[2]
