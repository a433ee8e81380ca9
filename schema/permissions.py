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
from resolvers.shared.errors import ActionsRequired, Forbidden, Unauthenticated
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


class PendingFirstLogin(Rule):
    """Only a restricted session, whose first login (or provisional password) is not done: a full
    session changes its password or address with the current password instead."""

    error = Unauthenticated
    description = "session de première connexion (ou de mot de passe provisoire) seulement"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        p = info.context.principal
        if p is not None and not p.restricted:
            raise Forbidden(
                "Votre première connexion est déjà terminée : changez votre mot de passe ou "
                "votre adresse mail depuis votre compte, avec votre mot de passe actuel."
            )
        return p is not None


def ensure_full_session(principal: Any) -> None:
    """No session: UNAUTHENTICATED; a restricted one: REQUIRED_ACTIONS with what is left."""
    if principal is None or (principal.user_id is None and not principal.restricted):
        raise Unauthenticated()
    if principal.restricted:
        raise ActionsRequired(principal.required_actions)


class Authenticated(Rule):
    """A full session: first login completed, account open and inside its dates."""

    error = Unauthenticated
    description = "utilisateur connecté"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        ensure_full_session(info.context.principal)
        return True


class OwnAccount(Authenticated):
    """A full session acting on its own account only (its address): the resolver never takes
    another user's id, so no organisation right is involved."""

    description = "utilisateur connecté, sur son propre compte"


class _HasRight(Rule):
    """An organisation- or agency-wide right of the caller's roles."""

    act: Act

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        ensure_full_session(info.context.principal)
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


class AgencyStaff(Rule):
    """Either agency role: the auditor reads, the agent acts; both find the partners."""

    description = "auditeur ou agent de la Caf"

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        ensure_full_session(info.context.principal)
        guard = info.context.guard
        return await guard.has_organisation_right(Act.AUDIT) or (
            await guard.has_organisation_right(Act.REPLACE_ADMIN)
        )


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

