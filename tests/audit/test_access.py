"""Auditors read everything and change nothing; landlord users cannot read any of it."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)

from bailleurs.agency import create_agent
from models import AuditEvent, CasbinRule
from schema import build_schema
from schema.permissions import FirstLoginSession, OwnAccount, Public
from tests.audit.operations import (
    EVENTS,
    EXPLAIN,
    POLICIES,
    SIMULATE,
    USER_ACCESS,
    VERIFY,
    WHO,
)
from tests.support.factories import PASSWORD
from tests.support.world import token_of

AUDIT_FIELDS = {
    "policies": POLICIES,
    "explainAccess": EXPLAIN,
    "whoCanAccess": WHO,
    "userAccess": USER_ACCESS,
    "auditEvents": EVENTS,
    "verifyAuditChain": VERIFY,
    "simulateHabilitationChange": SIMULATE,
}
SCALARS = {
    "ID": "1",
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "Date": "2026-01-01",
    "DateTime": "2026-01-01T00:00:00+00:00",
    "JSON": {},
}


def _variables(world) -> dict:
    agent = str(world.users["agent"].id)
    return {
        "org": str(world.org.id),
        "user": agent,
        "tenant": str(world.tenants[0].id),
        "action": "READ",
        "first": 5,
        "input": {"userId": agent, "groupIds": []},
    }


def _used(query: str, variables: dict) -> dict:
    return {k: v for k, v in variables.items() if f"${k}" in query}


@pytest.mark.parametrize("key", ["admin", "manager", "agent"])
async def test_landlord_users_cannot_read_any_audit_field(api, world, key):
    token = await token_of(api, world, key)
    for name, query in AUDIT_FIELDS.items():
        error = await api.error(query, _used(query, _variables(world)), token)
        assert error["extensions"]["code"] == "FORBIDDEN", name


async def test_agents_of_the_caf_and_anonymous_callers_cannot_either(api, world):
    await create_agent(api.services.settings, "agent_caf", "CAF.AGENT", PASSWORD)
    agent = await api.login("CAF.AGENT", PASSWORD)
    for name, query in AUDIT_FIELDS.items():
        variables = _used(query, _variables(world))
        assert (await api.error(query, variables, agent))["extensions"]["code"] == "FORBIDDEN", name
        assert (await api.error(query, variables))["extensions"]["code"] == "UNAUTHENTICATED", name


async def test_the_auditor_reads_every_audit_field(api, world):
    for name, query in AUDIT_FIELDS.items():
        assert name in await api.ok(query, _used(query, _variables(world)), world.auditor_token)


def _value(t, known: dict, name: str = ""):
    if name in known:
        return known[name]
    if isinstance(t, GraphQLNonNull):
        return _value(t.of_type, known)
    if isinstance(t, GraphQLList):
        return [_value(t.of_type, known)]
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLInputObjectType):
        return {n: _value(f.type, known, n) for n, f in t.fields.items()}
    assert isinstance(t, GraphQLScalarType)
    return SCALARS[t.name]


def _mutations(settings, known: dict) -> list[tuple[str, str, dict]]:
    """Every mutation on the partners' data, called with well-formed placeholder arguments.
    Left out: public ones and those on the caller's own session or account (log out, own
    password, own address)."""
    schema = build_schema(settings)
    converter = schema.config.name_converter
    open_to_all = {
        converter.get_graphql_name(f)
        for f in schema.mutation.__strawberry_definition__.fields
        if {Public, FirstLoginSession, OwnAccount} & set(f.permission_classes)
    }
    calls = []
    for name, field in schema._schema.mutation_type.fields.items():
        if name in open_to_all:
            continue
        params = ", ".join(f"${a}: {arg.type}" for a, arg in field.args.items())
        args = ", ".join(f"{a}: ${a}" for a in field.args)
        inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        selection = " { __typename }" if isinstance(inner, GraphQLObjectType) else ""
        head = f"mutation({params})" if params else "mutation"
        query = f"{head} {{ {name}{f'({args})' if args else ''}{selection} }}"
        calls.append(
            (name, query, {a: _value(arg.type, known, a) for a, arg in field.args.items()})
        )
    return calls


async def test_auditors_cannot_mutate_anything(api, world):
    # given
    rules, events = await CasbinRule.all().count(), await AuditEvent.all().count()
    # real ids of organisation A, so that a refusal is never a mere "not found"
    known = {
        "userId": str(world.users["agent"].id),
        "groupIds": [str(world.groups["p14"].id)],
        "tenantId": str(world.tenants[0].id),
        "organisationId": str(world.org.id),
        "email": "x@example.test",
        "emailConfirmation": "x@example.test",
    }
    calls = _mutations(api.services.settings, known)
    assert {"createUser", "setUserGroups", "setHabilitationManager", "closeUser"} <= {
        name for name, _, _ in calls
    }
    # when / then
    for name, query, variables in calls:
        error = await api.error(query, variables, world.auditor_token)
        assert error["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND"), (name, error)
    assert (await CasbinRule.all().count(), await AuditEvent.all().count()) == (rules, events)
