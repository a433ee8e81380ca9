"""The types' read rules hold without the roots' scoping.

A test schema adds roots that forget to scope: they return every row of every organisation.
Through HTTP, on the shared world, each object outside the caller's rights comes back null with
a FORBIDDEN error at its path, and the objects inside come back whole; the expected sets are
written from the demo's habilitations, not asked of the guard.
"""

from __future__ import annotations

import asyncio

import pytest
import strawberry

from bailleurs.app import create_app
from models import AuditEvent as EventRow
from models import HabilitationGroup as GroupRow
from models import Housing as HousingRow
from models import Organisation as OrganisationRow
from models import Payment as PaymentRow
from models import RentDeclaration as DeclarationRow
from models import Tenant as TenantRow
from models import User as UserRow
from schema import QUERY_AREAS, build_schema
from schema.accounts.sessions import HabilitationGroup, Organisation, User
from schema.audit.types import AuditEvent
from schema.declarations.payments import Payment
from schema.declarations.rent import RentDeclaration, declaration_node
from schema.declarations.tenant_nodes import tenant_nodes
from schema.declarations.tenants import Housing, Tenant
from schema.permissions import Authenticated
from schema.read_rules import REFUSED
from tests.conftest import serving
from tests.support.demo_world import prepare_world, token_for


def _all(description: str):
    return strawberry.field(description=description, permission_classes=[Authenticated])


@strawberry.type
class Unscoped:
    """Roots as a careless new feature would write them: no scope at all."""

    @_all("Tous les locataires, de tous les organismes.")
    async def all_tenants(self, info: strawberry.Info) -> list[Tenant | None]:
        rows = await TenantRow.all().select_related("housing").order_by("id")
        return await tenant_nodes(info.context, rows)

    @_all("Les mêmes, sans place pour un refus : un seul refus annule la réponse.")
    async def all_tenants_strict(self, info: strawberry.Info) -> list[Tenant]:
        rows = await TenantRow.all().select_related("housing").order_by("id")
        return await tenant_nodes(info.context, rows)

    @_all("Tous les logements.")
    async def all_housings(self) -> list[Housing | None]:
        return [Housing.from_row(r) for r in await HousingRow.all().order_by("id")]

    @_all("Toutes les déclarations de loyer.")
    async def all_declarations(self, info: strawberry.Info) -> list[RentDeclaration | None]:
        rows = await DeclarationRow.all().select_related("tenant__housing").order_by("id")
        return [await declaration_node(info.context, r) for r in rows]

    @_all("Tous les paiements.")
    async def all_payments(self, info: strawberry.Info) -> list[Payment | None]:
        rows = await PaymentRow.all().select_related("tenant__housing").order_by("id")
        tenants = await tenant_nodes(info.context, [r.tenant for r in rows])
        return [Payment.from_row(r, t) for r, t in zip(rows, tenants, strict=True)]

    @_all("Tous les utilisateurs.")
    async def all_users(self) -> list[User | None]:
        return [User.from_row(r) for r in await UserRow.all().order_by("id")]

    @_all("Tous les organismes.")
    async def all_organisations(self) -> list[Organisation | None]:
        return [Organisation.from_row(r) for r in await OrganisationRow.all().order_by("id")]

    @_all("Tous les groupes d'habilitation.")
    async def all_groups(self) -> list[HabilitationGroup | None]:
        return [HabilitationGroup.from_row(r) for r in await GroupRow.all().order_by("id")]

    @_all("Tout le journal d'audit.")
    async def all_audit_events(self) -> list[AuditEvent | None]:
        return [AuditEvent.from_row(e)
                for e in await EventRow.all().select_related("actor").order_by("id")]


QUERIES = {
    "Tenant": "{ allTenants { id lastName housing { id commune } } }",
    "Housing": "{ allHousings { id address } }",
    "RentDeclaration": "{ allDeclarations { id state tenant { id lastName } summary { month } } }",
    "Payment": "{ allPayments { id amount tenant { id } } }",
    "User": "{ allUsers { id identifier email } }",
    "Organisation": "{ allOrganisations { id name } }",
    "HabilitationGroup": "{ allGroups { id name zones } }",
    "AuditEvent": "{ allAuditEvents { id action actor { id } } }",
}


class Expected:
    """Who reads what in the demo world (tests/support/demo_world.py and the demo's
    habilitations)."""

    def __init__(self, olivier: int, sud: int, users: dict[str, UserRow]) -> None:
        self.olivier, self.sud, self.users = olivier, sud, users

    def housing(self, caller: str, org: int, kind: str, dept: str) -> bool:
        return {
            "OLIVIERS.AGENT": (org, kind, dept) == (self.olivier, "conventionne", "14"),
            "OLIVIERS.RESP": (org, kind, dept) == (self.olivier, "prive", "14"),
            "OLIVIERS.ADMIN": org == self.olivier,
            "SUD.AGENT": (org, kind, dept) == (self.sud, "conventionne", "2A"),
        }.get(caller, False)  # the agency reads no tenant

    def user(self, caller: str, user: UserRow) -> bool:
        me = self.users[caller]
        if caller == "CAF.AGENT" or user.id == me.id:
            return True
        managers = {"OLIVIERS.ADMIN", "OLIVIERS.RESP"}
        return caller in managers and user.organisation_id == me.organisation_id

    def organisation(self, caller: str, org: int) -> bool:
        return caller == "CAF.AGENT" or org == self.users[caller].organisation_id


