"""GraphQL types and root fields of habilitations: groups, users, delegation."""
