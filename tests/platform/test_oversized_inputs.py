"""Every string a caller can send, oversized, generated from the live schema: each String argument
of each query and mutation, inside input objects too, gets a value longer than any column while
the other arguments are plausible and the ids are the caller's own objects. Whatever the answer
(refusal, validation error, success), it is never an internal error. The fuzzer rarely draws long
strings; this found none it had not, and keeps new fields covered."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from graphql import GraphQLNonNull, GraphQLString

from bailleurs.settings import Settings
from models import User
from schema.errors import INVALID_VALUE
from tests.support.demo_world import token_for
from tests.support.schema_walk import (
    guess_kind,
    id_paths,
    input_paths,
    live_schema,
    operation_text,
    place,
    root_fields,
    sample_value,
)

FIELDS_WITH_STRINGS = [(kind, name) for kind, name, field in root_fields(live_schema(Settings()))
                       if input_paths(field, GraphQLString)]
OVERSIZED = ("9" * 300, "é" * 300)  # longer than any column; digits reach number parsing too


def _containers(args: dict, field, path: tuple[str, ...], today: str, year: int) -> None:
    """Optional input objects on the way to `path`, with their required fields filled in."""
    target, type_ = args, None
    for depth, key in enumerate(path[:-1]):
        type_ = field.args[key].type if depth == 0 else type_.fields[key].type
        while hasattr(type_, "of_type"):
            type_ = type_.of_type
        if key not in target:
            target[key] = sample_value(type_, key, today, year)
        target = target[key]


@pytest.mark.parametrize("caller", ["OLIVIERS.ADMIN", "CAF.AUDIT", None])
async def test_oversized_strings_are_never_an_internal_error(api, demo_world, settings, caller):
    # given: the caller's own objects, so that operations reach past their NOT_FOUND checks
    own = demo_world.ids_by_org[demo_world.olivier.id]
    self_id = str((await User.get(identifier=caller)).id) if caller else None
    fields = dict((n, (k, f)) for k, n, f in root_fields(live_schema(settings)))
    today, year = "2026-07-15", settings.campaign_year
    seen: Counter[str] = Counter()
    for _, name in FIELDS_WITH_STRINGS:
        kind, field = fields[name]
        query = operation_text(kind, name, field, list(field.args))
        for tested in input_paths(field, GraphQLString):
            for value in OVERSIZED:
                args = {a: sample_value(arg.type, a, today, year)
                        for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}
                for id_path in id_paths(field):
                    if id_path.path[0] in args:
                        ids = own.get(guess_kind(id_path, name) or "User") or own["User"]
                        place(args, id_path, next(i for i in ids if i != self_id))
                _containers(args, field, tested.path, today, year)
                place(args, tested, value)
                # when
                response = await api.post(query, args, await token_for(api, caller))
                # then
                assert response.status_code < 500, (name, tested, response.text)
                codes = [e.get("extensions", {}).get("code")
                         for e in response.json().get("errors", [])]
                assert "INTERNAL_SERVER_ERROR" not in codes, (name, tested, response.text)
                # nor the last line of defence: each field says what it makes of such a value
                assert INVALID_VALUE not in response.text, (name, tested, response.text)
                seen.update(codes or ["ok"])
    print(json.dumps({"oversized": caller, "fields": len(FIELDS_WITH_STRINGS), **seen}))
    assert sum(seen.values()) >= 2 * len(FIELDS_WITH_STRINGS)
