"""Resolvers, one package per area of the partner guide (accounts, habilitations, declarations,
audit) and one shared room; thin: validate input, ask the guard, query, return."""
