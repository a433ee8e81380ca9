"""Trusted documents: registered by the CLI from a front end's manifest, named by requests
(documentId, Apollo's persistedQuery, POST or GET), required when the setting says so."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest
from asgi_lifespan import LifespanManager

from bailleurs.app import create_app
from bailleurs.settings import TrustedDocumentsMode
from bailleurs.trusted_documents import digest
from tests.accounts.operations import LOGIN
from tests.support.processes import run_cli

HEALTH = "query Health { health }"


def _manifest(tmp_path, entries: dict[str, str], name: str = "front-bailleurs"):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


@pytest.fixture
async def client_for(settings):
    """An HTTP client on an app with the given TRUSTED_DOCUMENTS mode (and GRAPHIQL)."""
    stack = []

    async def make(mode: TrustedDocumentsMode, graphiql: bool = True) -> httpx.AsyncClient:
        app = create_app(replace(settings, trusted_documents=mode, graphiql=graphiql))
        manager = LifespanManager(app)
        await manager.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="https://testserver")
        stack.append((manager, client))
        return client

    yield make
    for manager, client in reversed(stack):
        await client.aclose()
        await manager.__aexit__(None, None, None)


def _code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_manifest_is_registered_listed_and_removed(tmp_path, database_url):
    # Both key forms of the manifests front-end tools write.
    path = _manifest(tmp_path, {f"sha256:{digest(HEALTH)}": HEALTH, digest(LOGIN): LOGIN})
    added = run_cli("documents", "add", str(path), database_url=database_url)
    again = run_cli("documents", "add", str(path), database_url=database_url)
    listed = run_cli("documents", "list", database_url=database_url)
    assert added.returncode == 0 and "2 nouveau(x), 0 déjà connu(s)" in added.stderr
    assert again.returncode == 0 and "0 nouveau(x), 2 déjà connu(s)" in again.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    ids = {r["documentId"] for r in rows}
    assert ids == {f"sha256:{digest(HEALTH)}", f"sha256:{digest(LOGIN)}"}
    assert {r["client"] for r in rows} == {"front-bailleurs"}
    removed = run_cli("documents", "remove", f"sha256:{digest(LOGIN)}", database_url=database_url)
    listed = run_cli("documents", "list", database_url=database_url)
    assert removed.returncode == 0 and "Documents retirés : 1 sur 1" in removed.stderr
    assert [json.loads(line)["documentId"] for line in listed.stdout.splitlines()] == [
        f"sha256:{digest(HEALTH)}"
    ]


async def test_a_manifest_with_one_wrong_hash_registers_nothing(tmp_path, database_url):
    forged = {f"sha256:{digest(HEALTH)}": HEALTH, digest("{ me { id } }"): "{ me { identifier } }"}
    refused = run_cli("documents", "add", str(_manifest(tmp_path, forged)),
                      database_url=database_url)
    listed = run_cli("documents", "list", database_url=database_url)
    assert refused.returncode == 2
    assert "l'empreinte ne correspond pas au document" in refused.stderr
    assert listed.stdout == ""


async def test_requests_name_registered_documents(tmp_path, database_url, client_for):
    run_cli("documents", "add", str(_manifest(tmp_path, {digest(HEALTH): HEALTH})),
            database_url=database_url)
    client = await client_for(TrustedDocumentsMode.ALLOW)
    sha = digest(HEALTH)
    by_id = await client.post("/graphql", json={"documentId": f"sha256:{sha}"})
    apollo = await client.post("/graphql", json={
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}})
    by_get = await client.get("/graphql", params={"documentId": f"sha256:{sha}"},
                              headers={"accept": "application/json"})
    for response in (by_id, apollo, by_get):
        assert response.status_code == 200 and response.json() == {"data": {"health": "ok"}}
    # In allow mode free documents still run.
    assert (await client.post("/graphql", json={"query": "{ health }"})).json()["data"]


async def test_hashes_are_checked_never_trusted(client_for):
    client = await client_for(TrustedDocumentsMode.ALLOW)
    lying = await client.post("/graphql", json={
        "query": "{ me { identifier } }", "documentId": f"sha256:{digest(HEALTH)}"})
    unknown = await client.post("/graphql", json={"documentId": f"sha256:{'0' * 64}"})
    malformed = await client.post("/graphql", json={"documentId": "sha256:XYZ"})
    assert lying.status_code == 400 and _code(lying) == "BAD_REQUEST"
    assert unknown.status_code == 400 and _code(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    assert malformed.status_code == 400 and _code(malformed) == "BAD_REQUEST"
    # A document sent with its true hash runs (Apollo's second try) without being registered.
    honest = await client.post("/graphql", json={"query": HEALTH, "extensions": {
        "persistedQuery": {"version": 1, "sha256Hash": digest(HEALTH)}}})
    assert honest.json() == {"data": {"health": "ok"}}
    again = await client.post("/graphql", json={"documentId": f"sha256:{digest(HEALTH)}"})
    assert _code(again) == "PERSISTED_QUERY_NOT_FOUND"


async def test_required_mode_refuses_free_documents_before_parsing(
    tmp_path, database_url, client_for
):
    run_cli("documents", "add", str(_manifest(tmp_path, {digest(HEALTH): HEALTH})),
            database_url=database_url)
    client = await client_for(TrustedDocumentsMode.REQUIRED, graphiql=False)
    free = await client.post("/graphql", json={"query": "{ health }"})
    broken = await client.post("/graphql", json={"query": "{ not graphql"})
    batch = await client.post("/graphql", json=[
        {"documentId": f"sha256:{digest(HEALTH)}"}, {"query": "{ health }"}])
    named = await client.post("/graphql", json={"documentId": f"sha256:{digest(HEALTH)}"})
    same_text = await client.post("/graphql", json={"query": HEALTH})
    console = await client.post("/graphql", json={"query": "{ health }"},
                                headers={"x-bailleurs-console": "1"})
    assert free.status_code == 400 and _code(free) == "TRUSTED_DOCUMENT_REQUIRED"
    assert "documentId" in free.json()["errors"][0]["message"]
    # Refused before parsing: a syntax error is never even looked at.
    assert _code(broken) == "TRUSTED_DOCUMENT_REQUIRED"
    assert batch.status_code == 400 and _code(batch) == "TRUSTED_DOCUMENT_REQUIRED"
    assert named.json() == {"data": {"health": "ok"}}
    assert same_text.json() == {"data": {"health": "ok"}}  # the registered text itself
    # With the console off, its header buys nothing.
    assert _code(console) == "TRUSTED_DOCUMENT_REQUIRED"


async def test_the_console_is_the_exception_while_it_is_on(client_for):
    client = await client_for(TrustedDocumentsMode.REQUIRED, graphiql=True)
    console = await client.post("/graphql", json={"query": "{ health }"},
                                headers={"x-bailleurs-console": "1"})
    other = await client.post("/graphql", json={"query": "{ health }"})
    assert console.json() == {"data": {"health": "ok"}}
    assert _code(other) == "TRUSTED_DOCUMENT_REQUIRED"


async def test_off_mode_refuses_document_ids(client_for):
    client = await client_for(TrustedDocumentsMode.OFF)
    named = await client.post("/graphql", json={"documentId": f"sha256:{digest(HEALTH)}"})
    assert named.status_code == 400 and _code(named) == "PERSISTED_QUERY_NOT_SUPPORTED"


async def test_a_registered_mutation_is_not_run_by_get(tmp_path, database_url, client_for):
    run_cli("documents", "add", str(_manifest(tmp_path, {digest(LOGIN): LOGIN})),
            database_url=database_url)
    client = await client_for(TrustedDocumentsMode.REQUIRED, graphiql=False)
    response = await client.get("/graphql", params={
        "documentId": f"sha256:{digest(LOGIN)}",
        "variables": json.dumps({"identifier": "X", "password": "Y"})})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
