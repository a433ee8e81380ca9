"""What one HTTP request may cost, decided from its documents before anything runs.

All the operations of a batch count together, aliases and fragments each time they are used:
- a field marked `HASHING` (it computes or verifies an argon2 hash, ~0.15 s of CPU) may appear
  once per request;
- every field costs 1 plus its children; a list of objects multiplies its children's cost by its
  size: the `first` of the paginated field above it (its default when absent, at most
  MAX_PAGE_SIZE), or UNPAGED_LIST_SIZE for a list without pagination. The schema's introspection
  costs a flat INTROSPECTION_COST. The total must stay within GRAPHQL_MAX_COST.

Hand-written (a walk of graphql-core's AST) because no well-kept library fits: Strawberry limits
depth, aliases and tokens but not cost, and the Python cost libraries price one operation at a time,
not a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

# Field metadata flag: `@strawberry.mutation(..., metadata=HASHING)`.
HASHES_PASSWORD = "hashes_password"
HASHING = {HASHES_PASSWORD: True}
MAX_HASHING_FIELDS = 1

UNPAGED_LIST_SIZE = 10
INTROSPECTION_COST = 500
_INTROSPECTION = ("__schema", "__type")


@dataclass(frozen=True)
class Operation:
    document: DocumentNode
    name: str | None  # operationName; None runs the document's only operation
    variables: dict[str, Any]


@dataclass
class Cost:
    points: int = 0
    hashing: list[str] | None = None  # the hashing root fields, each time they are selected

    def add(self, other: Cost, times: int = 1) -> None:
        self.points += times * other.points
        self.hashing = [*(self.hashing or []), *(other.hashing or [])]


def hashes_password(field) -> bool:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return bool(definition is not None and (definition.metadata or {}).get(HASHES_PASSWORD))


class _Estimate:
    """The cost of one operation of a document; invalid parts cost nothing (validation refuses
    them later), fragment cycles included."""

    def __init__(self, schema: GraphQLSchema, operation: Operation, max_page_size: int):
        self.schema, self.max_page_size = schema, max_page_size
        self.variables = operation.variables
        self.fragments = {d.name.value: d for d in operation.document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.defaults: dict[str, Any] = {}
        self.memo: dict[tuple[str, int | None], Cost] = {}
        self.entered: set[str] = set()

    def operation(self, node: OperationDefinitionNode) -> Cost:
        root = self.schema.get_root_type(node.operation)
        if root is None:
            return Cost()
        self.defaults = {
            d.variable.name.value: int(d.default_value.value)
            for d in node.variable_definitions or ()
            if isinstance(d.default_value, IntValueNode)
        }
        return self.selections(node.selection_set, root, None)

    def selections(self, selection_set: SelectionSetNode | None, parent, page: int | None) -> Cost:
        total = Cost()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total.add(self.field(selection, parent, page))
            elif isinstance(selection, InlineFragmentNode):
                inner = self.condition(selection.type_condition) or parent
                total.add(self.selections(selection.selection_set, inner, page))
            elif isinstance(selection, FragmentSpreadNode):
                total.add(self.spread(selection.name.value, page))
        return total

    def spread(self, name: str, page: int | None) -> Cost:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.entered:
            return Cost()
        key = (name, page)
        if key not in self.memo:
            self.entered.add(name)
            inner = self.condition(fragment.type_condition)
            self.memo[key] = self.selections(fragment.selection_set, inner, page) if inner \
                else Cost()
            self.entered.discard(name)
        return self.memo[key]

    def condition(self, node: NamedTypeNode | None):
        type_ = self.schema.get_type(node.name.value) if node else None
        return type_ if hasattr(type_, "fields") else None

    def field(self, node: FieldNode, parent, page: int | None) -> Cost:
        name = node.name.value
        if name in _INTROSPECTION:
            return Cost(INTROSPECTION_COST)
        definition = getattr(parent, "fields", {}).get(name)
        if definition is None:  # __typename, or unknown to the schema
            return Cost(1)
        cost = Cost(1, [name] if hashes_password(definition) else None)
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return cost
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            size = page if page is not None else UNPAGED_LIST_SIZE
            cost.add(self.selections(node.selection_set, named, None), size)
        else:
            cost.add(self.selections(node.selection_set, named, self.page_size(node, definition)))
        return cost

    def page_size(self, node: FieldNode, definition) -> int | None:
        """The `first` a paginated field will use, for the list below it."""
        if "first" not in definition.args:
            return None
        value = None
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                name = argument.value.name.value
                given = self.variables.get(name, self.defaults.get(name))
                value = given if isinstance(given, int) and not isinstance(given, bool) else None
        if value is None:
            default = definition.args["first"].default_value
            value = default if isinstance(default, int) else self.max_page_size
        return max(0, min(value, self.max_page_size))


def request_cost(schema: GraphQLSchema, operations: list[Operation], max_page_size: int) -> Cost:
    """The cost of every operation that will run (all of a document's when it names none)."""
    total = Cost()
    for operation in operations:
        estimate = _Estimate(schema, operation, max_page_size)
        for node in operation.document.definitions:
            if isinstance(node, OperationDefinitionNode) and (
                operation.name is None or (node.name and node.name.value == operation.name)
            ):
                total.add(estimate.operation(node))
    return total


def refusal(cost: Cost, max_cost: int) -> tuple[str, dict[str, Any]] | None:
    """The French message and `extensions` refusing a request over its limits, or None."""
    hashing = cost.hashing or []
    if len(hashing) > MAX_HASHING_FIELDS:
        return (
            "Une requête ne peut contenir qu'une seule opération de connexion ou de mot de passe "
            f"({', '.join(sorted(set(hashing)))}) : envoyez-les une par une.",
            {"code": "BAD_USER_INPUT", "hashingFields": len(hashing),
             "maxHashingFields": MAX_HASHING_FIELDS},
        )
    if cost.points > max_cost:
        return (
            f"La requête est trop coûteuse ({cost.points} points pour {max_cost} au plus) : "
            "demandez moins d'éléments (« first ») ou découpez-la.",
            {"code": "BAD_USER_INPUT", "cost": cost.points, "maxCost": max_cost},
        )
    return None
