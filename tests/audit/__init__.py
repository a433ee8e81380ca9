"""Audit: policies, explanations, as-of answers, simulations, exports and the audit trail."""
