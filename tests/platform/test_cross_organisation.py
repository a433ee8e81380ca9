"""The cross-organisation matrix, generated from the live schema: every query and mutation taking
an id (an argument of type ID, or an ID inside an input object such as `groupIds`) is called by
users of HABITAT DU SUD with ids of LES OLIVIERS's objects. The answer must be exactly the one a
missing id gets — NOT_FOUND, or for a list filtered by the id the same empty page — and change
nothing. A refusal that does not depend on the id at all
(FORBIDDEN for an operation the caller's role never allows) is accepted, since it reveals nothing.
New fields are covered as soon as they are in the schema."""

from __future__ import annotations

import json

import pytest
from graphql import GraphQLNonNull

from bailleurs.settings import Settings
from models import CasbinRule, RentDeclaration, User
from tests.support.demo_world import MODELS, DemoWorld, token_for
from tests.support.schema_walk import (
    guess_kind,
    id_paths,
    live_schema,
    operation_text,
    place,
    root_fields,
    sample_value,
)

FIELDS_WITH_IDS = [(kind, name) for kind, name, field in root_fields(live_schema(Settings()))
                   if id_paths(field)]
CALLERS = ["SUD.ADMIN", "SUD.AGENT"]
MISSING_ID = "987654321"
def caller_side_id(world: DemoWorld, kind: str | None, caller: str, others: dict[str, str]) -> str:
    ids = world.ids_by_org[world.sud.id]
    if kind == "User":  # someone else than the caller, in the caller's organisation
        return next(i for i in ids["User"] if i != others[caller])
    return (ids.get(kind) or ids["User"])[0]


async def business_counts() -> tuple[int, ...]:
    return (await User.all().count(), await CasbinRule.all().count(),
            await RentDeclaration.all().count())


def outcome(body: dict) -> tuple:
    errors = [(e.get("extensions", {}).get("code"), e["message"]) for e in body.get("errors", [])]
    return json.dumps(body.get("data"), sort_keys=True), errors


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("kind, name", FIELDS_WITH_IDS)
async def test_another_organisations_ids_answer_like_missing_ones(api, demo_world, settings,
                                                                  kind, name, caller):
    # given
    field = dict((n, f) for _, n, f in root_fields(live_schema(settings)))[name]
    paths = id_paths(field)
    user_ids = {u.identifier: str(u.id) for u in await User.all()}
    olivier_ids = demo_world.ids_by_org[demo_world.olivier.id]
    today = "2026-07-15"
    reached = empty = 0
    for tested in paths:
        guessed = guess_kind(tested, name)
        for target_kind in [guessed] if guessed else [k for k in MODELS if olivier_ids.get(k)]:
            def variables(value: str, tested=tested) -> dict:
                args = {a: sample_value(arg.type, a, today, settings.campaign_year)
                        for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}
                for other in paths:
                    if other != tested:
                        place(args, other, caller_side_id(demo_world, guess_kind(other, name),
                                                          caller, user_ids))
                place(args, tested, value)
                return args

            query = operation_text(kind, name, field, list(field.args))
            token = await token_for(api, caller)
            before = await business_counts()
            # when
            foreign = await api.gql(query, variables(olivier_ids[target_kind][-1]), token)
            # then: nothing changed, and the answer is the one a missing id gets
            assert await business_counts() == before, (name, tested, foreign)
            missing = await api.gql(query, variables(MISSING_ID), await token_for(api, caller))
            assert outcome(foreign) == outcome(missing), (name, tested, foreign, missing)
            codes = [c for c, _ in outcome(foreign)[1]]
            if not codes:  # a list filtered by the id: as empty as for a missing id
                assert "errors" not in missing, (name, tested, foreign)
                empty += 1
                continue
            if codes[0] == "NOT_FOUND":
                reached += 1
                continue
            # A refusal that must not depend on the object: the caller's own ids get it too.
            own_id = caller_side_id(demo_world, target_kind, caller, user_ids)
            own = await api.gql(query, variables(own_id), await token_for(api, caller))
            assert codes[0] == "FORBIDDEN" and outcome(own)[1][:1] == outcome(foreign)[1][:1], (
                name, tested, foreign, own)
    print(json.dumps({"matrix": name, "caller": caller, "id paths": len(paths),
                      "not found": reached, "empty like missing": empty}))
