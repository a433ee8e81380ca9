"""Who may call each field. Root fields carry a permission class; object fields a read rule.

Permission classes never query the database: they ask the request's guard, whose scope is
compiled once per request. A denied call raises a domain error (mapped in `schema.errors`).
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from policies.vocabulary import Act
from resolvers.shared.errors import Forbidden, Unauthenticated

READ_RULE = "read_rule"


class Rule(BasePermission):
    """A permission whose refusal raises one of our domain errors."""

    error: type[Exception] = Forbidden
    description = ""

    def on_unauthorized(self) -> None:
        raise self.error()


class Public(Rule):
    """Anyone, without a session."""

    description = "Public."

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return True


class FirstLoginSession(Rule):
    """Any session, including the restricted one of a first login."""

    error = Unauthenticated
    description = "Toute session, y compris celle d'une première connexion."

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.principal is not None


class Authenticated(Rule):
    """A full session: first login completed, account open and inside its dates."""

    error = Unauthenticated
    description = "Utilisateur connecté."

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        p = info.context.principal
        return p is not None and not p.restricted and p.user_id is not None


class _HasRight(Rule):
    """An organisation- or agency-wide right of the caller's roles."""

    act: Act

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        p = info.context.principal
        if p is None or p.restricted or p.user_id is None:
            raise Unauthenticated()
        return await info.context.guard.may(self.act)


class MayManage(_HasRight):
    act = Act.MANAGE
    description = "Administrateur ou responsable d'habilitation."


class MayDelegate(_HasRight):
    act = Act.DELEGATE
    description = "Administrateur de l'organisation."


class MayAudit(_HasRight):
    act = Act.AUDIT
    description = "Auditeur de la Caf."


class MayReplaceAdmin(_HasRight):
    act = Act.REPLACE_ADMIN
    description = "Agent de la Caf."


def readable_by(rule: str):
    """Give every field of a type that has no rule of its own the type's read rule."""

    def stamp(cls):
        for field in cls.__strawberry_definition__.fields:
            if READ_RULE not in (field.metadata or {}):
                field.metadata = {**(field.metadata or {}), READ_RULE: rule}
        return cls

    return stamp


# The read rules of object types, named once so descriptions and the schema walk agree.
VISIBLE_OBJECT = "Quiconque peut voir l'objet parent (vérifié au chargement)."
SELF_OR_MANAGER = "L'utilisateur lui-même, ou un gestionnaire des habilitations de l'organisation."
ANYONE = "Toute personne (résultat d'une opération publique)."
AUDITOR = "Auditeur de la Caf."
AGENT = "Agent de la Caf."
