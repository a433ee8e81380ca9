"""The one place where errors become GraphQL errors: a French message and `extensions.code`."""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError
from tortoise.exceptions import ValidationError

from resolvers.shared.errors import DomainError, Unavailable, is_unavailable
from schema.input_rules import NUL_MESSAGE

log = logging.getLogger("bailleurs.graphql")
INVALID_VALUE = "Une valeur saisie n'est pas valide."

# Errors of Strawberry's query-cost extensions, recognised by their wording.
_LIMITS = (
    (re.compile(r"exceeds maximum operation depth"), "La requête est trop profonde."),
    (re.compile(r"aliases found"), "La requête contient trop d'alias."),
    (re.compile(r"Document contains more than \d+ tokens"), "La requête est trop longue."),
    (re.compile(re.escape(NUL_MESSAGE)), NUL_MESSAGE),
    (re.compile(r"introspection has been disabled", re.I),
     "L'introspection du schéma est désactivée."),
)


def _request_error(message: str) -> tuple[str, str]:
    """Code and French message of an error raised before execution (graphql-core's are English)."""
    for pattern, french in _LIMITS:
        if pattern.search(message):
            return "BAD_USER_INPUT", french
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED", "La requête GraphQL est mal formée."
    if message.startswith("Variable "):
        return "BAD_USER_INPUT", "Une variable de la requête a une valeur invalide."
    return "GRAPHQL_VALIDATION_FAILED", "La requête GraphQL ne correspond pas au schéma."


# graphql-core's hints at names close to a wrong one (fields, arguments, types, enum values).
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def format_error(error: GraphQLError, *, hide_suggestions: bool = False) -> dict[str, Any]:
    """Serialise one error; never leaks an unexpected exception's text or trace. Without
    introspection (`hide_suggestions`), the English detail names no field the caller did not."""
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
        return {"message": error.message, **location, "extensions": dict(error.extensions)}
    if error.path is None:
        # Parse, validation and variable errors (the latter wrap the scalar's exception): the
        # original English text stays in `detail` for developers.
        code, french = _request_error(error.message)
        detail = _SUGGESTION.sub("", error.message) if hide_suggestions else error.message
        return {"message": french, **location, "extensions": {"code": code, "detail": detail}}
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
