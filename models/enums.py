"""Enumerations stored in the database (values are stable storage strings)."""

from enum import StrEnum


class HousingType(StrEnum):
    CONVENTIONNE = "conventionne"
    PRIVE = "prive"


class UserStatus(StrEnum):
    PENDING = "pending"  # must complete first login
    ACTIVE = "active"
    CLOSED = "closed"


class WorkMode(StrEnum):
    SEDENTAIRE = "sedentaire"
    ITINERANT = "itinerant"


class AgencyRole(StrEnum):
    AGENT_CAF = "agent_caf"
    AUDITEUR = "auditeur"


class DeclarationState(StrEnum):
    NON_SAISI = "non_saisi"
    BROUILLON = "brouillon"
    TRANSMIS = "transmis"


class ChangeKind(StrEnum):
    DEPART = "depart"
    FIN_GESTION = "fin_gestion"
    COLOCATAIRES = "colocataires"
    NON_DECENCE = "non_decence"


class MailChannel(StrEnum):
    EMAIL = "email"
    POST = "post"
