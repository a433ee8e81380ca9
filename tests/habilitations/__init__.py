"""Habilitations: who sees which tenant, groups, memberships, delegation, policy storage."""
