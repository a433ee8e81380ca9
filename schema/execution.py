"""graphql-core's executor with a short path for plain fields and plain objects.

A 50-row tenant page completes ~150 objects and ~600 fields, nearly all of them plain attributes
(a name, a code, an enum, the housing, the edges) that Strawberry resolves with its default
resolver. graphql-core gives each the full treatment (a resolve info object, argument handling,
completion through the non-null and list wrappers, awaitable checks): that was most of the page's
CPU. A field is plain when Strawberry itself marks it basic (no resolver, no permission class, no
field extension — `_is_default`), it takes no arguments and no middleware wraps fields (a tracing
extension keeps the full path). A plain field of a scalar or enum type is read and coerced here;
one of an object type (or a list of them) is completed here when every field selected on it is
plain too, recursively, and the object's read rule admits it (`schema.read_rules`: the same
verdict as its `is_type_of`, asked without raising). Such a subtree runs no code of ours but
attribute reads and read rules, so when anything in it is unusual — a null where the type
forbids it, an awaitable, an exception, a value the scalar refuses, a read rule's refusal — the
whole field is completed again by graphql-core's full path, which reports it exactly as before.
Deferred or streamed selections keep the full path.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from operator import attrgetter
from types import CoroutineType, GeneratorType
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLObjectType,
    GraphQLString,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.pyutils import Path, Undefined, is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.field import StrawberryField


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
    if read is getattr:  # Strawberry's default
        return attrgetter(name)
    return lambda source: read(source, name)


_PLAIN_VALUES = (str, int, float, bool)
_LEAF, _OBJECT, _LIST, _TYPENAME = range(4)
# What a plain field completes to: (kind, leaf coercion | _Selection | item shape | type name,
# nullable)
Shape = tuple[int, Any, bool]
_SKIPPING = frozenset({"include", "skip"})  # already applied when the fields were collected
# Built-in scalars that return a value of exactly this type unchanged (graphql.type.scalars).
_UNCHANGED = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}
_COERCIONS: dict[Any, tuple[Any, type | None, type | None, dict[Any, str] | None]] = {}


def _coercion(leaf: Any) -> tuple[Any, type | None, type | None, dict[Any, str] | None]:
    """(leaf type, the value type it returns unchanged, an enum's class, its member → name).
    A Strawberry enum names a member by the first value equal to the member's value
    (`CustomGraphQLEnumType.coerce_output_value`): the same table, computed once."""
    found = _COERCIONS.get(leaf)
    if found is None:
        members: Any = getattr(leaf, "wrapped_cls", None)
        names: dict[Any, str] | None = None
        if isinstance(leaf, CustomGraphQLEnumType) and issubclass(members, Enum):
            names = {}
            for name, value in leaf.values.items():
                for member in members:
                    if member.value == value.value:
                        names.setdefault(member, name)
        found = _COERCIONS[leaf] = (leaf, _UNCHANGED.get(leaf), members if names else None,
                                    names)
    return found


# Classes whose instances are neither exceptions nor awaitable (`await` looks `__await__` up on
# the class): an object's class is checked once, not each object.
_INERT: set[type] = set()


def _inert(value: Any) -> bool:
    kind = type(value)
    if isinstance(value, (Exception, CoroutineType, GeneratorType)) or hasattr(kind, "__await__"):
        return False
    if is_awaitable(value):  # graphql-core's own test, for what the class test does not see
        return False
    _INERT.add(kind)
    return True


def _leaf(leaf: Any, value: Any) -> Any:
    if type(value) not in _PLAIN_VALUES and (isinstance(value, Exception) or is_awaitable(value)):
        return Undefined
    try:
        coerced = leaf.coerce_output_value(value)
    except Exception:  # noqa: BLE001 - the full path reports it
        return Undefined
    return Undefined if coerced is None else coerced


class _Selection:
    """The fields selected on an object type, every one plain; `admitted` its read rule."""

    __slots__ = ("admitted", "fields")

    def __init__(self, admitted: Callable[[Any, Any], bool] | None,
                 fields: list[tuple[str, Callable[[Any], Any] | None, Shape]]) -> None:
        self.admitted, self.fields = admitted, fields


def _completed(shape: Shape, value: Any, context: Any) -> Any:
    """`value` completed as graphql-core would, or Undefined: then the full path decides."""
    kind, arg, nullable = shape
    if value is None:
        return None if nullable else Undefined
    if kind == _LEAF:
        leaf, unchanged, members, names = arg
        kind_of = type(value)
        if kind_of is unchanged:
            return value
        if kind_of is members:
            return names.get(value, Undefined)
        return _leaf(leaf, value)
    if kind == _OBJECT:
        if type(value) not in _INERT and not _inert(value):
            return Undefined
        return _object(arg, value, context)
    if type(value) not in (list, tuple):  # a list: other iterables take the full path
        return Undefined
    items = []
    for item in value:
        done = _completed(arg, item, context)
        if done is Undefined:
            return Undefined
        items.append(done)
    return items


def _object(selection: _Selection, source: Any, context: Any) -> Any:
    if selection.admitted is not None and not selection.admitted(source, context):
        return Undefined  # refused: the full path raises it where it belongs, and logs it
    out = {}
    for name, read, shape in selection.fields:
        if read is None:  # __typename
            out[name] = shape[1]
            continue
        try:
            value = read(source)
        except Exception:  # noqa: BLE001 - the full path reports it
            return Undefined
        if shape[0] == _LEAF and type(value) is shape[1][1]:
            out[name] = value  # most leaves: `_completed`'s first case, without the call
            continue
        done = _completed(shape, value, context)
        if done is Undefined:
            return Undefined
        out[name] = done
    return out


def _plain_node(field_details_list: Any) -> bool:
    """No arguments, and no directive that changes how it is delivered (@stream)."""
    for details in field_details_list:
        node = details.node
        if node.arguments or any(d.name.value not in _SKIPPING for d in node.directives or ()):
            return False
    return True


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per operation: what each field set compiles to (keyed by identity, the set kept alive).
        self._entries: dict[tuple[GraphQLObjectType, int], tuple[Any, list[Any]]] = {}
        self._selections: dict[tuple[GraphQLObjectType, int], tuple[Any, Any]] = {}

    def _shape(self, graphql_type: Any, field_details_list: Any) -> Shape | None:
        nullable = not is_non_null_type(graphql_type)
        inner = graphql_type if nullable else graphql_type.of_type
        if is_leaf_type(inner):
            return (_LEAF, _coercion(inner), nullable)
        if is_object_type(inner):
            selection = self._selection(inner, field_details_list)
            return None if selection is None else (_OBJECT, selection, nullable)
        if is_list_type(inner):
            item = self._shape(inner.of_type, field_details_list)
            return None if item is None or item[0] == _LIST else (_LIST, item, nullable)
        return None  # an interface or a union: graphql-core resolves the runtime type

    def _selection(self, object_type: GraphQLObjectType, field_details_list: Any
                   ) -> _Selection | None:
        key = (object_type, id(field_details_list))
        found = self._selections.get(key)
        if found is None:
            found = self._selections[key] = (field_details_list,
                                             self._compile(object_type, field_details_list))
        return found[1]

    def _compile(self, object_type: GraphQLObjectType, field_details_list: Any
                 ) -> _Selection | None:
        check = object_type.is_type_of
        admitted = None if check is None else getattr(check, "admitted", None)
        if check is not None and admitted is None:
            return None  # a check other than a read rule's: graphql-core's path
        grouped, deferred, _ = self.collect_subfields(object_type, field_details_list)
        if deferred:
            return None
        fields: list[tuple[str, Callable[[Any], Any] | None, Shape]] = []
        for response_name, details in grouped.items():
            shape = self._field(object_type, details)
            if shape is None:
                return None
            fields.append((response_name, *shape))
        return _Selection(admitted, fields)

    def _field(self, parent_type: GraphQLObjectType, field_details_list: Any
               ) -> tuple[Callable[[Any], Any] | None, Shape] | None:
        """(reader, shape) of a plain field whose whole selection is plain, else None."""
        if not _plain_node(field_details_list):
            return None
        name = field_details_list[0].node.name.value
        if name == "__typename":
            return None, (_TYPENAME, parent_type.name, False)
        field = parent_type.fields.get(name)
        if field is None or field.args or not _is_plain(field):
            return None
        shape = self._shape(field.type, field_details_list)
        return None if shape is None else (_reader(field), shape)

    def _plans(self, parent_type: GraphQLObjectType, grouped_field_set: dict[str, Any]
               ) -> list[Any]:
        key = (parent_type, id(grouped_field_set))
        found = self._entries.get(key)
        if found is None:
            plans = [(response_name, details, self._field(parent_type, details))
                     for response_name, details in grouped_field_set.items()]
            found = self._entries[key] = (grouped_field_set, plans)
        return found[1]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: dict[str, Any],
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if (middleware and middleware.middlewares) or position_context is not None:
            # e.g. tracing (every field its full path), or a deferred delivery group
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        short: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        context = self.context_value
        for response_name, field_details_list, plan in self._plans(parent_type,
                                                                   grouped_field_set):
            if plan is None:
                value = Undefined
            elif plan[0] is None:  # __typename
                value = plan[1][1]
            else:
                try:
                    value = _completed(plan[1], plan[0](source_value), context)
                except Exception:  # noqa: BLE001 - the full path reports it
                    value = Undefined
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
