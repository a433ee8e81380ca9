"""Conformance with the GraphQL-over-HTTP specification (its SHOULDs included)."""

import logging

import pytest
from tortoise import Tortoise

from bailleurs.demo import DEMO_LOGINS, load_demo
from models import AuditEvent
from tests.accounts.operations import LOGIN

GR = "application/graphql-response+json"
JSON = "application/json"
INTERNAL = {
    "message": "Une erreur interne est survenue.",
    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
}


async def post(api, body, accept: str | None = GR, **headers):
    request = api.client.build_request("POST", "/graphql", json=body, headers=headers)
    return await send(api, request, accept)


async def get(api, accept: str | None = GR, **params):
    return await send(api, api.client.build_request("GET", "/graphql", params=params), accept)


async def send(api, request, accept):
    del request.headers["accept"]
    if accept is not None:
        request.headers["accept"] = accept
    return await api.client.send(request)


def media_type(response) -> str:
    return response.headers["content-type"]


NEGOTIATION = [
    (GR, GR),
    (JSON, JSON),
    (f"{GR}; charset=utf-8, {JSON}; charset=utf-8", GR),
    (f"{JSON}, {GR}", JSON),
    (f"{JSON};q=0.5, {GR}", GR),
    (f"{GR};q=0, {JSON}", JSON),
    ("*/*", JSON),
    ("text/html;q=0.9, application/*;q=0.8", JSON),
    (None, GR),  # no Accept: graphql-response+json since the 2025 watershed
]


async def test_response_media_type_follows_accept(api):
    for accept, chosen in NEGOTIATION:
        response = await post(api, {"query": "{ health }"}, accept)
        assert (response.status_code, media_type(response)) == (200, f"{chosen}; charset=utf-8"), (
            accept
        )
        assert response.json() == {"data": {"health": "ok"}}


async def test_nothing_acceptable_is_406(api):
    for accept in ("application/xml", "text/html", f"{JSON}; charset=latin-1"):
        response = await post(api, {"query": "{ health }"}, accept)
        assert response.status_code == 406, accept
        assert response.json()["errors"][0]["message"].startswith("Formats de réponse acceptés")


REQUEST_ERRORS = [
    ({"query": "{ health "}, "GRAPHQL_PARSE_FAILED", "La requête GraphQL est mal formée."),
    (
        {"query": "{ nope }"},
        "GRAPHQL_VALIDATION_FAILED",
        "La requête GraphQL ne correspond pas au schéma.",
    ),
    ({"query": "{ health } { health }"}, "GRAPHQL_VALIDATION_FAILED", None),
    (
        {"query": "query A { health } query B { health }"},
        "BAD_REQUEST",
        "La requête contient plusieurs opérations : précisez « operationName ».",
    ),
    (
        {"query": "query A { health }", "operationName": "B"},
        "BAD_REQUEST",
        "L'opération « B » est absente de la requête.",
    ),
    (
        {"query": "query($y: Int) { rentCampaign(year: $y) { total } }", "variables": {"y": "x"}},
        "BAD_USER_INPUT",
        "Une variable de la requête a une valeur invalide.",
    ),
]


async def test_request_errors_are_400_in_graphql_response_json_200_in_json(api):
    for body, code, message in REQUEST_ERRORS:
        for accept, status in ((GR, 400), (JSON, 200)):
            response = await post(api, body, accept)
            assert (response.status_code, media_type(response)) == (
                status,
                f"{accept}; charset=utf-8",
            ), (body, accept)
            payload = response.json()
            assert "data" not in payload
            error = payload["errors"][0]
            assert error["extensions"]["code"] == code
            # graphql-core's English text stays for developers
            assert code == "BAD_REQUEST" or error["extensions"]["detail"]
            assert message is None or error["message"] == message


