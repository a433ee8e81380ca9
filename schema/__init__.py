"""The GraphQL schema: root types composed from one class per area."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from schema.accounts.administration import AccountAdminMutation
from schema.accounts.agency import AgencyMutation, AgencyQuery
from schema.accounts.letters import LettersMutation, LettersQuery
from schema.accounts.profiles import ProfileMutation
from schema.accounts.recovery import RecoveryMutation
from schema.accounts.sessions import AccountMutation, AccountQuery
from schema.audit.instants import INSTANT_SCALAR, Instant
from schema.audit.questions import AuditQuery
from schema.declarations.change_mutations import TypedChangeMutation
from schema.declarations.changes import ChangeMutation
from schema.declarations.history import HistoryQuery
from schema.declarations.payments import PaymentQuery
from schema.declarations.receipts import ReceiptQuery
from schema.declarations.rent import DeclarationMutation, DeclarationQuery
from schema.declarations.repayment import RepaymentMutation, RepaymentQuery
from schema.declarations.tenants import TenantQuery
from schema.execution import ExecutionContext
from schema.habilitations.group_admin import GroupAdminMutation, GroupAdminQuery
from schema.habilitations.groups import HabilitationMutation, HabilitationQuery
from schema.input_rules import NoNulCharacters, TypedValidationCache, refusing
from schema.permissions import Public, stating_who_may_call
from schema.read_rules import ReadRulesExtension

if TYPE_CHECKING:  # annotations only: the application passes its settings in
    from bailleurs.settings import Settings


@strawberry.type
class HealthQuery:
    @strawberry.field(
        description="Toujours « ok » quand le service répond.", permission_classes=[Public]
    )
    def health(self) -> str:
        return "ok"


# Every root class of every area, listed here and nowhere else (no root arrives by inheritance).
QUERY_AREAS: tuple[type, ...] = (
    HealthQuery,
    AccountQuery, LettersQuery, AgencyQuery,  # accounts
    HabilitationQuery, GroupAdminQuery,  # habilitations
    TenantQuery, DeclarationQuery, PaymentQuery, ReceiptQuery, HistoryQuery,  # declarations
    RepaymentQuery,
    AuditQuery,  # audit
)
MUTATION_AREAS: tuple[type, ...] = (
    AccountMutation, RecoveryMutation, AccountAdminMutation, LettersMutation,  # accounts
    ProfileMutation, AgencyMutation,
    HabilitationMutation, GroupAdminMutation,  # habilitations
    DeclarationMutation, ChangeMutation, TypedChangeMutation, RepaymentMutation,  # declarations
)


def root_type(name: str, areas: tuple[type, ...]) -> type:
    """One root type from the areas' classes, each field's description ending with who may
    call it (generated from its permission classes, never written by hand)."""
    root = merge_types(name, areas)
    definition = root.__strawberry_definition__  # type: ignore[attr-defined]
    definition.fields = [stating_who_may_call(f) for f in definition.fields]
    return root


class BailleursSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Errors are logged where they are formatted (schema.errors), without secrets.
        return None


def build_schema(
    settings: Settings,
    *,
    queries: tuple[type, ...] = QUERY_AREAS,
    mutations: tuple[type, ...] = MUTATION_AREAS,
) -> strawberry.Schema:
    """The product's schema; tests may pass other root classes (e.g. an unscoped one)."""
    # The depth and alias limiters create their validation rule classes when constructed;
    # built per request, those fresh classes are part of ValidationCache's key and it never hits
    # (validation then runs on every request). Build the rules once, add them per request.
    limits = [
        *(refusing(rule, "La requête est trop profonde.")
          for rule in QueryDepthLimiter(max_depth=settings.max_depth).validation_rules),
        *(refusing(rule, "La requête contient trop d'alias.")
          for rule in MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules),
        NoNulCharacters,
    ]
    if not settings.introspection:  # what Strawberry's DisableIntrospection adds
        limits.append(
            refusing(NoSchemaIntrospectionCustomRule, "L'introspection du schéma est désactivée.")
        )
    # Factories: Strawberry builds fresh extension instances for each request.
    extensions = [
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=256),
        TypedValidationCache,
        ReadRulesExtension,  # the caller's rights, read once for the types' read rules
    ]
    if settings.tracing:
        from schema.tracing import PrivateOpenTelemetryExtension

        extensions.append(PrivateOpenTelemetryExtension)
    return BailleursSchema(
        query=root_type("Query", queries),
        mutation=root_type("Mutation", mutations),
        extensions=extensions,
        config=StrawberryConfig(scalar_map={Instant: INSTANT_SCALAR}),
        execution_context_class=ExecutionContext,
    )
