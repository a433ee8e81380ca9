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
from graphql.pyutils import Path, Undefined
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


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        middleware = self.middleware_manager
        if not (middleware and middleware.middlewares) and not node.arguments:
            plan = _plan(parent_type, node.name.value)
            if plan is not None:
                try:
                    value = plan[0](source)
                    if value is not None and not self.is_awaitable(value):
                        coerced = plan[1].coerce_output_value(value)
                        if coerced is not None and coerced is not Undefined:
                            return coerced
                except Exception:  # noqa: BLE001,S110 - the full path below reports it
                    pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
