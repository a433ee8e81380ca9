"""Resolvers, one module per area; thin: validate input, ask the guard, query, return."""
