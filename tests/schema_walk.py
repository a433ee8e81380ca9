"""Walks the live schema so the hardening tests cover new fields as soon as they land."""

from __future__ import annotations

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


def id_paths(field: GraphQLField) -> list[IdPath]:
    found: list[IdPath] = []

    def walk(type_: GraphQLInputType, path: tuple[str, ...], seen: frozenset[str]) -> None:
        outer, is_list = _unwrap(type_)
        named = get_named_type(outer)
        if named is GraphQLID:
            found.append(IdPath(path, is_list))
        elif isinstance(named, GraphQLInputObjectType) and named.name not in seen:
            for name, input_field in named.fields.items():
                walk(input_field.type, (*path, name), seen | {named.name})

    for name, arg in field.args.items():
        walk(arg.type, (name,), frozenset())
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
