"""The GraphQL schema: root types composed from one class per area."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types

from bailleurs.settings import Settings
from schema.accounts.administration import AccountAdminMutation
from schema.accounts.recovery import RecoveryMutation
from schema.accounts.sessions import AccountMutation, AccountQuery
from schema.audit.questions import AuditQuery
from schema.declarations.changes import ChangeMutation
from schema.declarations.payments import PaymentQuery
from schema.declarations.rent import DeclarationMutation, DeclarationQuery
from schema.declarations.tenants import TenantQuery
from schema.habilitations.groups import HabilitationMutation, HabilitationQuery
from schema.input_rules import NoNulCharacters
from schema.permissions import Public


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
    AccountQuery,  # accounts
    HabilitationQuery,  # habilitations
    TenantQuery, DeclarationQuery, PaymentQuery,  # declarations
    AuditQuery,  # audit
)
MUTATION_AREAS: tuple[type, ...] = (
    AccountMutation, RecoveryMutation, AccountAdminMutation,  # accounts
    HabilitationMutation,  # habilitations
    DeclarationMutation, ChangeMutation,  # declarations
)


class BailleursSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Errors are logged where they are formatted (schema.errors), without secrets.
        return None


def build_schema(settings: Settings) -> strawberry.Schema:
    # The depth and alias limiters create their validation rule classes when constructed;
    # built per request, those fresh classes are part of ValidationCache's key and it never hits
    # (validation then runs on every request). Build the rules once, add them per request.
    limits = [
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        NoNulCharacters,
    ]
    # Factories: Strawberry builds fresh extension instances for each request.
    extensions = [
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    if settings.tracing:
        from schema.tracing import PrivateOpenTelemetryExtension

        extensions.append(PrivateOpenTelemetryExtension)
    return BailleursSchema(
        query=merge_types("Query", QUERY_AREAS),
        mutation=merge_types("Mutation", MUTATION_AREAS),
        extensions=extensions,
    )
