"""Every field of the schema states who may read it; public root fields are an explicit list."""

from __future__ import annotations

from graphql import GraphQLObjectType

from bailleurs.settings import Settings
from schema import build_schema
from schema.permissions import READ_RULE, Public, Rule

PUBLIC_ROOT_FIELDS = {
    "Query.health",
    "Mutation.login",
    "Mutation.requestLostIdentifier",
    "Mutation.requestPasswordReset",
}


def _walk():
    schema = build_schema(Settings())
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        definition = schema.get_type_by_name(name)
        convert = schema.config.name_converter.get_graphql_name
        exposed = {convert(f): f for f in definition.fields}
        assert set(exposed) >= set(graphql_type.fields), name
        yield name, graphql_type, {n: exposed[n] for n in graphql_type.fields}, definition


def test_every_root_field_has_a_permission_class_and_public_ones_are_listed():
    seen_public = set()
    for name, _, fields, _ in _walk():
        if name not in {"Query", "Mutation"}:
            continue
        for graphql_name, field in fields.items():
            label = f"{name}.{graphql_name}"
            classes = field.permission_classes
            assert classes, f"{label} has no permission class"
            assert all(issubclass(c, Rule) for c in classes), label
            if any(issubclass(c, Public) for c in classes):
                seen_public.add(label)
    assert seen_public <= PUBLIC_ROOT_FIELDS, seen_public - PUBLIC_ROOT_FIELDS


def test_every_object_field_has_a_read_rule_and_a_description():
    for name, graphql_type, fields, _ in _walk():
        if name in {"Query", "Mutation"}:
            continue
        assert graphql_type.description, f"type {name} has no description"
        for field in fields.values():
            label = f"{name}.{field.python_name}"
            has_rule = READ_RULE in (field.metadata or {}) or field.permission_classes
            assert has_rule, f"{label} has no rule"
            assert field.description, f"{label} has no description"


def test_the_public_list_is_not_stale():
    names = set()
    for name, _, fields, _ in _walk():
        if name in {"Query", "Mutation"}:
            names |= {f"{name}.{n}" for n in fields}
    assert PUBLIC_ROOT_FIELDS - {
        "Mutation.requestLostIdentifier", "Mutation.requestPasswordReset"} <= names

