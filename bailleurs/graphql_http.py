"""GraphQL over HTTP (the GraphQL-over-HTTP specification, SHOULDs included).

- POST with `Content-Type: application/json` for any operation; GET for queries only (405 else).
- `Accept: application/graphql-response+json` gets that media type and its status codes:
  400 when the request fails to parse or validate, 200 once execution starts. Plain
  `application/json` (or no Accept) gets 200 for every well-formed request.
- A JSON list is a batch (bounded by settings).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from schema.errors import format_error, is_request_error
from schema.input_rules import NUL_MESSAGE, holds_nul

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 code: str = "BAD_REQUEST"):
        self.status, self.message, self.headers, self.code = status, message, headers or {}, code


def _media_type(request: Request) -> str:
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return JSON
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE in kinds:
        return GRAPHQL_RESPONSE
    if JSON in kinds or "*/*" in kinds or "application/*" in kinds:
        return JSON
    raise HttpError(406, f"Formats acceptés : {GRAPHQL_RESPONSE}, {JSON}.")


def _params_from_query_string(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {"query": request.query_params.get("query")}
    for key in ("variables", "extensions"):
        raw = request.query_params.get(key)
        if raw:
            try:
                params[key] = json.loads(raw)
            except ValueError as exc:
                raise HttpError(400, f"Le paramètre « {key} » n'est pas du JSON valide.") from exc
    params["operationName"] = request.query_params.get("operationName")
    return params


async def _params_from_body(request: Request, max_batch: int) -> list[dict[str, Any]] | dict:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise HttpError(415, "Le corps de la requête doit être en application/json.")
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise HttpError(400, "Le corps de la requête n'est pas du JSON valide.") from exc
    if isinstance(body, list):
        if not body or len(body) > max_batch:
            raise HttpError(400, f"Un lot contient entre 1 et {max_batch} opérations.",
                            code="BAD_USER_INPUT")
        return body
    return body


def _check(params: Any) -> None:
    if not isinstance(params, dict):
        raise HttpError(400, "Une opération GraphQL est un objet JSON.")
    if not isinstance(params.get("query"), str) or not params["query"].strip():
        raise HttpError(400, "Le paramètre « query » est obligatoire.")
    if params.get("variables") is not None and not isinstance(params["variables"], dict):
        raise HttpError(400, "Le paramètre « variables » doit être un objet.")
    if params.get("operationName") is not None and not isinstance(params["operationName"], str):
        raise HttpError(400, "Le paramètre « operationName » doit être une chaîne.")
    if holds_nul(params.get("variables")):
        raise HttpError(400, NUL_MESSAGE, code="BAD_USER_INPUT")


async def _execute_one(schema, params: dict, context, allowed: set[OperationType]):
    _check(params)
    result = await schema.execute(
        params["query"],
        variable_values=params.get("variables"),
        context_value=context,
        operation_name=params.get("operationName"),
        allowed_operation_types=allowed,
    )
    body: dict[str, Any] = {}
    errors = result.errors or []
    request_failed = bool(errors) and result.data is None and all(map(is_request_error, errors))
    if errors:
        body["errors"] = [format_error(e) for e in errors]
    if not request_failed:
        body["data"] = result.data
    return body, request_failed


def _error_response(error: HttpError, media_type: str) -> Response:
    return JSONResponse(
        {"errors": [{"message": error.message, "extensions": {"code": error.code}}]},
        status_code=error.status,
        media_type=media_type,
        headers=error.headers,
    )


async def handle(request: Request, schema, make_context, settings, apply_cookies) -> Response:
    if request.method == "GET" and "text/html" in request.headers.get("accept", "") and not (
        request.query_params.get("query")
    ):
        if settings.graphiql:
            return HTMLResponse(get_graphql_ide_html())
        raise_not_found = HttpError(404, "GraphiQL est désactivé.")
        return _error_response(raise_not_found, JSON)
    try:
        media_type = _media_type(request)
    except HttpError as error:
        return _error_response(error, JSON)
    try:
        if request.method == "GET":
            batch, allowed = _params_from_query_string(request), {OperationType.QUERY}
        else:
            batch = await _params_from_body(request, settings.max_batch)
            allowed = {OperationType.QUERY, OperationType.MUTATION}
        context = await make_context(request)
        if isinstance(batch, list):
            bodies = [(await _execute_one(schema, p, context, allowed))[0] for p in batch]
            response = JSONResponse(bodies, media_type=media_type)
        else:
            body, request_failed = await _execute_one(schema, batch, context, allowed)
            status = 400 if request_failed and media_type == GRAPHQL_RESPONSE else 200
            response = JSONResponse(body, status_code=status, media_type=media_type)
    except InvalidOperationTypeError as exc:
        error = HttpError(
            405, "Les mutations ne sont acceptées qu'en POST.", {"Allow": "POST"}
        ) if exc.operation_type == OperationType.MUTATION else HttpError(
            400, "Type d'opération non accepté."
        )
        return _error_response(error, media_type)
    except HttpError as error:
        return _error_response(error, media_type)
    apply_cookies(response, context)
    return response
