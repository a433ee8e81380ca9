"""Who may call each root field: its permission classes, which also write that sentence.

Permission classes never query the database: they ask the request's guard, whose scope is
compiled once per request. A denied call raises a domain error (mapped in `schema.errors`).
Each class's `description` is the one text of its rule: `who_may_call` turns it into the
sentence that ends the description of every root field carrying it, when the schema is built
(`schema.build_schema`), so the documentation cannot drift from the rule. Object types have
their own read rules (`schema.read_rules`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from strawberry.permission import BasePermission
from strawberry.types.field import StrawberryField

from policies.vocabulary import Act
from resolvers.shared.errors import Forbidden, Unauthenticated
from schema.info import Info

WHO_MAY_CALL = "Qui peut l'appeler : "


class Rule(BasePermission):
    """A permission whose refusal raises one of our domain errors."""

    error: type[Exception] = Forbidden
    # Who passes, as the end of "Qui peut l'appeler : …" (lower case, no final stop).
    description = ""

    def on_unauthorized(self) -> None:
        raise self.error()


class Public(Rule):
    """Anyone, without a session."""

    description = "tout le monde, sans session"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


class FirstLoginSession(Rule):
    """Any session, including the restricted one of a first login."""

    error = Unauthenticated
    description = "toute session, y compris celle d'une première connexion"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal is not None


class Authenticated(Rule):
    """A full session: first login completed, account open and inside its dates."""

    error = Unauthenticated
    description = "utilisateur connecté"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        p = info.context.principal
        return p is not None and not p.restricted and p.user_id is not None


class _HasRight(Rule):
    """An organisation- or agency-wide right of the caller's roles."""

    act: Act

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        p = info.context.principal
        if p is None or p.restricted or p.user_id is None:
            raise Unauthenticated()
        return await info.context.guard.has_organisation_right(self.act)


class MayManage(_HasRight):
    act = Act.MANAGE
    description = "administrateur ou responsable d'habilitation de l'organisation"


class MayDelegate(_HasRight):
    act = Act.DELEGATE
    description = "administrateur de l'organisation"


class MayAudit(_HasRight):
    act = Act.AUDIT
    description = "auditeur de la Caf"


class MayReplaceAdmin(_HasRight):
    act = Act.REPLACE_ADMIN
    description = "agent de la Caf"


def who_may_call(rules: Iterable[type[Rule]]) -> str:
    """The sentence a root field's description ends with; Strawberry requires every class."""
    return WHO_MAY_CALL + " et ".join(rule.description for rule in rules) + "."


def stating_who_may_call(field: StrawberryField) -> StrawberryField:
    """A copy of a root field whose description ends with who may call it.

    A copy, because the area classes keep their own fields and the schema may be built many
    times (tests): appending to the shared field would repeat the sentence."""
    if not field.permission_classes:
        raise TypeError(f"root field {field.python_name!r} has no permission class")
    stated = copy.copy(field)
    sentence = who_may_call(rule for rule in field.permission_classes if issubclass(rule, Rule))
    stated.description = f"{field.description} {sentence}" if field.description else sentence
    return stated

