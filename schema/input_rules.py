"""Validation rules on what clients send, applied before anything runs, and the validation step
that types their errors (so that `schema.errors` tells them apart without reading English).

NUL characters: PostgreSQL refuses them in text, so a string holding one would fail deep in a
query; it is refused up front, alike on SQLite, as bad input.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    StringValueNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.errors import RequestRefused, ValidationFailed

NUL_MESSAGE = "Les textes saisis ne peuvent pas contenir de caractère nul."


class NoNulCharacters(ValidationRule):
    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.report_error(RequestRefused(NUL_MESSAGE, nodes=node))


def holds_nul(value: Any) -> bool:
    """Whether a JSON value (variables) holds a NUL character anywhere, keys included."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False


class _RefusingContext:
    """A validation context whose reported errors become `RequestRefused` with a French text.
    Strawberry's limiters report through the context, some while being constructed."""

    def __init__(self, context: ValidationContext, french: str) -> None:
        self._context, self._french = context, french

    def report_error(self, error: GraphQLError) -> None:
        self._context.report_error(RequestRefused(self._french, error))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def refusing(rule: type[ASTValidationRule], french: str) -> type[ASTValidationRule]:
    """`rule`, whose errors say in French that the request is refused (build it once: the rule
    classes are part of the validation cache's key)."""

    class Refusing(rule):  # type: ignore[valid-type, misc]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_RefusingContext(context, french))

    Refusing.__name__ = Refusing.__qualname__ = f"Refusing{rule.__name__}"
    return Refusing


@lru_cache(maxsize=256)
def _validate(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    errors = validate_document(schema, document, rules)
    return [e if isinstance(e, ValidationFailed) else ValidationFailed.of(e) for e in errors]


class TypedValidationCache(SchemaExtension):
    """Strawberry's ValidationCache, whose errors are typed `ValidationFailed`: an error without
    that type, raised before execution, then comes from parsing or from the variables."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = _validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        yield
