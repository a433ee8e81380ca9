"""Accounts: login, first login, sessions, passwords, recovery (lost identifier, forgotten
password), the lockout and throttles, account mails, the agency replacing administrators."""
