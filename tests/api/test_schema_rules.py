"""Every field of the schema states who may read it; public root fields are an explicit list."""

from __future__ import annotations

from graphql import GraphQLObjectType

from bailleurs.settings import Settings
from schema import build_schema
from schema.permissions import READ_RULE, WHO_MAY_CALL, Public, Rule, who_may_call

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


def _rules() -> list[type[Rule]]:
    """Every permission class that states a rule (the abstract ones have no description)."""
    found, todo = [], [Rule]
    while todo:
        rule = todo.pop()
        todo += rule.__subclasses__()
        if rule.description:
            found.append(rule)
    return found


def test_every_root_field_says_who_may_call_it_in_the_words_of_its_rule():
    rules = _rules()
    assert len(rules) >= 7, rules
    for name, graphql_type, fields, _ in _walk():
        if name not in {"Query", "Mutation"}:
            continue
        for graphql_name, field in fields.items():
            label = f"{name}.{graphql_name}"
            text = graphql_type.fields[graphql_name].description
            # the generated sentence of exactly its classes, once, at the end
            assert text.endswith(who_may_call(field.permission_classes)), (label, text)
            assert text.count(WHO_MAY_CALL) == 1, (label, text)
            # and no hand-written copy of any rule before it
            body = text[: text.index(WHO_MAY_CALL)].lower()
            for rule in rules:
                assert rule.description.lower() not in body, (label, rule.__name__)
            assert "(public)" not in body, label


def test_the_sentence_is_generated_once_however_often_the_schema_is_built():
    first = build_schema(Settings())._schema.query_type.fields["tenants"].description
    again = build_schema(Settings())._schema.query_type.fields["tenants"].description
    assert first == again and first.count(WHO_MAY_CALL) == 1


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

