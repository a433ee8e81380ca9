"""Independent checks of a response: nothing that betrays the implementation, and every object
returned within the caller's rights, decided by Casbin's own `enforce` on the stored policies
(not by the service's compiled scopes, which are what is under test)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import casbin
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)

from models import (
    ChangeDeclaration,
    HabilitationGroup,
    Housing,
    Payment,
    RentDeclaration,
    RepaymentPlan,
    Tenant,
    UnpaidRentReport,
    User,
)
from policies.adapter import DomainFilter, TortoiseAdapter
from policies.enforcers import MODEL_PATH
from policies.vocabulary import AGENCY_DOMAIN, ANY, Act, org_domain, user_subject

LEAK_PATTERNS = [
    re.compile(p) for p in (
        r"Traceback", r'File "', r"line \d+, in ", r"<\w+ object at 0x",
        r"\b(SELECT|INSERT INTO|DELETE FROM|UPDATE \w+ SET)\b", r"syntax error at or near",
        r"(?i)\b(asyncpg|aiosqlite|sqlite3|tortoise|psycopg|strawberry\.|casbin\.)",
        r"\b[A-Z][A-Za-z]+(Error|Exception)\b",
    )
]


def leaks(text: str) -> list[str]:
    return [m.group(0) for p in LEAK_PATTERNS for m in [p.search(text)] if m]


def _field(name: str) -> FieldNode:
    return FieldNode(name=NameNode(value=name), arguments=(), directives=())


def _augment(selection_set: SelectionSetNode, type_, schema: GraphQLSchema) -> SelectionSetNode:
    """Select `__typename` and `id` everywhere, so every object in the response can be checked."""
    named = get_named_type(type_)
    selections = []
    for node in selection_set.selections:
        if isinstance(node, FieldNode) and node.selection_set is not None:
            field = named.fields.get(node.name.value) if hasattr(named, "fields") else None
            if field is not None:
                node = FieldNode(alias=node.alias, name=node.name, arguments=node.arguments,
                                 directives=node.directives,
                                 selection_set=_augment(node.selection_set, field.type, schema))
        elif isinstance(node, InlineFragmentNode) and node.type_condition is not None:
            inner = schema.get_type(node.type_condition.name.value)
            node = InlineFragmentNode(
                type_condition=node.type_condition, directives=node.directives,
                selection_set=_augment(node.selection_set, inner, schema))
        selections.append(node)
    taken = {(n.alias or n.name).value for n in selections if isinstance(n, FieldNode)}
    extra = ["__typename"]
    if isinstance(named, GraphQLObjectType) and "id" in named.fields:
        extra.append("id")
    selections += [_field(name) for name in extra if name not in taken]
    return SelectionSetNode(selections=tuple(selections))


def with_typenames_and_ids(schema: GraphQLSchema, document: DocumentNode) -> DocumentNode:
    definitions = []
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode):
            root = schema.get_root_type(d.operation)
            d = OperationDefinitionNode(
                operation=d.operation, name=d.name, variable_definitions=d.variable_definitions,
                directives=d.directives, selection_set=_augment(d.selection_set, root, schema))
        definitions.append(d)
    return DocumentNode(definitions=tuple(definitions))


def objects(data: Any) -> Iterator[tuple[str, str]]:
    """Every (type name, id) in a response's data."""
    if isinstance(data, dict):
        if isinstance(data.get("__typename"), str) and data.get("id") is not None:
            yield data["__typename"], str(data["id"])
        for value in data.values():
            yield from objects(value)
    elif isinstance(data, list):
        for value in data:
            yield from objects(value)


