"""The words of the policy model: subjects, domains, roles and actions as Casbin strings."""

from __future__ import annotations

from enum import StrEnum

AGENCY_DOMAIN = "caf"
ANY = "*"


class Role(StrEnum):
    ADMINISTRATEUR = "administrateur"
    RESPONSABLE = "responsable_habilitation"
    AUDITEUR = "auditeur"
    AGENT_CAF = "agent_caf"


class Act(StrEnum):
    READ = "read"  # see tenants, payments, declarations
    DECLARE = "declare"  # fill in and transmit declarations, report changes and unpaid rent
    MANAGE = "manage"  # create users, assign groups
    DELEGATE = "delegate"  # name responsables d'habilitation
    # A responsable's perimeter: lines on the user itself, one per (housing type, zone) it may
    # grant ("p, u:7, org:1, prive, 13, grant"); without any, the groups it holds.
    GRANT = "grant"
    AUDIT = "audit"  # read policies and the audit trail (agency)
    REPLACE_ADMIN = "replace_admin"  # replace an organisation's administrator (agency)


def user_subject(user_id: int) -> str:
    return f"u:{user_id}"


def group_subject(group_id: int) -> str:
    return f"grp:{group_id}"


def org_domain(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def parse_id(prefixed: str) -> int:
    return int(prefixed.split(":", 1)[1])
