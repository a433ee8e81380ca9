"""GraphQL types and root fields of declarations: tenants, rent declarations, changes, unpaid
rent, payments."""
