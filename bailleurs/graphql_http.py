"""GraphQL over HTTP (the GraphQL-over-HTTP specification, SHOULDs included).

- POST with `Content-Type: application/json` (UTF-8) for any operation; GET (and HEAD) for
  queries only: a mutation by GET gets 405 with `Allow: POST`, before anything is executed.
- The response media type follows `Accept` (q-values, then order).
  `application/graphql-response+json` gets its status codes: 400 when the request fails to
  parse, validate, find its operation or coerce its variables, 200 once execution starts.
  `application/json` gets 200 for every well-formed request. No `Accept` means
  `application/graphql-response+json` (the spec's default since 2025); a bare wildcard keeps
  `application/json`, what legacy clients expect; nothing acceptable is 406.
- A request that is not a well-formed GraphQL-over-HTTP request gets 400 (415 for a body that is
  not JSON), an unexpected failure 500 with a French message and no details.
- A JSON list is a batch (outside the spec; bounded by settings; answered with 200).
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from bailleurs import trusted_documents
from bailleurs.console import console_page
from bailleurs.http_errors import HttpError, error_body
from bailleurs.middleware import BodyTooLarge
from resolvers.shared.errors import DomainError, Unavailable, is_unavailable
from schema.errors import format_error, is_request_error
from schema.input_rules import NUL_MESSAGE, holds_nul

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_WILDCARDS = ("*/*", "application/*")

log = logging.getLogger("bailleurs.http")


def _media_range(part: str) -> tuple[str, float, str | None]:
    kind, *params = (p.strip() for p in part.split(";"))
    q, charset = 1.0, None
    for param in params:
        name, _, value = param.partition("=")
        name, value = name.strip().lower(), value.strip().strip('"').lower()
        if name == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
        elif name == "charset":
            charset = value
    return kind.lower(), q, charset


def negotiate(accept: str | None) -> str:
    """The response media type for an `Accept` header, or HttpError(406)."""
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE
    ranges = [_media_range(part) for part in accept.split(",") if part.strip()]
    # Highest q first; the listed order breaks ties (sorted() is stable).
    for kind, q, charset in sorted(ranges, key=lambda r: -r[1]):
        if q <= 0 or charset not in (None, "utf-8", "utf8"):
            continue
        if kind in (GRAPHQL_RESPONSE, JSON):
            return kind
        if kind in _WILDCARDS:
            return JSON
    raise HttpError(406, f"Formats de réponse acceptés : {GRAPHQL_RESPONSE}, {JSON}.")


def _json_param(raw: str | None, key: str) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise HttpError(400, f"Le paramètre « {key} » n'est pas du JSON valide.") from exc


def _params_from_query_string(request: Request) -> dict[str, Any]:
    q = request.query_params
    return {
        "query": q.get("query"),
        "documentId": q.get("documentId"),
        "operationName": q.get("operationName"),
        "variables": _json_param(q.get("variables"), "variables"),
        "extensions": _json_param(q.get("extensions"), "extensions"),
    }


async def _params_from_body(request: Request, max_batch: int) -> list[Any] | Any:
    kind, _, charset = _media_range(request.headers.get("content-type", ""))
    if kind != JSON or charset not in (None, "utf-8", "utf8"):
        raise HttpError(
            415,
            "Le corps de la requête doit être en application/json (UTF-8).",
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    try:
        body = json.loads((await request.body()).decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise HttpError(400, "Le corps de la requête n'est pas du JSON valide.") from exc
    if isinstance(body, list) and not 1 <= len(body) <= max_batch:
        raise HttpError(400, f"Un lot contient entre 1 et {max_batch} opérations.",
                        code="BAD_USER_INPUT")
    return body


def _check(params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise HttpError(400, "Une opération GraphQL est un objet JSON.")
    if not isinstance(params.get("query"), str) or not params["query"].strip():
        raise HttpError(400, "Le paramètre « query » est obligatoire (une chaîne).")
    for key in ("variables", "extensions"):
        if params.get(key) is not None and not isinstance(params[key], dict):
            raise HttpError(400, f"Le paramètre « {key} » doit être un objet.")
    if params.get("operationName") is not None and not isinstance(params["operationName"], str):
        raise HttpError(400, "Le paramètre « operationName » doit être une chaîne.")
    if holds_nul(params.get("variables")):
        raise HttpError(400, NUL_MESSAGE, code="BAD_USER_INPUT")
    return params


@lru_cache(maxsize=256)
def _operation_names(query: str, max_tokens: int) -> tuple[str | None, ...] | None:
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None  # the schema reports it, in its own words
    return tuple(
        d.name.value if d.name else None
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )


def _unknown_operation(params: dict, max_tokens: int) -> str | None:
    """GraphQL's GetOperation(), which Strawberry relaxes (it runs the first operation)."""
    names = _operation_names(params["query"], max_tokens)
    wanted = params.get("operationName") or None  # "" means none (spec)
    if names is None:
        return None
    if wanted is None and len(names) > 1 and None not in names:  # else validation says it
        return "La requête contient plusieurs opérations : précisez « operationName »."
    if wanted is not None and wanted not in names:
        return f"L'opération « {wanted} » est absente de la requête."
    return None


