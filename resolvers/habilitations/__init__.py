"""Habilitations: groups, memberships, delegation to responsables d'habilitation, and every policy
change (through Casbin and the audit trail in one transaction)."""
