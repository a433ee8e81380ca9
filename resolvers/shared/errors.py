"""Domain errors: each carries a code for programs and a French message for people.

They are raised anywhere below the schema and turned into GraphQL errors in one place
(`schema.errors`); anything else becomes INTERNAL_SERVER_ERROR without details.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "INTERNAL_SERVER_ERROR"
    default_message = "Une erreur interne est survenue."

    def __init__(self, message: str | None = None, **extensions: Any) -> None:
        self.message = message or self.default_message
        self.extensions = extensions
        super().__init__(self.message)


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"
    default_message = "Vous devez être connecté pour accéder à ce service."


class ActionsRequired(DomainError):
    """A restricted session (first login, provisional password) asking for the service itself;
    `requiredActions` in the extensions lists what is left to do."""

    code = "REQUIRED_ACTIONS"
    default_message = (
        "Terminez d'abord votre première connexion (profil, mot de passe, acceptations) "
        "pour accéder à ce service."
    )

    def __init__(self, actions: list[str] | tuple[str, ...], message: str | None = None):
        super().__init__(message, requiredActions=list(actions))


class NotFound(DomainError):
    code = "NOT_FOUND"
    default_message = "Élément introuvable."


class Forbidden(DomainError):
    code = "FORBIDDEN"
    default_message = "Vous n'avez pas les droits nécessaires pour cette action."


class Conflict(DomainError):
    code = "CONFLICT"
    default_message = "Cette opération est en conflit avec l'état actuel."


class RateLimited(DomainError):
    code = "RATE_LIMITED"
    default_message = "Trop de tentatives. Merci de réessayer plus tard."


class Invalid(DomainError):
    """Bad input; `problems` maps each field to what is wrong with it."""

    code = "BAD_USER_INPUT"
    default_message = "Les informations saisies sont incomplètes ou incorrectes."

    def __init__(self, problems: dict[str, str], message: str | None = None, **extensions: Any):
        self.problems = problems
        if message is None:
            message = " ".join(problems.values()) if problems else None
        super().__init__(message, fields=problems, **extensions)


def invalid(field: str, message: str) -> Invalid:
    return Invalid({field: message})


class Unavailable(DomainError):
    """The database is down, restarting or unreachable: nothing is wrong with the request."""

    code = "SERVICE_UNAVAILABLE"
    default_message = (
        "Le service est momentanément indisponible. Merci de réessayer dans quelques instants."
    )


def _unavailability_errors() -> tuple[type[BaseException], ...]:
    from asyncpg.exceptions import (
        InsufficientResourcesError,
        InterfaceError,
        InternalClientError,
        OperatorInterventionError,
        PostgresConnectionError,
    )
    from tortoise.exceptions import DBConnectionError

    # InterfaceError and InternalClientError: a pooled connection the server dropped mid-use.
    return (OSError, TimeoutError, PostgresConnectionError, OperatorInterventionError,
            InsufficientResourcesError, InterfaceError, InternalClientError, DBConnectionError)


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether an unexpected exception (or what caused it) says the database is out of reach."""
    kinds = _unavailability_errors()
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kinds):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
