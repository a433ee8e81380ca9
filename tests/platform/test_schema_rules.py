"""Every field of the schema states who may read it; public root fields are an explicit list;
every object type has a read rule, executed, and stated in its description."""

from __future__ import annotations

from graphql import GraphQLObjectType, get_named_type

from bailleurs.settings import Settings
from schema import build_schema
from schema.permissions import WHO_MAY_CALL, Public, Rule, who_may_call
from schema.read_rules import PAGE, READABLE_BY, read_rule_of

PUBLIC_ROOT_FIELDS = {
    "Query.health",
    "Query.verifyReceipt",
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


def test_every_object_type_has_a_read_rule_executed_and_stated_and_fields_a_description():
    executed = set()
    for name, graphql_type, fields, definition in _walk():
        if name in {"Query", "Mutation"}:
            continue
        assert graphql_type.description, f"type {name} has no description"
        rule = read_rule_of(definition.origin)
        assert rule is not None, f"type {name} has no read rule"
        assert graphql_type.description.endswith(f"{READABLE_BY}{rule.description}."), name
        # An executed rule is the type's is_type_of, which graphql-core calls on every object.
        assert (graphql_type.is_type_of is not None) == rule.executed, name
        if rule.executed:
            executed.add(name)
        for field in fields.values():
            assert field.description, f"{name}.{field.python_name} has no description"
    assert {"Tenant", "Housing", "RentDeclaration", "Payment", "User", "Organisation",
            "HabilitationGroup", "AuditEvent", "AuditedUser"} <= executed, executed


def test_no_root_reaches_an_unchecked_object_without_passing_a_checked_one():
    """Types that take their container's rule are only ever read inside a checked object; the
    pages of a list (connection, edge, page info) carry the root's own answer around them."""
    schema = build_schema(Settings())

    def rule_of(graphql_type):
        return read_rule_of(schema.get_type_by_name(graphql_type.name).origin)

    def walk(graphql_type, trail: tuple[str, ...]) -> None:
        named = get_named_type(graphql_type)
        if not isinstance(named, GraphQLObjectType) or named.name in trail:
            return
        rule = rule_of(named)
        if rule.executed:
            return  # checked here: whatever it contains is read through it
        assert rule is PAGE, f"{' → '.join((*trail, named.name))} reads an unchecked object"
        for field in named.fields.values():
            walk(field.type, (*trail, named.name))

    for root in (schema._schema.query_type, schema._schema.mutation_type):
        for name, field in root.fields.items():
            walk(field.type, (f"{root.name}.{name}",))


def test_the_public_list_is_not_stale():
    names = set()
    for name, _, fields, _ in _walk():
        if name in {"Query", "Mutation"}:
            names |= {f"{name}.{n}" for n in fields}
    assert PUBLIC_ROOT_FIELDS - {
        "Mutation.requestLostIdentifier", "Mutation.requestPasswordReset"} <= names

