"""GET /metrics: Prometheus text, only with the token; requests, latency, SQL statements per
request, policy caches, outbox and locks; several workers add up."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client.parser import text_string_to_metric_families

from bailleurs.app import create_app
from models import Organisation
from tests.accounts.operations import LOGIN
from tests.conftest import PG_URL, free_port
from tests.declarations.operations import TENANTS
from tests.support.factories import (
    PASSWORD,
    group,
    import_organisations,
    make_user,
    organisation_data,
)
from tests.support.servers import ServiceProcess, service_env

TOKEN = "metrics-test-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


def value(scraped: dict, name: str, **labels: str) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in scraped.items() if n == name and wanted <= ls)


@pytest.fixture
async def metered(settings):
    app = create_app(replace(settings, metrics_token=TOKEN))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            yield app, client


async def test_no_metrics_route_without_a_token(api):
    assert (await api.client.get("/metrics")).status_code == 404


async def test_metrics_need_the_token(metered):
    _, client = metered
    assert (await client.get("/metrics")).status_code == 401
    assert (await client.get("/metrics", headers={"authorization": "Bearer x"})).status_code == 401


async def test_requests_latency_sql_and_caches_are_counted(metered):
    app, client = metered

    class Api:  # the factories' view of the app
        services = app.state.services

    [created] = await import_organisations(Api, organisation_data("METRIC", [("PRIVE", "13", 3)]))
    org = await Organisation.get(user_number=created["userNumber"])
    await make_user(Api, org, "METRIC.USER",
                    groups=(await group(org, "prive", "13"),))
    before = samples((await client.get("/metrics", headers=AUTH)).text)
    login = await client.post("/graphql", json={
        "query": LOGIN, "variables": {"identifier": "METRIC.USER", "password": PASSWORD}})
    token = login.json()["data"]["login"]["token"]
    for _ in range(3):
        page = await client.post("/graphql", json={"query": TENANTS},
                                 headers={"authorization": f"Bearer {token}"})
        assert len(page.json()["data"]["tenants"]["edges"]) == 3
    refused = await client.post("/graphql", json={"query": "query Mine { me { identifier } }"})
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    after = samples((await client.get("/metrics", headers=AUTH)).text)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("bailleurs_requests_total", operation="Tenants", outcome="ok") == 3
    assert delta("bailleurs_requests_total", operation="Login", outcome="ok") == 1
    assert delta("bailleurs_requests_total", operation="Mine", outcome="error",
                 code="UNAUTHENTICATED") == 1
    assert delta("bailleurs_request_duration_seconds_count", route="/graphql") == 5
    # The pages ran SQL, and it was counted per request.
    assert delta("bailleurs_sql_statements_per_request_count", route="/graphql") == 5
    assert delta("bailleurs_sql_statements_per_request_sum", route="/graphql") >= 3 * 3
    assert delta("bailleurs_cache_lookups_total", cache="scope") >= 3
    assert delta("bailleurs_cache_lookups_total", cache="scope", result="hit") >= 2
    assert value(after, "bailleurs_cache_entries", cache="enforcer") >= 1
    for name in ("bailleurs_outbox_backlog", "bailleurs_outbox_oldest_age_seconds",
                 "bailleurs_locked_accounts"):
        assert (name, frozenset()) in after


async def test_client_chosen_operation_names_cannot_grow_the_labels(metered):
    from bailleurs import metrics

    _, client = metered
    for i in range(metrics.MAX_OPERATION_NAMES + 5):
        await client.post("/graphql", json={"query": f"query Q{i}x {{ health }}"})
    scraped = samples((await client.get("/metrics", headers=AUTH)).text)
    names = {dict(ls).get("operation") for (n, ls) in scraped if n == "bailleurs_requests_total"}
    assert len(names) <= metrics.MAX_OPERATION_NAMES + 5  # the bound, plus fixed names
    assert "other" in names


@pytest.mark.slow
@pytest.mark.skipif(not PG_URL, reason="several workers need PostgreSQL")
async def test_two_workers_add_up(settings, tmp_path):
    service = ServiceProcess(
        service_env(settings, METRICS_TOKEN=TOKEN,
                    PROMETHEUS_MULTIPROC_DIR=str(tmp_path)),
        workers=2, port=free_port(), log_path=tmp_path / "service.log",
    ).start()
    try:
        async with httpx.AsyncClient(base_url=service.url) as client:
            before = samples((await client.get("/metrics", headers=AUTH)).text)
            for _ in range(40):  # new connections: both workers answer some
                async with httpx.AsyncClient(base_url=service.url) as one:
                    await one.post("/graphql", json={"query": "query Up { health }"})
            after = samples((await client.get("/metrics", headers=AUTH)).text)
    finally:
        service.stop()
    ok = ("bailleurs_requests_total", {"operation": "Up", "outcome": "ok"})
    assert value(after, ok[0], **ok[1]) - value(before, ok[0], **ok[1]) == 40
