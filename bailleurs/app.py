"""The ASGI application: routes, middleware, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from strawberry import Schema
from tortoise import Tortoise

from bailleurs import console, graphql_http, logs, trusted_documents
from bailleurs.db import init_database
from bailleurs.http_errors import EXCEPTION_HANDLERS
from bailleurs.middleware import (
    BodyLimitMiddleware,
    RequestLogMiddleware,
    SecurityHeadersMiddleware,
)
from bailleurs.settings import Settings, load
from policies.enforcers import EnforcerRegistry
from policies.guard import Guard, ScopeCache
from resolvers.accounts.sessions import COOKIE_NAME, resolve_session
from resolvers.shared.context import Context, Services

log = logging.getLogger("bailleurs")


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def create_app(
    settings: Settings | None = None, *, demo: bool = False, schema: Schema | None = None
) -> Starlette:
    """The service; `schema` replaces the product's (tests serve one with extra roots)."""
    settings = settings or load()
    logs.configure()
    registry = EnforcerRegistry(settings.enforcer_cache_size)
    services = Services(settings=settings, registry=registry, scopes=ScopeCache(registry))
    if schema is None:
        from schema import build_schema  # the schema imports every resolver: build it once here

        schema = build_schema(settings)

    async def make_context(request: Request) -> Context:
        """A request sent with the session cookie needs the CSRF header unless it is safe:
        GET only serves queries, receipts and exports (it changes nothing) and the cookie is
        SameSite=strict."""
        principal = None
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            principal = await resolve_session(settings, auth[7:].strip())
        elif cookie := request.cookies.get(COOKIE_NAME):
            principal = await resolve_session(
                settings, cookie, request.headers.get("x-csrf-token"), via_cookie=True,
                csrf_required=request.method not in ("GET", "HEAD"),
            )
        return Context(
            request=request,
            services=services,
            principal=principal,
            guard=Guard(principal, services.scopes),
            client_ip=_client_ip(request),
        )

    def apply_cookies(response: Response, context: Context) -> None:
        for name, value in context.cookies:
            if value is None:
                response.delete_cookie(name, path="/", secure=settings.cookie_secure, httponly=True)
            else:
                response.set_cookie(
                    name,
                    value,
                    max_age=settings.session_absolute_hours * 3600,
                    path="/",
                    secure=settings.cookie_secure,
                    httponly=True,
                    samesite="strict",
                )

    async def graphql(request: Request) -> Response:
        return await graphql_http.handle(request, schema, make_context, settings, apply_cookies)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def receipt(request: Request) -> Response:
        from bailleurs.receipts import receipt_response

        context = await make_context(request)
        kinds = {None: "rent", "changes": "change", "unpaid": "unpaid", "plans": "plan"}
        kind = kinds.get(request.path_params.get("kind"), "unknown")
        return await receipt_response(context, request.path_params["declaration_id"], kind)

    async def export(request: Request) -> Response:
        from bailleurs.exports import export_response

        params, query = request.path_params, request.query_params
        return await export_response(
            await make_context(request), params["kind"], params["org"],
            query.get("at"), query.get("from"), query.get("to"),
        )

    async def audit_export(request: Request) -> Response:
        from bailleurs.audit_export import audit_events_response

        context = await make_context(request)
        return await audit_events_response(
            context, request.path_params["fmt"], request.query_params
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await init_database(settings.database_url, settings)
        if demo:
            from bailleurs.demo import load_demo_if_empty

            await load_demo_if_empty()
        from bailleurs.background import start_background

        tasks = await start_background(services)
        app.state.services = services
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await Tortoise.close_connections()
            if settings.metrics_token:
                from bailleurs.metrics import process_exited

                process_exited()

    middleware = [
        Middleware(RequestLogMiddleware),
        Middleware(SecurityHeadersMiddleware),
        Middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes),
    ]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "X-CSRF-Token"],
                allow_credentials=True,
            )
        )
    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/receipts/{declaration_id}.pdf", receipt, methods=["GET"]),
        Route("/receipts/{kind:str}/{declaration_id}.pdf", receipt, methods=["GET"]),
        # Before the organisation exports, whose pattern would take it for kind "audit".
        Route("/exports/audit/events.{fmt}", audit_export, methods=["GET"]),
        Route("/exports/{kind}/{org}.csv", export, methods=["GET"]),
    ]
    if settings.graphiql:
        routes.append(Mount(console.ASSETS_PATH, console.console_assets()))
    if settings.metrics_token:
        from bailleurs import metrics

        routes.append(Route("/metrics", metrics.metrics_endpoint, methods=["GET"]))
        middleware.insert(0, Middleware(metrics.MetricsMiddleware))
        metrics.watch_caches(services)
    if settings.tracing:
        from bailleurs import tracing

        middleware.insert(0, tracing.asgi_middleware())
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.documents = trusted_documents.Lookup()
    return app
