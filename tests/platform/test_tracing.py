"""Traces: one request's spans (HTTP, operation, resolvers, SQL, the caller's rights) in one trace,
with no value a client sent in any attribute."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from asgi_lifespan import LifespanManager
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bailleurs import tracing
from bailleurs.app import create_app
from models import Organisation
from tests.declarations.operations import TENANTS
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
)

EXPORTER = InMemorySpanExporter()
INLINE_LOGIN = (
    f'mutation Inline {{ login(identifier: "TRACE.USER", password: "{PASSWORD}") {{ token }} }}'
)


@pytest.fixture
async def traced(settings):
    tracing.configure(EXPORTER)  # once per process; later calls keep this exporter
    app = create_app(replace(settings, tracing=True))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50002))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            yield app, client
    tracing.stop_database_spans()
    EXPORTER.clear()


def _values(span) -> list[str]:
    return [str(v) for v in (span.attributes or {}).values()] + [span.name]


async def test_one_request_one_trace_without_client_values(traced):
    app, client = traced

    class Api:
        services = app.state.services

    [created] = await import_organisations(Api, organisation_data("TRACE", [("PRIVE", "13", 3)]))
    org = await Organisation.get(user_number=created["userNumber"])
    await make_user(Api, org, "TRACE.USER", groups=(await group(org, "prive", "13"),))
    login = await client.post("/graphql", json={"query": INLINE_LOGIN})
    token = login.json()["data"]["login"]["token"]
    EXPORTER.clear()
    page = await client.post("/graphql", json={"query": TENANTS, "variables": {"first": 7}},
                             headers={"authorization": f"Bearer {token}"})
    assert len(page.json()["data"]["tenants"]["edges"]) == 3
    everything = EXPORTER.get_finished_spans()
    [http] = [s for s in everything if s.parent is None and s.name == "POST /graphql"]
    # The request's trace (background jobs polling the outbox have traces of their own).
    spans = [s for s in everything if s.context.trace_id == http.context.trace_id]
    names = [s.name for s in spans]
    assert "GraphQL Query: Tenants" in names
    assert "GraphQL Resolving: tenants" in names
    assert "authorization: rights of the caller" in names
    sql = [s for s in spans if (s.attributes or {}).get("db.system") in ("sqlite", "postgresql")]
    assert sql, names
    # Every SQL span sits inside the request's trace, under a resolver or the operation.
    assert all(s.parent is not None for s in sql)
    operation = next(s for s in spans if s.name == "GraphQL Query: Tenants")
    assert operation.attributes["query"].startswith("sha256:")
    for span in spans:
        for text in _values(span):
            assert token not in text and PASSWORD not in text


async def test_passwords_in_documents_and_urls_stay_out_of_spans(traced):
    _, client = traced
    EXPORTER.clear()
    await client.post("/graphql", json={"query": INLINE_LOGIN})
    await client.get("/graphql", params={"query": "{ health }", "variables": '{"p": "S3cret!"}'},
                     headers={"accept": "application/json"})
    spans = EXPORTER.get_finished_spans()
    assert spans
    for span in spans:
        for text in _values(span):
            assert PASSWORD not in text and "S3cret" not in text, (span.name, span.attributes)
