"""Objects whose selected fields are all plain are completed by the short path of
schema/execution.py once their read rule admits them; answers, errors and the read rules'
refusal logs stay those of graphql-core's full path.

A test schema adds a public root returning boxes checked by a read rule that refuses odd ids,
holding plain objects, lists of objects and of scalars, nulls where the type allows them and where
it does not, values the scalar refuses, a field with a resolver and one with a permission class.
The product's own pages (tenants, users, habilitation groups) are compared too, on a real world.
Each query is sent over HTTP to the same app with the product's executor and with Strawberry's,
and the bodies must be equal, key order included.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bailleurs.app import create_app
from schema import QUERY_AREAS, build_schema
from schema.common import DeclarationState
from schema.permissions import Authenticated, Public
from schema.read_rules import PART_OF_PARENT, ReadRule, readable_by
from tests.accounts.operations import ME
from tests.conftest import serving
from tests.declarations.operations import TENANTS, TENANTS_VALUES
from tests.habilitations.operations import HABILITATION_GROUPS, USERS
from tests.support.world import build_world, token_of


class _EvenIds(ReadRule):
    def identity(self, obj: Any) -> int:
        return obj.id

    def admits(self, reader: Any, obj: Any) -> bool:
        return obj.id % 2 == 0


EVEN = _EvenIds("les boîtes paires")


@readable_by(PART_OF_PARENT)
@strawberry.type(description="Contenu.")
class Inner:
    name: str = strawberry.field(description="Un nom.")
    count: int = strawberry.field(description="Un entier.")
    state: DeclarationState = strawberry.field(description="Un état.")

    @strawberry.field(description="Calculé.")
    def computed(self) -> str:
        return self.name.lower()


@readable_by(EVEN)
@strawberry.type(description="Boîte.")
class Box:
    id: int = strawberry.field(description="Identifiant.")
    label: str = strawberry.field(description="Étiquette.")
    tag: str | None = strawberry.field(description="Peut-être.")
    inner: Inner = strawberry.field(description="Contenu obligatoire.")
    maybe_inner: Inner | None = strawberry.field(description="Contenu facultatif.")
    items: list[Inner | None] = strawberry.field(description="Contenus, trous permis.")
    strict_items: list[Inner] = strawberry.field(description="Contenus, sans trou.")
    numbers: list[int] = strawberry.field(description="Des entiers.")
    guarded: str = strawberry.field(description="Gardé.", permission_classes=[Authenticated])
    inside: Box | None = strawberry.field(description="Une boîte dans la boîte.")


def _inner(name: Any = "Céline", count: Any = 1) -> Inner:
    return Inner(name=name, count=count, state=DeclarationState.TRANSMIS)


@dataclass
class _Spec:
    id: int
    inner: Any = field(default_factory=_inner)
    items: Any = field(default_factory=lambda: [_inner(), None, _inner("Zoé", 2)])
    strict: Any = field(default_factory=lambda: (_inner(), _inner("Œdipe", 3)))
    numbers: Any = field(default_factory=lambda: [1, 2, 3])
    maybe: Any = None
    inside: Any = None


def _box(spec: _Spec) -> Box:
    return Box(id=spec.id, label=f"B{spec.id}", tag=None if spec.id % 4 else "quatre",
               inner=spec.inner, maybe_inner=spec.maybe,
               items=spec.items() if callable(spec.items) else spec.items,
               strict_items=spec.strict, numbers=spec.numbers, guarded="secret",
               inside=None if spec.inside is None else _box(spec.inside))


SPECS = [
    _Spec(2, maybe=_inner("Là")),
    _Spec(3),  # refused by its read rule: null in the list, FORBIDDEN at its path
    _Spec(4, inner=_inner(name=None)),  # a null where the type forbids it
    _Spec(6, inner=_inner(count="x")),  # a value the scalar refuses
    _Spec(8, strict=[_inner(), None]),  # a hole in a list without holes
    _Spec(10, numbers=[1, 2**40]),  # out of Int's range, in a list of scalars
    _Spec(12, items=lambda: iter([_inner()])),  # an iterable that is not a list
    _Spec(14, inside=_Spec(5)),  # a refused box inside an admitted one
    _Spec(16, inside=_Spec(18, maybe=_inner("Ève"))),
    _Spec(20, inner=_box(_Spec(22))),  # an object of another type where Inner is expected
]


@strawberry.type
class BoxQuery:
    @strawberry.field(description="Boîtes.", permission_classes=[Public])
    def boxes(self) -> list[Box | None]:
        return [_box(spec) for spec in SPECS]

    @strawberry.field(description="Une boîte obligatoire.", permission_classes=[Public])
    def box(self, id: int) -> Box:  # noqa: A002
        return _box(next(s for s in SPECS if s.id == id))


ALL = "id label tag inner { name count state } maybeInner { name } items { name count } " \
      "strictItems { name } numbers"
QUERIES = [
    f"{{ boxes {{ {ALL} }} }}",
    f"{{ boxes {{ {ALL} inside {{ {ALL} inside {{ id }} }} }} }}",
    "{ boxes { __typename id inner { __typename name } } }",
    "{ boxes { ...B a: inner { name } inner { state } } } fragment B on Box { id inner { count } }",
    "{ boxes { id inner @skip(if: true) { name } label @include(if: true) "
    "tag @include(if: false) } }",
    "{ boxes { id inner { name computed } items { computed } } }",
    "{ boxes { id guarded inner { name } } }",
    "{ a: box(id: 2) { id inner { name } } b: box(id: 3) { id } }",
    "{ box(id: 4) { id inner { name } } }",
    "{ box(id: 16) { id inside { id maybeInner { name } inside { id } } } }",
]


async def _answers(api, schema, queries: list[tuple[str, dict | None, str | None]],
                   caplog) -> list[tuple[str, str, str, int, int]]:
    """(query, ours, theirs, refusals logged by ours, by theirs) for each query."""
    ours, out = schema.execution_context_class, []
    for query, variables, token in queries:
        bodies, logged = [], []
        for executor in (ours, StrawberryGraphQLCoreExecutionContext):
            schema.execution_context_class = executor
            caplog.clear()
            try:
                bodies.append(json.dumps(await api.gql(query, variables, token=token)))
            finally:
                schema.execution_context_class = ours
            logged.append(sum("read rule refused" in r.getMessage() for r in caplog.records))
        out.append((query, *bodies, *logged))
    return out


async def test_plain_objects_answer_as_graphql_core_does(settings, caplog):
    schema = build_schema(settings, queries=(*QUERY_AREAS, BoxQuery))
    caplog.set_level(logging.WARNING, logger="bailleurs.graphql")
    async with serving(create_app(settings, schema=schema)) as api:
        answers = await _answers(api, schema, [(q, None, None) for q in QUERIES], caplog)
    for query, mine, reference, logged, expected in answers:
        assert mine == reference, query
        assert logged == expected, query
    first = json.loads(answers[0][1])
    boxes = first["data"]["boxes"]
    # the cases do happen: a good box whole, each refusal nulls its box, reported at its path
    assert boxes[0]["inner"] == {"name": "Céline", "count": 1, "state": "TRANSMIS"}
    assert boxes[0]["items"][1] is None and boxes[0]["maybeInner"] == {"name": "Là"}
    assert [b is None for b in boxes] == [False, True, True, True, True, True, False, False,
                                          False, True]
    nested = json.loads(answers[1][1])
    inside = [b["inside"] for b in nested["data"]["boxes"][7:9]]
    assert inside[0] is None and inside[1]["maybeInner"] == {"name": "Ève"}
    assert ("boxes", 7, "inside") in {tuple(e["path"]) for e in nested["errors"]}
    assert {tuple(e["path"]) for e in first["errors"]} >= {
        ("boxes", 1), ("boxes", 2, "inner", "name"), ("boxes", 3, "inner", "count"),
        ("boxes", 4, "strictItems", 1), ("boxes", 5, "numbers", 1),
        ("boxes", 9, "inner", "name")}
    assert answers[1][3] >= 2  # refusals logged, once each, by both executors alike
    assert "secret" not in answers[6][1]


async def test_the_products_pages_answer_as_graphql_core_does(settings, caplog):
    schema = build_schema(settings)
    async with serving(create_app(settings, schema=schema)) as api:
        world = await build_world(api)
        tokens = [world.auditor_token] + [await token_of(api, world, key) for key in (
            "admin", "agent", "mixed", "manager", "none", "b_admin")]
        queries = []
        for token in tokens:
            queries += [(TENANTS_VALUES, {"first": 7}, token), (TENANTS, {"first": 3}, token),
                        (ME, None, token), (USERS, None, token),
                        (HABILITATION_GROUPS, None, token)]
        answers = await _answers(api, schema, queries, caplog)
    assert sum('"edges": [{' in mine for _, mine, _, _, _ in answers) >= 10
    for query, mine, reference, logged, expected in answers:
        assert mine == reference, query
        assert logged == expected, query
