"""OpenTelemetry traces, off by default. On when OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; every other standard OTEL_* variable applies
(OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER…).

One request gives: the HTTP span (OpenTelemetry's ASGI middleware), the GraphQL operation and one
span per resolver (Strawberry's OpenTelemetryExtension), the caller's rights (policies.guard) and
each SQL statement (the asyncpg and sqlite3 instrumentations). No attribute carries a value a
client sent: resolver arguments are dropped, the document is named by its SHA-256 (its literals
could hold a password), and URLs lose their query string."""

from __future__ import annotations

import os
from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from starlette.middleware import Middleware

_provider: TracerProvider | None = None


def configure(exporter: SpanExporter | None = None) -> TracerProvider:
    """Once per process: the tracer provider, its exporter and the database instrumentations.
    Without an exporter, OTLP over HTTP as the OTEL_* variables say."""
    global _provider
    if _provider is not None:
        _instrument_databases(_provider)
        return _provider
    name = os.environ.get("OTEL_SERVICE_NAME", "offre-bailleurs")
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _instrument_databases(provider)
    _provider = provider
    return provider


def _instrument_databases(provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().instrument(tracer_provider=provider)  # once: it knows it is on
    _trace_aiosqlite(provider)


def stop_database_spans() -> None:
    """Undo the database instrumentations (tests: later tests run without the tracing cost)."""
    import aiosqlite.core
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().uninstrument()
    connection = aiosqlite.core.Connection
    if original := getattr(connection, "_untraced", None):
        connection._execute = original  # type: ignore[method-assign]
        delattr(connection, "_untraced")


def _trace_aiosqlite(provider: TracerProvider) -> None:
    """One span per SQLite statement. OpenTelemetry's sqlite3 instrumentation only sees cursors,
    and Tortoise runs `connection.execute` through aiosqlite on a thread of its own, where the
    request's span is not current: the span is opened here, on the caller's side, around
    aiosqlite's hand-off (statement text only; its values are never recorded)."""
    import aiosqlite.core

    connection = aiosqlite.core.Connection
    if getattr(connection, "_untraced", None):
        return
    execute, tracer = connection._execute, provider.get_tracer("bailleurs.sqlite")

    async def traced(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        statement = next((a for a in args if isinstance(a, str)), None)
        if statement is None:
            return await execute(self, fn, *args, **kwargs)
        name = statement.split(None, 1)[0].upper() if statement.strip() else "SQL"
        with tracer.start_as_current_span(name, kind=trace.SpanKind.CLIENT) as span:
            span.set_attribute("db.system", "sqlite")
            span.set_attribute("db.statement", statement)
            return await execute(self, fn, *args, **kwargs)

    connection._untraced = execute  # type: ignore[attr-defined]
    connection._execute = traced  # type: ignore[method-assign]


def _hide_query_string(span: Any, scope: dict[str, Any]) -> None:
    # GET /graphql?variables=… may carry a password: the URL is recorded without its query.
    if span.is_recording():
        url = f"{scope.get('scheme', 'http')}://{scope.get('server', ('', ''))[0]}{scope['path']}"
        for key in ("http.url", "url.full"):
            span.set_attribute(key, url)
        for key in ("http.target",):
            span.set_attribute(key, scope["path"])
        span.set_attribute("url.query", "")


def asgi_middleware() -> Middleware:
    """Outermost, so that the HTTP span holds everything else."""
    return Middleware(
        OpenTelemetryMiddleware, tracer_provider=configure(),
        server_request_hook=_hide_query_string, exclude_spans=["receive", "send"],
    )