class Oracle:
    """May `identifier` see object (type, id)? Asked of freshly loaded policies."""

    def __init__(self, identifier: str | None) -> None:
        self.identifier = identifier
        self.unchecked: set[str] = set()  # type names seen with an id but no ownership rule

    async def _caller(self) -> tuple[User | None, casbin.AsyncEnforcer | None, str | None]:
        if self.identifier is None:
            return None, None, None
        user = await User.get(identifier=self.identifier)
        domain = AGENCY_DOMAIN if user.organisation_id is None else org_domain(user.organisation_id)
        enforcer = casbin.AsyncEnforcer(str(MODEL_PATH), TortoiseAdapter())
        await enforcer.load_filtered_policy(DomainFilter((domain,)))
        return user, enforcer, domain

    async def violations(self, found: list[tuple[str, str]]) -> list[str]:
        if not found:
            return []
        user, enforcer, domain = await self._caller()
        bad = []
        for kind, raw_id in found:
            if not await self._allowed(user, enforcer, domain, kind, raw_id):
                bad.append(f"{kind}:{raw_id}")
        return bad

    async def _allowed(self, user, enforcer, domain, kind: str, raw_id: str) -> bool:
        try:
            pk = int(raw_id)
        except ValueError:
            return True  # not a row id (an enum-like id, a cursor): nothing to check
        if kind in {"Tenant", "Housing", *TENANT_OWNED}:
            housing = await _housing_of(kind, pk)
            return housing is not None and self._may(
                user, enforcer, domain, Act.READ, housing.organisation_id,
                housing.housing_type.value, housing.departement)
        if kind == "User":
            other = await User.get_or_none(id=pk)
            if user is None or other is None:
                return False
            return other.id == user.id or (user.organisation_id is None and self._agency(
                user, enforcer, domain)) or (other.organisation_id == user.organisation_id and
                                             self._may(user, enforcer, domain, Act.MANAGE,
                                                       user.organisation_id, ANY, ANY))
        if kind in AGENCY_VIEW:
            return user is not None and user.organisation_id is None and self._agency(
                user, enforcer, domain)
        if kind in AUDIT_ONLY:
            return user is not None and user.organisation_id is None and enforcer.enforce(
                user_subject(user.id), AGENCY_DOMAIN, ANY, ANY, Act.AUDIT.value)
        if kind == "HabilitationGroup":
            row = await HabilitationGroup.get_or_none(id=pk)
            return row is not None and user is not None and (
                row.organisation_id == user.organisation_id or user.organisation_id is None)
        if kind == "Organisation":
            return user is not None and (pk == user.organisation_id or user.organisation_id is None)
        self.unchecked.add(kind)
        return True  # types without an owner (results, pages): nothing to check

    @staticmethod
    def _may(user, enforcer, domain, act: Act, org_id, htype: str, zone: str) -> bool:
        if user is None or user.organisation_id is None:
            # Agency users read across organisations only through their audit right.
            return user is not None and enforcer.enforce(
                user_subject(user.id), AGENCY_DOMAIN, ANY, ANY, Act.AUDIT.value)
        if org_id != user.organisation_id:
            return False
        return enforcer.enforce(user_subject(user.id), domain, htype, zone, act.value)

    @staticmethod
    def _agency(user, enforcer, domain) -> bool:
        return any(enforcer.enforce(user_subject(user.id), domain, ANY, ANY, a.value)
                   for a in (Act.AUDIT, Act.REPLACE_ADMIN))


# Types only the audit hands out, to the agency's auditors.
AUDIT_ONLY = {"AuditedUser", "AuditEvent", "AccessStep"}
# Types of the agency's view of its partners (agents and auditors only).
AGENCY_VIEW = {"PartnerOrganisation", "PartnerAdministrator"}
# GraphQL type name -> (model, path to the tenant's housing): readable by whoever may read the
# tenant. A repayment follow-up is named by its unpaid report's id.
TENANT_OWNED = {
    "RentDeclaration": (RentDeclaration, "tenant__housing"),
    "ChangeDeclaration": (ChangeDeclaration, "tenant__housing"),
    "UnpaidRentReport": (UnpaidRentReport, "tenant__housing"),
    "RepaymentFollowUp": (UnpaidRentReport, "tenant__housing"),
    "RepaymentPlan": (RepaymentPlan, "report__tenant__housing"),
    "Payment": (Payment, "tenant__housing"),
}


# Every type name `_allowed` has a rule for.
RULED = {"Tenant", "Housing", "User", "HabilitationGroup", "Organisation",
         *TENANT_OWNED, *AUDIT_ONLY, *AGENCY_VIEW}


async def _housing_of(kind: str, pk: int) -> Housing | None:
    if kind == "Housing":
        return await Housing.get_or_none(id=pk)
    if kind == "Tenant":
        tenant = await Tenant.get_or_none(id=pk).select_related("housing")
        return tenant.housing if tenant else None
    model, path = TENANT_OWNED[kind]
    row = await model.get_or_none(id=pk).select_related(path)
    for step in path.split("__"):
        row = getattr(row, step) if row is not None else None
    return row
