"""Declarations: tenants, rent declarations and their receipts, changes, unpaid rent, payments."""
