"""Accounts: login, first login, sessions, passwords, recovery, lockout, the agency and the
administrators."""
