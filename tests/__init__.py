"""The test suite, one package per area of the product; run from the repository root."""
