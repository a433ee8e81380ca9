"""Declarations: tenants, the July rent declaration (its rules and récapitulatif), changes,
unpaid rent and payments."""
