"""HTTP hardening: the CORS allow-list comes from settings, every response carries the security
headers, and request bodies over the limit get 413 whether or not they announce their size."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest
from asgi_lifespan import LifespanManager

from bailleurs.app import create_app
from bailleurs.settings import Settings

ALLOWED = "https://portail.caf.example"
OTHER = "https://evil.example"
LIMIT = 2_000
SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "cache-control": "no-store",
}


@pytest.fixture
def settings(settings, monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", f"{ALLOWED}, https://autre.caf.example")
    origins = Settings().cors_origins  # read from the environment as in production
    assert origins == (ALLOWED, "https://autre.caf.example")
    return replace(settings, cors_origins=origins, max_body_bytes=LIMIT)


def preflight(origin: str) -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"}


async def test_an_allowed_origin_gets_cors_headers(api):
    response = await api.client.options("/graphql", headers=preflight(ALLOWED))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    response = await api.post("{ health }", headers={"Origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED


async def test_another_origin_gets_no_cors_headers(api):
    response = await api.client.options("/graphql", headers=preflight(OTHER))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    response = await api.post("{ health }", headers={"Origin": OTHER})
    assert "access-control-allow-origin" not in response.headers


async def test_without_an_allow_list_no_origin_is_allowed(settings):
    app = create_app(replace(settings, cors_origins=()))
    async with LifespanManager(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as client:
        response = await client.options("/graphql", headers=preflight(ALLOWED))
        assert "access-control-allow-origin" not in response.headers
        response = await client.post("/graphql", json={"query": "{ health }"},
                                     headers={"Origin": ALLOWED})
        assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("method, path, kwargs", [
    ("POST", "/graphql", {"json": {"query": "{ health }"}}),
    ("POST", "/graphql", {"json": {"query": "{ nope }"}}),
    ("POST", "/graphql", {"content": b"not json", "headers": {"content-type": "application/json"}}),
    ("GET", "/graphql?query={health}", {}),
    ("GET", "/health", {}),
    ("GET", "/nowhere", {}),
    ("GET", "/receipts/1.pdf", {}),
    ("POST", "/graphql", {"content": b"x" * (LIMIT + 1),
                          "headers": {"content-type": "application/json"}}),
])
async def test_every_response_carries_the_security_headers(api, method, path, kwargs):
    response = await api.client.request(method, path, **kwargs)
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert "server" not in response.headers or "uvicorn" not in response.headers["server"]


def body_of(size: int) -> bytes:
    """A valid GraphQL request of exactly `size` bytes."""
    base = json.dumps({"query": "{ health }", "variables": {"pad": ""}}).encode()
    return base.replace(b'"pad": ""', b'"pad": "' + b" " * (size - len(base)) + b'"')


async def test_a_body_over_the_limit_with_content_length_gets_413(api):
    response = await api.client.post("/graphql", content=body_of(LIMIT + 1),
                                     headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == "La requête est trop volumineuse."


async def test_a_body_at_the_limit_is_served(api):
    assert len(body_of(LIMIT)) == LIMIT
    response = await api.client.post("/graphql", content=body_of(LIMIT),
                                     headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json() == {"data": {"health": "ok"}}


async def chunks(data: bytes, size: int = 300):
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def test_a_chunked_body_over_the_limit_without_content_length_gets_413(api):
    response = await api.client.post("/graphql", content=chunks(body_of(LIMIT * 3)),
                                     headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_a_chunked_body_under_the_limit_is_served(api):
    response = await api.client.post("/graphql", content=chunks(body_of(LIMIT - 10)),
                                     headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json() == {"data": {"health": "ok"}}
