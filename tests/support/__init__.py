"""Helpers the tests share: factories, the prepared worlds, the oracle, service processes."""
