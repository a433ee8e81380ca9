"""The one registry of HTTP errors: which status each error gets, and the one envelope.

Routes raise (a domain error, an `HttpError`, Starlette's own `HTTPException`); the handlers
registered on the application (`EXCEPTION_HANDLERS`) answer with `error_response`, as Starlette's
`ExceptionMiddleware` does with plain text. The envelope is GraphQL's: a French message for
people, a machine code in `extensions.code`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from resolvers.shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)

JSON = "application/json"

# The HTTP status of each domain error; the most specific class wins, anything else is a 500.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    Invalid: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    Unavailable: 503,
}
# Sent with a status: when to try again after a 503 (the database restarts within seconds).
STATUS_HEADERS: dict[int, dict[str, str]] = {503: {"Retry-After": "2"}}

# Starlette's own refusals (no route, wrong method) carry English text: said in French here.
_STARLETTE: dict[int, tuple[str, str]] = {
    404: ("NOT_FOUND", "Ressource introuvable."),
    405: ("METHOD_NOT_ALLOWED", "Méthode non autorisée pour cette adresse."),
}
_STARLETTE_OTHER = ("BAD_REQUEST", "La requête est invalide.")


class HttpError(HTTPException):
    """A refusal of the HTTP layer itself (media types, malformed requests), in French."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        code: str = "BAD_REQUEST",
    ) -> None:
        super().__init__(status, message, dict(headers) if headers else None)
        self.code = code

    @property
    def message(self) -> str:
        return self.detail


def error_body(message: str, code: str) -> dict[str, Any]:
    """The envelope of every error answered outside GraphQL execution."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def error_response(
    status: int,
    message: str,
    code: str,
    headers: Mapping[str, str] | None = None,
    media_type: str = JSON,
) -> JSONResponse:
    return JSONResponse(
        error_body(message, code),
        status_code=status,
        headers=dict(headers) if headers else None,
        media_type=media_type,
    )


def _media_type(request: Request) -> str:
    # The GraphQL endpoint answers its errors in the media type negotiated from `Accept` (with
    # its charset): see bailleurs.graphql_http.
    return getattr(request.state, "response_media_type", JSON)


def domain_status(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in DOMAIN_STATUS:
            return DOMAIN_STATUS[kind]
    return 500


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = domain_status(exc)
    return error_response(
        status, exc.message, exc.code, STATUS_HEADERS.get(status), _media_type(request)
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, HttpError):
        code, message = exc.code, exc.message
    else:
        code, message = _STARLETTE.get(exc.status_code, _STARLETTE_OTHER)
    return error_response(exc.status_code, message, code, exc.headers, _media_type(request))


EXCEPTION_HANDLERS = {DomainError: domain_error_handler, HTTPException: http_error_handler}
