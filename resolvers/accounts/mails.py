"""The plain-text French mails of the account life cycle (subject, body)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from models import Organisation, User
from resolvers.shared.outbox import credentials_block

PARIS = ZoneInfo("Europe/Paris")
SIGNATURE = "\nCe message est envoyé automatiquement, merci de ne pas y répondre.\nVotre Caf\n"


def _when(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def _person(user: User) -> str:
    name = f"{user.first_name} {user.last_name}".strip()
    return f"{name} (identifiant {user.identifier})" if name else f"l'identifiant {user.identifier}"


def password_reset(user: User, password: str, expires_at: datetime) -> tuple[str, str]:
    body = (
        "Bonjour,\n\n"
        "Vous avez demandé un nouveau mot de passe pour votre espace Mon compte partenaire.\n\n"
        + credentials_block(user.identifier, password)
        + f"\nCe mot de passe provisoire est valable jusqu'au {_when(expires_at)}. "
        "Vous devrez le changer à votre prochaine connexion.\n"
        "Tant que vous ne l'utilisez pas, votre mot de passe actuel reste valable : si vous "
        "n'êtes pas à l'origine de cette demande, ignorez ce message.\n"
    )
    return "Votre mot de passe provisoire", body + SIGNATURE


def lost_identifier(
    organisation: Organisation, identifier: str, password: str, expires_at: datetime | None
) -> tuple[str, str]:
    validity = (
        f"Ce mot de passe provisoire est valable jusqu'au {_when(expires_at)} et devra être "
        "changé à la prochaine connexion.\n"
        if expires_at
        else "Il remplace celui du courrier précédent, qui ne fonctionne plus. Lors de la "
        "première connexion, vous compléterez votre profil et choisirez votre mot de passe.\n"
    )
    body = (
        "Bonjour,\n\n"
        f"Une demande « Identifiant perdu » a été faite pour l'organisme {organisation.name} "
        f"(N° utilisateur {organisation.user_number}).\n\n"
        + credentials_block(identifier, password)
        + "\n"
        + validity
    )
    return "Vos identifiant et mot de passe provisoire", body + SIGNATURE


def account_locked(user: User, until: datetime, failures: int) -> tuple[str, str]:
    body = (
        "Bonjour,\n\n"
        f"Le compte de {_person(user)} a été verrouillé après {failures} échecs de connexion, "
        f"jusqu'au {_when(until)}.\n\n"
        "Si cette personne est bien à l'origine de ces tentatives, vous pouvez déverrouiller son "
        "compte depuis la gestion des utilisateurs. Sinon, aucune action n'est nécessaire : le "
        "compte se déverrouillera seul, et le mot de passe n'a pas été communiqué.\n"
    )
    return "Compte utilisateur verrouillé", body + SIGNATURE


def administrator_replaced(organisation: Organisation, user: User) -> tuple[str, str]:
    body = (
        "Bonjour,\n\n"
        f"À la demande de l'organisme {organisation.name}, la Caf a désigné {_person(user)} "
        "comme administrateur de son espace Mon compte partenaire.\n"
    )
    return "Nouvel administrateur de votre espace partenaire", body + SIGNATURE


_NOT_YOU = (
    "Si vous n'êtes pas à l'origine de ce changement, prévenez sans attendre l'administrateur "
    "de votre organisme ou votre Caf.\n"
)


def email_changed(user: User, new_address_masked: str, moment: datetime) -> tuple[str, str]:
    """Sent to the address being replaced: its owner learns of a change they may not have made."""
    body = (
        "Bonjour,\n\n"
        f"L'adresse mail du compte de {_person(user)} a été remplacée le {_when(moment)} par "
        f"{new_address_masked}. Cette adresse-ci ne recevra plus les messages du compte.\n\n"
        + _NOT_YOU
    )
    return "Adresse mail de votre compte modifiée", body + SIGNATURE


def password_changed(user: User, moment: datetime) -> tuple[str, str]:
    body = (
        "Bonjour,\n\n"
        f"Le mot de passe du compte de {_person(user)} a été changé le {_when(moment)}. "
        "Toutes les sessions ouvertes avec l'ancien mot de passe ont été fermées.\n\n"
        + _NOT_YOU
    )
    return "Mot de passe de votre compte modifié", body + SIGNATURE