async def _execute_one(schema, params: dict, context, allowed: set[OperationType], settings):
    """The GraphQL response body, and whether the request failed before execution."""
    if problem := _unknown_operation(params, settings.max_tokens):
        return error_body(problem, "BAD_REQUEST"), True
    result = await schema.execute(
        params["query"],
        variable_values=params.get("variables"),
        context_value=context,
        operation_name=params.get("operationName") or None,  # "" means none (spec)
        allowed_operation_types=allowed,
    )
    errors = result.errors or []
    request_failed = bool(errors) and result.data is None and all(map(is_request_error, errors))
    body: dict[str, Any] = {}
    if errors:
        body["errors"] = [format_error(e) for e in errors]
    if not request_failed:
        body["data"] = result.data
    return body, request_failed


def _json(body: Any, status: int, media_type: str) -> Response:
    return JSONResponse(body, status_code=status, media_type=f"{media_type}; charset=utf-8")


def _graphiql(request: Request, settings) -> Response | None:
    wants_page = request.method in ("GET", "HEAD") and "query" not in request.query_params
    if not (wants_page and "text/html" in request.headers.get("accept", "")):
        return None
    if not settings.graphiql:
        raise HttpError(404, "GraphiQL est désactivé.", code="NOT_FOUND")
    return console_page()


def _operation_name(params: dict, max_tokens: int) -> str | None:
    names = _operation_names(params["query"], max_tokens) or (None,)
    return params.get("operationName") or (names[0] if len(names) == 1 else None)


def _note_for_log(request: Request, operations: list[dict], bodies: list[dict], settings) -> None:
    """Operation names and error codes for the request log: never variables (passwords...)."""
    codes = {e.get("extensions", {}).get("code") for b in bodies for e in b.get("errors", [])}
    request.state.log = {
        "operations": [_operation_name(p, settings.max_tokens) for p in operations],
        "error_codes": sorted(c for c in codes if c),
    }


async def _trusted(request: Request, params: Any, settings) -> Any:
    console = settings.graphiql and request.headers.get(trusted_documents.CONSOLE_HEADER) == "1"
    try:
        return await trusted_documents.resolve(
            params, settings.trusted_documents, request.app.state.documents, console
        )
    except trusted_documents.DocumentRefused as refused:
        raise HttpError(400, refused.message, code=refused.code) from None


async def _respond(request: Request, schema, make_context, settings, media_type: str):
    batch: list[Any] | Any  # one operation's parameters, or a list of them (a batch)
    if request.method in ("GET", "HEAD"):
        batch, allowed = _params_from_query_string(request), {OperationType.QUERY}
    else:
        batch = await _params_from_body(request, settings.max_batch)
        allowed = {OperationType.QUERY, OperationType.MUTATION}
    operations = [
        _check(await _trusted(request, p, settings))
        for p in (batch if isinstance(batch, list) else [batch])
    ]
    context = await make_context(request)
    if isinstance(batch, list):
        bodies = [
            (await _execute_one(schema, p, context, allowed, settings))[0] for p in operations
        ]
        _note_for_log(request, operations, bodies, settings)
        return _json(bodies, 200, media_type), context
    body, request_failed = await _execute_one(schema, operations[0], context, allowed, settings)
    _note_for_log(request, operations, [body], settings)
    status = 400 if request_failed and media_type == GRAPHQL_RESPONSE else 200
    return _json(body, status, media_type), context


async def handle(request: Request, schema, make_context, settings, apply_cookies) -> Response:
    """The response, or an error raised for the application's handlers (bailleurs.http_errors)
    to answer in the negotiated media type."""
    request.state.response_media_type = f"{JSON}; charset=utf-8"
    if (page := _graphiql(request, settings)) is not None:
        return page
    try:
        media_type = negotiate(request.headers.get("accept"))
        request.state.response_media_type = f"{media_type}; charset=utf-8"
        response, context = await _respond(request, schema, make_context, settings, media_type)
    except InvalidOperationTypeError as exc:
        if exc.operation_type == OperationType.MUTATION:
            raise HttpError(
                405,
                "Les mutations ne sont acceptées qu'en POST.",
                {"Allow": "POST"},
                code="METHOD_NOT_ALLOWED",
            ) from exc
        raise HttpError(400, "Les souscriptions ne sont pas proposées.") from exc
    except (HttpError, DomainError, BodyTooLarge):
        raise  # BodyTooLarge: answered 413 by the body-limit middleware
    except Exception as exc:
        if is_unavailable(exc):  # the session lookup found the database out of reach
            log.warning("database unavailable", extra={"error": type(exc).__name__})
            raise Unavailable() from exc
        # Outside any resolver: logged here, never detailed.
        log.exception("unexpected error while handling a GraphQL request")
        raise DomainError() from exc
    apply_cookies(response, context)
    return response
