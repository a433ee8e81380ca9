"""Hostile inputs the security review sent (issue 13, finding 9): forged cursors, ids past any
column, the calendar's first and last days, JSON nested 30,000 deep, a 50,000-character search,
and the schema's names suggested while introspection is off. Each is a refusal in the caller's
terms (BAD_USER_INPUT, NOT_FOUND, 400), never an internal error."""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import replace

import pytest
from graphql import GraphQLNonNull

from bailleurs.demo import DEMO_LOGINS, load_demo
from tests.declarations.operations import DECLARE_CHANGE, REPORT_UNPAID
from tests.support.declaration_ops import days_ago, month_start, tenant_id
from tests.support.schema_walk import (
    id_paths,
    live_schema,
    operation_text,
    place,
    root_fields,
    sample_value,
)

HUGE_IDS = ("9999999999999999999999", str(2**63), str(2**31))


def cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


FORGED_CURSORS = {
    "sql in a string": cursor(["ZZZ", "ZZZ", "1 OR 1=1"]),
    "lists for values": cursor([[1], [2], [3]]),
    "an object": cursor({"id": 1}),
    "not json": base64.urlsafe_b64encode(b"not json {").decode(),
    "not base64": "%%%%",
    "not utf-8": base64.urlsafe_b64encode(b"\xff\xfe[1]").decode(),
    "id past 64 bits": cursor(["A", "B", 99999999999999999999999]),
    "id past 32 bits": cursor(["A", "B", 2**31]),
    "a date that is none": cursor(["2026-13-45", 1]),
    "too long a name": cursor(["A" * 5000, "B", 1]),
    "a float": cursor([1.5]),
    "booleans": cursor([True, False, True]),
    "nested deep": base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),
}
LISTS = {  # the paginated lists and who may read them
    "tenants": "OLIVIERS.ADMIN", "payments": "OLIVIERS.ADMIN", "users": "OLIVIERS.ADMIN",
    "auditEvents": "CAF.AUDIT", "pendingLetterReissues": "CAF.AGENT",
    "organisations": "CAF.AUDIT", "rentDeclarations": "OLIVIERS.ADMIN",
    "changeDeclarations": "OLIVIERS.ADMIN", "unpaidRentReports": "OLIVIERS.ADMIN",
}


# Lists the demo leaves empty: the operation that records one, and its input.
RECORDED = {
    "changeDeclarations": (DECLARE_CHANGE, {"kind": "DEPART", "eventDate": days_ago(10)}),
    "unpaidRentReports": (REPORT_UNPAID, {
        "months": 2, "unpaidSince": month_start(1).isoformat(), "rentCents": 28000,
        "chargesCents": 2000, "amountOwedCents": 60000}),
}


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


@pytest.fixture
async def demo(api):
    await load_demo(api.services.settings)
    return {who: await api.login(who, DEMO_LOGINS[who])
            for who in ("OLIVIERS.ADMIN", "CAF.AUDIT", "CAF.AGENT")}


async def test_every_paginated_list_is_walked(settings):
    paginated = {n for kind, n, f in root_fields(live_schema(settings))
                 if kind == "query" and "after" in f.args}
    assert paginated == set(LISTS), "a new list: add it and who may read it to LISTS"


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_forged_cursors_are_bad_input_and_real_ones_still_work(api, demo, name):
    token = demo[LISTS[name]]
    query = f"query($a: String) {{ {name}(first: 1, after: $a) {{ pageInfo {{ endCursor }} }} }}"
    for label, forged in FORGED_CURSORS.items():
        body = await api.gql(query, {"a": forged}, token)
        assert codes(body) == ["BAD_USER_INPUT"], (label, body)
        assert "after" in body["errors"][0]["extensions"]["fields"], (label, body)
    if name == "pendingLetterReissues":  # the demo's letter organisation asks for new ones
        from models import Organisation

        south = await Organisation.get(activated_at=None, postal_line1=None)
        await api.ok("mutation($n: String!) { requestLostIdentifier(userNumber: $n) }",
                     {"n": south.user_number})
    if name in RECORDED:  # the demo holds none: two, so that a first page has a next one
        for last_name in ("COUTURE", "BRISSON"):
            variables = {"input": {"tenantId": await tenant_id(last_name), **RECORDED[name][1]}}
            await api.ok(RECORDED[name][0], variables, token)
    # a cursor the list handed out leads to the next page
    first = await api.ok(query, {"a": None}, token)
    end = first[name]["pageInfo"]["endCursor"]
    assert end is not None
    assert codes(await api.gql(query, {"a": end}, token)) == []


