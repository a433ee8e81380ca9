"""Audit: the append-only hash-chained trail (writing and reading it), who acts, policies in force,
explanations, access as of a date (policy_view), simulations and reports."""
