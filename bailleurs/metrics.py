"""Prometheus metrics (prometheus-client) at GET /metrics, for the people who run the service.

Off unless METRICS_TOKEN is set; then /metrics answers only `Authorization: Bearer <token>`.
With several workers, `bailleurs serve` points PROMETHEUS_MULTIPROC_DIR at a fresh folder so that
every worker's counters add up (prometheus-client's multi-process mode). Values read from the
database (outbox backlog, locked accounts) and the pool are taken at scrape time."""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise import connections

from models import OutboxMail, User
from resolvers.shared.clock import now

REQUESTS = Counter(
    "bailleurs_requests", "Requests by route, GraphQL operation, outcome and first error code.",
    ["route", "operation", "outcome", "code"],
)
LATENCY = Histogram(
    "bailleurs_request_duration_seconds", "Time to answer a request, by route.", ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SQL_STATEMENTS = Histogram(
    "bailleurs_sql_statements_per_request", "SQL statements a request ran, by route.", ["route"],
    buckets=(0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100),
)
CACHE_LOOKUPS = Counter(
    "bailleurs_cache_lookups", "Lookups in the policy caches: enforcers and compiled scopes.",
    ["cache", "result"],
)
CACHE_ENTRIES = Gauge(
    "bailleurs_cache_entries", "Entries in the policy caches (all workers).", ["cache"],
    multiprocess_mode="livesum",
)

_ROUTES = ("/graphql", "/health", "/receipts/", "/exports/", "/metrics", "/console-assets/")
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
# Operation names come from clients: past this many distinct ones a process says "other".
MAX_OPERATION_NAMES = 300
_operation_names: set[str] = set()
_statements: ContextVar[list[int] | None] = ContextVar("sql_statements", default=None)


def _route(path: str) -> str:
    return next((r.rstrip("/") for r in _ROUTES if path == r or path.startswith(r)), "other")


def _operation(names: list[str | None]) -> str:
    if not names:
        return ""
    if len(names) > 1:
        return "batch"
    name = names[0]
    if name is None:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "other"
    if name not in _operation_names and len(_operation_names) >= MAX_OPERATION_NAMES:
        return "other"
    _operation_names.add(name)
    return name


class _CountStatements(logging.Handler):
    """Counts the statements Tortoise logs at DEBUG for the request in progress; never formats
    them (they carry values)."""

    def emit(self, record: logging.LogRecord) -> None:
        counter = _statements.get()
        if counter is not None:
            counter[0] += 1


def _count_sql() -> None:
    logger = logging.getLogger("tortoise.db_client")
    if not any(isinstance(h, _CountStatements) for h in logger.handlers):
        logger.addHandler(_CountStatements())
        logger.setLevel(logging.DEBUG)
        logger.propagate = False  # statements and their values never reach the log output


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        _count_sql()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        route, status, counter = _route(scope["path"]), 500, [0]
        token = _statements.set(counter)

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with LATENCY.labels(route).time():
            try:
                await self.app(scope, receive, send_status)
            finally:
                _statements.reset(token)
                note = scope.get("state", {}).get("log", {})
                codes = note.get("error_codes") or ([f"HTTP_{status}"] if status >= 400 else [])
                REQUESTS.labels(
                    route, _operation(note.get("operations") or []),
                    "error" if codes else "ok", codes[0] if codes else "",
                ).inc()
                SQL_STATEMENTS.labels(route).observe(counter[0])
                services = scope["app"].state.services
                CACHE_ENTRIES.labels("enforcer").set(len(services.registry))
                CACHE_ENTRIES.labels("scope").set(len(services.scopes))


def watch_caches(services) -> None:  # noqa: ANN001 - resolvers.shared.context.Services
    def counting(cache: str):
        hit, miss = CACHE_LOOKUPS.labels(cache, "hit"), CACHE_LOOKUPS.labels(cache, "miss")
        return lambda found: (hit if found else miss).inc()

    services.registry.on_lookup = counting("enforcer")
    services.scopes.on_lookup = counting("scope")


class _Snapshot(Collector):
    """Values measured at scrape time, by the scraping process."""

    def __init__(self, values: dict[str, tuple[str, float]]) -> None:
        self.values = values

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, (text, value) in self.values.items():
            yield GaugeMetricFamily(name, text, value=value)


async def _snapshot() -> dict[str, tuple[str, float]]:
    moment = now()
    waiting = OutboxMail.filter(sent_at=None)
    first = await waiting.order_by("created_at").first()
    oldest: datetime | None = first.created_at if first else None
    values = {
        "bailleurs_outbox_backlog": ("Mails and letters not yet delivered.",
                                     await waiting.count()),
        "bailleurs_outbox_oldest_age_seconds": (
            "Age of the oldest undelivered mail (0 when none).",
            (moment - oldest).total_seconds() if oldest else 0.0),
        "bailleurs_locked_accounts": ("Accounts locked by failed logins right now.",
                                      await User.filter(locked_until__gt=moment).count()),
    }
    pool = getattr(connections.get("default"), "_pool", None)  # asyncpg only
    if pool is not None:
        values["bailleurs_db_pool_connections"] = ("Open database connections (this process).",
                                                   pool.get_size())
        values["bailleurs_db_pool_in_use"] = ("Database connections in use (this process).",
                                              pool.get_size() - pool.get_idle_size())
    return values


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


async def metrics_endpoint(request: Request) -> Response:
    expected = f"Bearer {request.app.state.services.settings.metrics_token}"
    if not secrets.compare_digest(request.headers.get("authorization", ""), expected):
        return JSONResponse({"errors": [{"message": "Jeton de métriques manquant ou invalide.",
                                         "extensions": {"code": "UNAUTHENTICATED"}}]}, 401)
    scraped = CollectorRegistry()
    scraped.register(_Snapshot(await _snapshot()))
    body = generate_latest(_registry()) + generate_latest(scraped)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def process_exited() -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())