def _id_operations(settings):
    """Every root field taking an ID, its operation and arguments with every ID made `huge`."""
    today, year = "2026-07-15", settings.campaign_year
    for kind, name, field in root_fields(live_schema(settings)):
        paths = id_paths(field)
        if not paths:
            continue
        args = {a: sample_value(arg.type, a, today, year)
                for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}
        yield name, operation_text(kind, name, field, list(field.args)), args, paths


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_ids_past_any_column_are_not_found_in_every_id_argument(api, demo, settings, huge):
    seen: Counter[str] = Counter()
    operations = list(_id_operations(settings))
    assert len(operations) >= 10
    for name, query, args, paths in operations:
        for path in paths:
            variables = json.loads(json.dumps(args))
            place(variables, path, huge)
            answers = set()
            for caller in demo.values():
                response = await api.post(query, variables, caller)
                assert response.status_code == 200, (name, path, response.text)
                answers.update(codes(response.json()) or ["ok"])
            # refused for who may not call it, not found (or an empty answer) for who may
            assert answers <= {"NOT_FOUND", "FORBIDDEN", "ok"}, (name, path, answers)
            assert answers & {"NOT_FOUND", "ok"}, (name, path, answers)
            seen.update(answers)
    print(json.dumps({"huge id": huge, **seen}))
    body = await api.gql(f'{{ tenant(id: "{huge}") {{ id }} }}', token=demo["OLIVIERS.ADMIN"])
    assert codes(body) == ["NOT_FOUND"]


@pytest.mark.parametrize("path", [
    "/receipts/99999999999999999999999.pdf", "/receipts/2147483648.pdf", "/receipts/²³.pdf",
    "/receipts/0.pdf", "/exports/policies/99999999999999999999999.csv",
    "/exports/access/2147483648.csv", "/exports/access/١٢.csv",
])
async def test_files_named_by_ids_past_any_column_are_not_found(api, demo, path):
    token = demo["CAF.AUDIT" if path.startswith("/exports") else "OLIVIERS.ADMIN"]
    response = await api.client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


AUDIT_EVENTS = """query($f: AuditEventFilter) {
  auditEvents(first: 5, filter: $f) { totalCount edges { node { action } } }
}"""


async def test_the_audit_trail_filtered_from_the_first_to_the_last_day_of_the_calendar(api, demo):
    everything = await api.ok(AUDIT_EVENTS, {"f": None}, demo["CAF.AUDIT"])
    assert everything["auditEvents"]["totalCount"] > 0
    calendar = {"from": "0001-01-01", "to": "9999-12-31"}
    body = await api.ok(AUDIT_EVENTS, {"f": calendar}, demo["CAF.AUDIT"])
    # the same page; the total counts one event more: the first read, recorded in the trail
    assert body["auditEvents"]["edges"] == everything["auditEvents"]["edges"]
    assert body["auditEvents"]["totalCount"] == everything["auditEvents"]["totalCount"] + 1
    for bounds in ({"from": "9999-12-31"}, {"to": "0001-01-01"}):
        body = await api.ok(AUDIT_EVENTS, {"f": bounds}, demo["CAF.AUDIT"])
        assert body["auditEvents"]["totalCount"] == 0


