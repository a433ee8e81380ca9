"""One error registry: every HTTP error, whatever raised it, is the same envelope (a French message
and `extensions.code`) with the security headers; errors raised before execution are told apart
by the type graphql-core or our validation gives them, not by their English wording."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

GR = "application/graphql-response+json"


@pytest.fixture
def settings(settings):
    return replace(settings, max_depth=3)


def envelope(response) -> dict:
    """The one error of an HTTP error response, checked to be exactly the registry's envelope."""
    assert response.headers["content-type"].startswith("application/json") or response.headers[
        "content-type"
    ].startswith(GR), response.headers["content-type"]
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1, body
    error = body["errors"][0]
    assert set(error) == {"message", "extensions"} and list(error["extensions"]) == ["code"]
    return error


async def test_every_route_answers_its_refusals_with_the_one_envelope(api):
    too_large = json.dumps({"query": "{ health }", "pad": " " * 200_000})
    cases = [
        (api.client.get("/nope"), 404, "NOT_FOUND"),
        (api.client.post("/health"), 405, "METHOD_NOT_ALLOWED"),
        (api.client.get("/receipts/1.pdf"), 404, "NOT_FOUND"),
        (api.client.get("/exports/policies/1.csv"), 401, "UNAUTHENTICATED"),
        (api.client.post("/graphql", json={"query": "{ health }"},
                         headers={"accept": "text/html"}), 406, "BAD_REQUEST"),
        (api.client.post("/graphql", content=b"{}", headers={"content-type": "text/plain"}),
         415, "UNSUPPORTED_MEDIA_TYPE"),
        (api.client.post("/graphql", content=too_large,
                         headers={"content-type": "application/json"}), 413, "BAD_REQUEST"),
    ]
    for request, status, code in cases:
        response = await request
        assert response.status_code == status, (status, response.text)
        error = envelope(response)
        assert error["extensions"]["code"] == code
        assert error["message"] and "Not Found" not in error["message"]


async def test_graphql_refusals_keep_the_negotiated_media_type(api):
    refused = await api.client.post(
        "/graphql", content=b"{}", headers={"content-type": "text/plain", "accept": GR}
    )
    assert refused.status_code == 415
    assert refused.headers["content-type"] == f"{GR}; charset=utf-8"
    assert envelope(refused)["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def _first_error(api, query: str, variables: dict | None = None) -> dict:
    body = await api.gql(query, variables)
    assert "data" not in body, body
    return body["errors"][0]


async def test_limit_errors_say_which_limit_in_french(api):
    limits = api.services.settings
    aliases = " ".join(f"a{i}: health" for i in range(limits.max_aliases + 1))
    deep = "{ tenants(first: 1) { edges { node { housing { commune } } } } }"  # depth 5 > 3
    expected = {
        "{ " + aliases + " }": "La requête contient trop d'alias.",
        deep: "La requête est trop profonde.",
        "{ " + "health " * (limits.max_tokens + 1) + "}": "La requête est trop longue.",
        'mutation { login(identifier: "a\\u0000", password: "b") { token } }':
            "Les textes saisis ne peuvent pas contenir de caractère nul.",
    }
    for query, message in expected.items():
        error = await _first_error(api, query)
        assert (error["extensions"]["code"], error["message"]) == ("BAD_USER_INPUT", message)


async def test_variable_errors_are_told_from_validation_by_type_not_wording(api):
    # graphql-core words both "Variable '$y' ...": one fails validation, one fails coercion.
    unused = await _first_error(api, "query($y: Int) { health }")
    assert unused["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert unused["extensions"]["detail"].startswith("Variable ")
    missing = await _first_error(api, "query($y: Int!) { rentCampaign(year: $y) { total } }")
    assert missing["extensions"]["code"] == "BAD_USER_INPUT"
    assert missing["message"] == "Une variable de la requête a une valeur invalide."
