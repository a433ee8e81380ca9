"""GraphQL types and root fields of accounts: sessions, recovery, account administration."""
