"""The one place where errors become GraphQL errors: a French message and `extensions.code`."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from tortoise.exceptions import ValidationError

from resolvers.shared.errors import DomainError, Unavailable, is_unavailable

log = logging.getLogger("bailleurs.graphql")
INVALID_VALUE = "Une valeur saisie n'est pas valide."


class ValidationFailed(GraphQLError):
    """An error of a validation rule: the document does not fit the schema (see
    schema.input_rules.TypedValidationCache, which gives validation errors this type)."""

    @classmethod
    def of(cls, error: GraphQLError) -> ValidationFailed:
        return cls(error.message, error.nodes, original_error=error.original_error)


class RequestRefused(ValidationFailed):
    """A document our limits refuse (depth, aliases, NUL characters, introspection): the
    caller's input, said in French."""

    def __init__(self, french: str, error: GraphQLError | None = None, nodes: Any = None) -> None:
        super().__init__(error.message if error else french, error.nodes if error else nodes)
        self.french = french


def _request_error(error: GraphQLError) -> tuple[str, str]:
    """Code and French message of an error raised before execution (graphql-core's are English),
    from the type graphql-core (or our validation) gives it."""
    if isinstance(error, RequestRefused):
        return "BAD_USER_INPUT", error.french
    if isinstance(error, GraphQLSyntaxError):
        # graphql-core's token limit is a syntax error of its own wording, with no type of its own.
        if error.message.endswith("tokens. Parsing aborted."):
            return "BAD_USER_INPUT", "La requête est trop longue."
        return "GRAPHQL_PARSE_FAILED", "La requête GraphQL est mal formée."
    if isinstance(error, ValidationFailed):
        return "GRAPHQL_VALIDATION_FAILED", "La requête GraphQL ne correspond pas au schéma."
    # Neither parsed nor validated badly: the variables failed to coerce (graphql-core's
    # execution/values.py), before any field ran.
    return "BAD_USER_INPUT", "Une variable de la requête a une valeur invalide."


def format_error(error: GraphQLError) -> dict[str, Any]:
    """Serialise one error; never leaks an unexpected exception's text or trace."""
    original = error.original_error
    location = {
        "locations": [loc._asdict() for loc in error.locations] if error.locations else None,
        "path": error.path,
    }
    location = {k: v for k, v in location.items() if v is not None}
    if isinstance(original, DomainError):
        return {
            "message": original.message,
            **location,
            "extensions": {"code": original.code, **original.extensions},
        }
    if original is None and "code" in (error.extensions or {}):  # a permission class's own error
        return {"message": error.message, **location, "extensions": dict(error.extensions or {})}
    if error.path is None:
        # Parse, validation and variable errors (the latter wrap the scalar's exception): the
        # original English text stays in `detail` for developers.
        code, french = _request_error(error)
        return {
            "message": french,
            **location,
            "extensions": {"code": code, "detail": error.message},
        }
    if isinstance(original, ValidationError):
        # A value a model refuses (too long for its column, a wrong format) that no check caught
        # before: the caller's input, not a fault of the service.
        log.warning("value refused by a model", extra={"path": error.path})
        return {"message": INVALID_VALUE, **location, "extensions": {"code": "BAD_USER_INPUT"}}
    if is_unavailable(original):
        log.warning("database unavailable", extra={"path": error.path,
                                                   "error": type(original).__name__})
        return {"message": Unavailable.default_message, **location,
                "extensions": {"code": Unavailable.code}}
    log.error("unexpected error in resolver", exc_info=original, extra={"path": error.path})
    return {
        "message": DomainError.default_message,
        **location,
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    }


def is_request_error(error: GraphQLError) -> bool:
    """Parse, validation and variable errors: the request never reached execution (no path)."""
    return error.path is None