async def _expected_ids(kind: str, caller: str, e: Expected) -> set[str]:
    def place(h: HousingRow) -> tuple[int, str, str]:
        return h.organisation_id, h.housing_type.value, h.departement

    if kind == "Tenant":
        rows = await TenantRow.all().select_related("housing")
        ids = {r.id for r in rows if e.housing(caller, *place(r.housing))}
    elif kind == "Housing":
        ids = {r.id for r in await HousingRow.all() if e.housing(caller, *place(r))}
    elif kind in ("RentDeclaration", "Payment"):
        model = DeclarationRow if kind == "RentDeclaration" else PaymentRow
        rows = await model.all().select_related("tenant__housing")
        ids = {r.id for r in rows if e.housing(caller, *place(r.tenant.housing))}
    elif kind == "User":
        ids = {r.id for r in await UserRow.all() if e.user(caller, r)}
    elif kind == "Organisation":
        ids = {r.id for r in await OrganisationRow.all() if e.organisation(caller, r.id)}
    elif kind == "HabilitationGroup":
        ids = {r.id for r in await GroupRow.all() if e.organisation(caller, r.organisation_id)}
    else:
        ids = set(await EventRow.all().values_list("id", flat=True)) if caller == "CAF.AUDIT" \
            else set()
    return {str(i) for i in ids}


def _read(body: dict, field: str) -> set[str]:
    """The ids the caller got; every null is a FORBIDDEN refusal at its own path."""
    items = body["data"][field]
    refused = [i for i, item in enumerate(items) if item is None]
    errors = body.get("errors", [])
    assert [e["path"] for e in errors] == [[field, i] for i in refused], errors
    for error in errors:
        assert error["message"] == REFUSED
        assert error["extensions"] == {"code": "FORBIDDEN"}
    return {item["id"] for item in items if item is not None}


CALLERS = ["OLIVIERS.AGENT", "OLIVIERS.RESP", "OLIVIERS.ADMIN", "SUD.AGENT", "CAF.AUDIT",
           "CAF.AGENT"]


@pytest.fixture
async def unscoped(settings):
    schema = build_schema(settings, queries=(*QUERY_AREAS, Unscoped))
    async with serving(create_app(settings, schema=schema)) as api:
        world = await prepare_world(api)
        users = {u.identifier: u for u in await UserRow.all()}
        admin = await token_for(api, "OLIVIERS.ADMIN")
        agent = users["OLIVIERS.AGENT"]
        # an audit event, and a declaration in the agent's own scope
        same = await GroupRow.get(organisation_id=world.olivier.id,
                                  name="Logements conventionnés – 14")
        await api.ok("mutation($u: ID!, $g: [ID!]!) { setUserGroups(userId: $u, groupIds: $g) "
                     "{ id } }", {"u": str(agent.id), "g": [str(same.id)]}, admin)
        tenant = await TenantRow.get(allocataire_number="171842")
        await api.ok("mutation($t: ID!) { startRentDeclaration(tenantId: $t) { id } }",
                     {"t": str(tenant.id)}, admin)
        yield api, Expected(world.olivier.id, world.sud.id, users)


@pytest.mark.parametrize("kind", list(QUERIES))
async def test_an_unscoped_root_returns_only_what_the_caller_may_read(unscoped, kind):
    api, expected = unscoped
    field = QUERIES[kind].split()[1]
    kept = refused = 0
    for caller in CALLERS:
        # when
        body = await api.gql(QUERIES[kind], token=await token_for(api, caller))
        # then
        got = _read(body, field)
        assert got == await _expected_ids(kind, caller, expected), (kind, caller)
        kept, refused = kept + len(got), refused + len(body["data"][field]) - len(got)
    assert kept and refused, (kept, refused)  # the world has objects on both sides


async def test_the_rules_agree_with_the_scoped_roots(unscoped):
    api, _ = unscoped
    for caller in CALLERS:
        token = await token_for(api, caller)
        scoped = await api.ok("{ tenants(first: 100) { edges { node { id } } } }", token=token)
        listed = {e["node"]["id"] for e in scoped["tenants"]["edges"]}
        assert _read(await api.gql(QUERIES["Tenant"], token=token), "allTenants") == listed


async def test_one_refused_object_in_a_non_null_list_nulls_the_answer_not_just_the_row(unscoped):
    api, _ = unscoped
    body = await api.gql("{ allTenantsStrict { id lastName } }",
                         token=await token_for(api, "OLIVIERS.AGENT"))
    assert body["data"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert "lastName" not in str(body["errors"])


async def test_anonymous_callers_meet_the_root_permission_first(unscoped):
    api, _ = unscoped
    error = await api.error(QUERIES["Tenant"])
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_verdicts_stay_with_their_request_under_a_burst(unscoped):
    api, expected = unscoped
    callers = ["OLIVIERS.AGENT", "SUD.AGENT", "OLIVIERS.ADMIN", "CAF.AGENT"] * 6
    tokens = {c: await token_for(api, c) for c in set(callers)}
    bodies = await asyncio.gather(*(api.gql(QUERIES["Tenant"], token=tokens[c]) for c in callers))
    for caller, body in zip(callers, bodies, strict=True):
        assert _read(body, "allTenants") == await _expected_ids("Tenant", caller, expected)
