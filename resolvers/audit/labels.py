"""French labels for the machine codes auditors read in exports (the code stays beside each)."""

from __future__ import annotations

from models.enums import HousingType

ACTIONS = {
    "user_created": "Création d'un utilisateur",
    "user_groups_set": "Modification des groupes d'un utilisateur",
    "habilitation_manager_set": "Désignation ou retrait d'un responsable d'habilitation",
    "user_closed": "Clôture d'un utilisateur",
    "organisation_activated": "Activation de l'organisation",
    "administrator_replaced": "Remplacement de l'administrateur",
    "agent_created": "Création d'un compte de la Caf",
    "group_created": "Création d'un groupe d'habilitation",
    "login_succeeded": "Connexion réussie",
    "login_failed": "Connexion refusée",
    "logout": "Déconnexion",
    "account_locked": "Compte verrouillé",
    "account_unlocked": "Compte déverrouillé",
    "password_reset_requested": "Demande de réinitialisation du mot de passe",
    "lost_identifier_requested": "Demande d'identifiant perdu",
    "activation_letters_reissued": "Réédition des lettres d'activation",
    "declaration_started": "Déclaration commencée",
    "declaration_saved": "Déclaration enregistrée",
    "declaration_transmitted": "Déclaration transmise",
    "policies_read": "Consultation des habilitations d'une organisation",
    "access_read": "Consultation des accès",
    "audit_events_exported": "Export du journal d'audit",
    "audit_events_read": "Consultation du journal d'audit",
    "habilitation_change_simulated": "Simulation d'un changement d'habilitation",
    "policies_exported": "Export des habilitations d'une organisation",
    "access_exported": "Export des accès d'une organisation",
    "user_baseline": "État initial d'un utilisateur",
    # Acts of the policy model, as rules and the access report name them.
    "read": "Consulter",
    "declare": "Déclarer",
    "manage": "Gérer les utilisateurs",
    "delegate": "Désigner les responsables d'habilitation",
    "grant": "Attribuer des habilitations",
    "audit": "Auditer",
    "replace_admin": "Remplacer l'administrateur",
    "*": "Toutes",
}
TARGET_TYPES = {
    "user": "Utilisateur",
    "group": "Groupe d'habilitation",
    "organisation": "Organisation",
    "session": "Session",
    "tenant": "Locataire",
    "rent_declaration": "Déclaration de loyer",
    "role": "Rôle",
    "audit_trail": "Journal d'audit",
}
STATUSES = {
    "pending": "En attente de première connexion",
    "active": "Actif",
    "closed": "Clôturé",
}
HOUSING_TYPES = {
    HousingType.CONVENTIONNE.value: "Logement conventionné",
    HousingType.PRIVE.value: "Logement privé",
    "*": "Tous",
}
SUBJECT_KINDS = {"role": "Rôle", "group": "Groupe", "user": "Périmètre d'un responsable"}


def label(table: dict[str, str], code: str | None) -> str:
    """The French label, or the code itself when none is known (never an empty cell)."""
    if code is None:
        return ""
    return table.get(code, code)
