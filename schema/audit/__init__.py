"""GraphQL types and root fields of the auditor's view."""
