"""Walks the live schema so the hardening tests cover new fields as soon as they land."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
)

from bailleurs.settings import Settings


def live_schema(settings: Settings) -> GraphQLSchema:
    from schema import build_schema

    return build_schema(settings)._schema


def sdl(settings: Settings) -> str:
    from schema import build_schema

    return str(build_schema(settings))


def root_fields(schema: GraphQLSchema) -> Iterator[tuple[str, str, GraphQLField]]:
    """("query" | "mutation", name, field) for every root field."""
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is not None:
            for name, field in root.fields.items():
                yield kind, name, field


def _unwrap(type_: GraphQLInputType) -> tuple[GraphQLInputType, bool]:
    """The type under NonNull, and whether it is a list."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return type_, isinstance(type_, GraphQLList)


@dataclass(frozen=True)
class IdPath:
    """Where an ID goes in a root field's arguments: `("input", "groupIds")`, is it a list."""

    path: tuple[str, ...]
    is_list: bool
    # The input object types the path goes through (`place` fills their other required fields).
    containers: tuple[GraphQLInputType, ...] = dataclasses.field(default=(), compare=False)


def id_paths(field: GraphQLField) -> list[IdPath]:
    return input_paths(field, GraphQLID)


def input_paths(field: GraphQLField, scalar: GraphQLScalarType) -> list[IdPath]:
    """Every place in a root field's arguments, inside input objects too, that takes `scalar`."""
    found: list[IdPath] = []

    def walk(type_: GraphQLInputType, path: tuple[str, ...], seen: frozenset[str],
             containers: tuple[GraphQLInputType, ...]) -> None:
        outer, is_list = _unwrap(type_)
        named = get_named_type(outer)
        if named is scalar:
            found.append(IdPath(path, is_list, containers))
        elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
            for name, input_field in named.fields.items():
                walk(input_field.type, (*path, name), seen | {named.name}, (*containers, named))

    for name, arg in field.args.items():
        walk(arg.type, (name,), frozenset(), ())
    return found


def selection(type_, depth: int = 2) -> str:
    """A small selection set of a field's return type (leaf fields, then one level of objects)."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    parts = []
    for name, field in named.fields.items():
        inner = get_named_type(field.type)
        if any(isinstance(get_named_type(a.type), GraphQLInputObjectType) or
               isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        if is_leaf_type(inner):
            parts.append(name)
        elif depth > 0 and isinstance(inner, GraphQLObjectType):
            parts.append(f"{name} {selection(field.type, depth - 1)}")
    return "{ " + " ".join(parts or ["__typename"]) + " }"


def operation_text(kind: str, name: str, field: GraphQLField, args: list[str]) -> str:
    """`kind Op($a: T, ...) { name(a: $a, ...) { selection } }` for the given arguments."""
    defs = ", ".join(f"${a}: {field.args[a].type}" for a in args)
    call = ", ".join(f"{a}: ${a}" for a in args)
    head = f"{kind} Op({defs})" if args else kind
    return f"{head} {{ {name}{f'({call})' if args else ''} {selection(field.type)} }}"


def sample_value(type_, name: str, today: str, year: int):
    """A plausible value for an input of this type and name (ids are placed by the caller)."""
    from graphql import GraphQLEnumType, GraphQLScalarType

    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        return [sample_value(inner.of_type, name, today, year)]
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        return {
            key: sample_value(f.type, key, today, year)
            for key, f in inner.fields.items() if isinstance(f.type, GraphQLNonNull)
        }
    assert isinstance(inner, GraphQLScalarType)
    lower = name.lower()
    by_type = {
        "Boolean": True, "Float": 1.0, "ID": "0",
        "Int": year if "year" in lower else 10 if lower == "first" else
        50_000 if "cents" in lower else 1,
        "Date": "2030-12-31" if "closing" in lower or "end" in lower else today,
        "String": "matrice@example.test" if "email" in lower else "0601020304"
        if "phone" in lower else "Matrice-Test-2026!" if "password" in lower else "Test",
    }
    return by_type.get(inner.name, "Test")


# Words in an id argument's name -> the GraphQL type of the object it designates.
WORDS = {"tenant": "Tenant", "user": "User", "group": "HabilitationGroup",
         "organisation": "Organisation", "organization": "Organisation",
         "declaration": "RentDeclaration", "housing": "Housing"}


def guess_kind(path: IdPath, field_name: str) -> str | None:
    """The kind of object an id argument designates, from its name (or its field's for `id`)."""
    last = path.path[-1].lower()
    for text in (last, field_name.lower()) if last == "id" else (last,):
        for word, kind in WORDS.items():
            if word in text:
                return kind
    return None


def place(variables: dict, path: IdPath, value) -> None:
    """`value` at `path`; an optional input object on the way gets its required fields too."""
    target = variables
    for key, container in zip(path.path[:-1], path.containers, strict=False):
        target = target.setdefault(key, sample_value(container, key, "2026-07-15", 2026))
    target[path.path[-1]] = [value] if path.is_list else value