@pytest.mark.parametrize("accept", [GR, JSON])
async def test_field_errors_are_200_with_data(api, accept):
    response = await post(api, {"query": "{ health rentCampaign { total } }"}, accept)
    assert response.status_code == 200
    payload = response.json()
    assert "data" in payload
    assert payload["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert payload["errors"][0]["path"] == ["rentCampaign"]


NOT_WELL_FORMED = [
    (b'{"query":', JSON, 400),
    (b"NONSENSE", JSON, 400),
    (b'{"qeury": "{ health }"}', JSON, 400),
    (b'{"query": 7}', JSON, 400),
    (b'{"query": "{ health }", "variables": [7]}', JSON, 400),
    (b'{"query": "{ health }", "extensions": "x"}', JSON, 400),
    (b'{"query": "{ health }", "operationName": 3}', JSON, 400),
    (b'"{ health }"', JSON, 400),
    (b"\xff\xfe{}", JSON, 400),
    (b'{"query": "{ health }"}', "text/plain", 415),
    (b'{"query": "{ health }"}', "application/graphql", 415),
    (b'{"query": "{ health }"}', f"{JSON}; charset=latin-1", 415),
    (b'{"query": "{ health }"}', None, 415),
]


async def test_requests_that_are_not_well_formed_are_4xx(api):
    for content, content_type, status in NOT_WELL_FORMED:
        for accept in (GR, JSON):
            headers = {"accept": accept}
            if content_type:
                headers["content-type"] = content_type
            response = await api.client.post("/graphql", content=content, headers=headers)
            assert response.status_code == status, (content, content_type, accept)
            assert media_type(response) == f"{accept}; charset=utf-8"
            assert response.json()["errors"][0]["message"]


async def test_get_runs_queries(api):
    response = await get(
        api,
        query="query($s: Boolean!) { health @skip(if: $s) }",
        variables='{"s": false}',
        operationName="",
    )
    assert response.status_code == 200
    assert response.json()["data"]["health"] == "ok"


async def test_get_refuses_mutations_with_405_before_executing(api):
    # when: a login attempt by GET (it would leave a login_failed audit event if executed)
    response = await get(api, query='mutation { login(identifier: "X", password: "y") { token } }')
    named = await get(api, query="query Q { health } mutation M { logout }", operationName="M")
    query_of_it = await get(
        api, query="query Q { health } mutation M { logout }", operationName="Q"
    )
    # then
    for refused in (response, named):
        assert refused.status_code == 405 and refused.headers["allow"] == "POST"
        assert (
            refused.json()["errors"][0]["message"] == "Les mutations ne sont acceptées qu'en POST."
        )
    assert query_of_it.status_code == 200
    assert await AuditEvent.all().count() == 0


async def test_get_without_query_or_with_bad_variables_is_400(api):
    assert (await get(api)).status_code == 400
    assert (await get(api, query="{ health }", variables="{nope")).status_code == 400


async def test_batches_are_bounded(api):
    two = await post(api, [{"query": "{ health }"}, {"query": "{ nope }"}])
    assert two.status_code == 200
    assert two.json()[0] == {"data": {"health": "ok"}}
    assert two.json()[1]["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    limit = api.services.settings.max_batch
    too_many = await post(api, [{"query": "{ health }"}] * (limit + 1))
    assert too_many.status_code == 400
    assert (await post(api, [])).status_code == 400


async def test_graphiql_page_for_browsers(api):
    page = await api.client.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "graphiql" in page.text.lower()


async def test_unexpected_failures_say_nothing_of_their_cause(api, caplog):
    # given: a logged-in user, then the sessions table goes missing under the service
    await load_demo(api.services.settings)
    token = await api.login("OLIVIERS.ADMIN", DEMO_LOGINS["OLIVIERS.ADMIN"])
    await Tortoise.get_connection("default").execute_script(
        "ALTER TABLE session RENAME TO session_gone"
    )
    caplog.set_level(logging.ERROR)
    api.client.cookies.clear()  # the login's cookie would be looked up before any resolver
    # when: once while resolving a field, once before (looking up the session)
    in_resolver = await post(
        api,
        {
            "query": LOGIN,
            "variables": {
                "identifier": "OLIVIERS.ADMIN",
                "password": DEMO_LOGINS["OLIVIERS.ADMIN"],
            },
        },
    )
    before = await post(api, {"query": "{ health }"}, Authorization=f"Bearer {token}")
    # then
    assert in_resolver.status_code == 200
    error = in_resolver.json()["errors"][0]
    assert {k: error[k] for k in ("message", "extensions")} == INTERNAL
    assert before.status_code == 500 and before.json() == {"errors": [INTERNAL]}
    for response in (in_resolver, before):
        assert "session" not in response.text and "Traceback" not in response.text
    assert len([r for r in caplog.records if r.exc_info]) == 2