async def test_access_as_of_the_calendars_first_and_last_days(api, demo):
    from models import Tenant
    from resolvers.shared.clock import today

    tenant = await Tenant.filter().first()
    query = """query($t: ID!, $d: Date) {
      whoCanAccess(tenantId: $t, action: READ, asOf: $d) { user { identifier } allowed } }"""
    answers = {}
    for day in ("0001-01-01", today().isoformat(), "9999-12-31"):
        body = await api.gql(query, {"t": str(tenant.id), "d": day}, demo["CAF.AUDIT"])
        assert codes(body) == [], body
        answers[day] = body["data"]["whoCanAccess"]
    # nothing happens after today: the last day of the calendar sees what today sees
    assert answers["9999-12-31"] == answers[today().isoformat()]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def with_variables(value: str) -> str:
    return '{"query": "{ health }", "variables": {"v": ' + value + "}}"


@pytest.mark.parametrize("body", [
    nested(30_000),
    with_variables(nested(30_000)),
    with_variables(nested(900)),  # json.loads copes; walking it would not
    "[" + ", ".join(['{"query": "{ health }", "extensions": {"e": ' + nested(40) + "}}"] * 2)
    + "]",
])
async def test_json_nested_deeper_than_any_request_is_400(api, body):
    response = await api.client.post("/graphql", content=body,
                                      headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_json_nested_deep_in_a_query_string_is_400(api):
    params = {"query": "{ health }", "variables": '{"v": ' + nested(5_000) + "}"}
    response = await api.client.get("/graphql", params=params)
    assert response.status_code == 400, response.text


async def test_variables_nested_as_deep_as_an_input_needs_still_work(api, demo):
    query = "query($f: TenantFilter) { tenants(first: 1, filter: $f) { totalCount } }"
    data = await api.ok(query, {"f": {"search": "abc"}}, demo["OLIVIERS.ADMIN"])
    assert data["tenants"]["totalCount"] >= 0


SEARCH = "query($s: String) { tenants(first: 5, filter: {search: $s}) { totalCount } }"


async def test_a_search_longer_than_documented_is_bad_input(api, demo, settings):
    token = demo["OLIVIERS.ADMIN"]
    body = await api.gql(SEARCH, {"s": "a" * 50_000}, token)
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "100 caractères" in body["errors"][0]["message"]
    assert "100 caractères au plus" in (await api.ok(
        '{ __type(name: "TenantFilter") { inputFields { name description } } }'
    ))["__type"]["inputFields"][1]["description"]
    assert (await api.ok(SEARCH, {"s": "é" * 100}, token))["tenants"]["totalCount"] == 0
    assert (await api.ok(SEARCH, {"s": "  " + "a" * 100 + "  "}, token)) is not None


MISSPELT = [  # (query, variables): each makes graphql-core suggest a name of the schema
    ("{ tenantz { totalCount } }", None),
    ("{ tenants(frist: 1) { totalCount } }", None),
    ("query($f: TenantFiltr) { health }", None),
    ('{ tenants(filter: {serch: "a"}) { totalCount } }', None),
    ("{ tenants(filter: {declarationState: TRANSMI}) { totalCount } }", None),
    ("query($s: DeclarationState) { tenants(filter: {declarationState: $s}) { totalCount } }",
     {"s": "TRANSMI"}),
    ("query($f: TenantFilter) { tenants(filter: $f) { totalCount } }", {"f": {"serch": "a"}}),
]


@pytest.mark.parametrize("introspection", [False, True])
class TestSuggestions:
    @pytest.fixture
    def settings(self, settings, introspection):
        return replace(settings, introspection=introspection)

    @pytest.mark.parametrize(("query", "variables"), MISSPELT)
    async def test_only_with_introspection(self, api, introspection, query, variables):
        for accept in ("application/json", "application/graphql-response+json"):
            response = await api.client.post(
                "/graphql", json={"query": query, "variables": variables},
                headers={"Accept": accept})
            error = response.json()["errors"][0]
            assert error["extensions"]["code"] in ("GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT")
            assert error["extensions"]["detail"]  # what is wrong, still said in English
            assert ("Did you mean" in response.text) is introspection, response.text
