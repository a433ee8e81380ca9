"""Validation rules on what clients send, applied before anything runs.

NUL characters: PostgreSQL refuses them in text, so a string holding one would fail deep in a
query; it is refused up front, alike on SQLite, as bad input.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule

NUL_MESSAGE = "Les textes saisis ne peuvent pas contenir de caractère nul."


class NoNulCharacters(ValidationRule):
    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if "\x00" in node.value:
            self.report_error(GraphQLError(NUL_MESSAGE, node))


def holds_nul(value: Any) -> bool:
    """Whether a JSON value (variables) holds a NUL character anywhere, keys included."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False
