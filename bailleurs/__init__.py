"""Wiring of Offre Bailleurs: settings, database, ASGI app, mail, PDF and the command line."""
