"""graphql-core's executor with a short path for plain leaf fields.

A 50-row tenant page completes ~600 fields, ~500 of them plain attributes (a name, a code, an
enum) that Strawberry resolves with its default resolver. graphql-core gives each the full
treatment (a resolve info object, argument handling, completion through the non-null wrapper,
awaitable checks): that was most of the page's CPU. For a field that Strawberry itself marks as
basic (no resolver, no permission class, no field extension — `_is_default`), without arguments,
of a scalar or enum type, and when no middleware wraps fields (a tracing extension keeps the full
path), the value is read and coerced here directly. Anything unusual — no value, an awaitable, an
exception, a value the scalar refuses — goes through the full path, which then reports it exactly
as before. Object types (and their read rules, `is_type_of`) are always completed by graphql-core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, is_leaf_type, is_non_null_type
from graphql.pyutils import Path, Undefined, is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

_PLANS: dict[tuple[GraphQLObjectType, str], tuple[Any, Any] | None] = {}


def _is_plain(field: GraphQLField) -> bool:
    """Strawberry's own attribute read: no resolver, no field extension (permission classes are
    one), no exception handler — the resolver it installs for exactly those fields."""
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return (
        isinstance(definition, StrawberryField) and definition.is_basic_field
        and getattr(field.resolve, "__name__", "") == "_get_basic_result"
    )


def _reader(field: GraphQLField) -> Callable[[Any], Any]:
    """What Strawberry's basic resolver computes (`StrawberryField.get_result` without a
    resolver), minus its layers: the configured default resolver on the attribute's name."""
    definition = field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
    name, read = definition.python_name, definition.default_resolver
    return lambda source: read(source, name)


def _plan(parent_type: GraphQLObjectType, name: str) -> tuple[Any, Any] | None:
    """(resolver, leaf type) when the field takes the short path, else None (kept per field)."""
    key = (parent_type, name)
    if key in _PLANS:
        return _PLANS[key]
    field = parent_type.fields.get(name)
    plan = None
    if field is not None and not field.args and _is_plain(field):
        leaf = field.type.of_type if is_non_null_type(field.type) else field.type
        if is_leaf_type(leaf):
            plan = (_reader(field), leaf)
    _PLANS[key] = plan
    return plan


_PLAIN_VALUES = (str, int, float, bool)


def _short(plan: tuple[Any, Any], source: Any) -> Any:
    """The field's completed value, or Undefined when the full path must decide (no value, an
    awaitable, an exception, a value the scalar refuses: it then reports them as before)."""
    try:
        value = plan[0](source)
        if value is None or (type(value) not in _PLAIN_VALUES and is_awaitable(value)):
            return Undefined
        coerced = plan[1].coerce_output_value(value)
    except Exception:  # noqa: BLE001 - the full path reports it
        return Undefined
    return Undefined if coerced is None else coerced


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: dict[str, Any],
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if middleware and middleware.middlewares:  # e.g. tracing: every field its full path
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        short: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            plan = None if node.arguments else _plan(parent_type, node.name.value)
            value = Undefined if plan is None else _short(plan, source_value)
            if value is Undefined:
                rest[response_name] = field_details_list
            else:
                short[response_name] = value
        if not rest:
            return short
        done = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if not short:
            return done

        def merged(results: dict[str, Any]) -> dict[str, Any]:
            # The response keeps the query's field order.
            return {name: short[name] if name in short else results[name]
                    for name in grouped_field_set if name in short or name in results}

        if isinstance(done, dict):
            return merged(done)

        async def later() -> dict[str, Any]:
            return merged(await done)

        return later()
