"""The GraphQL schema: root types composed from one class per area."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types

from bailleurs.settings import Settings
from schema.accounts import AccountMutation, AccountQuery
from schema.declarations import DeclarationMutation, DeclarationQuery
from schema.habilitations import HabilitationMutation, HabilitationQuery
from schema.permissions import Public
from schema.tenants import TenantQuery


@strawberry.type
class HealthQuery:
    @strawberry.field(description="Toujours « ok » quand le service répond.", permission_classes=[Public])
    def health(self) -> str:
        return "ok"


QUERY_AREAS: tuple[type, ...] = (
    HealthQuery, AccountQuery, HabilitationQuery, TenantQuery, DeclarationQuery,
)
MUTATION_AREAS: tuple[type, ...] = (AccountMutation, HabilitationMutation, DeclarationMutation)


class BailleursSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Errors are logged where they are formatted (schema.errors), without secrets.
        return None


def build_schema(settings: Settings) -> strawberry.Schema:
    # Factories: Strawberry builds fresh extension instances for each request.
    extensions = [
        lambda: QueryDepthLimiter(max_depth=settings.max_depth),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return BailleursSchema(
        query=merge_types("Query", QUERY_AREAS),
        mutation=merge_types("Mutation", MUTATION_AREAS),
        extensions=extensions,
    )
