"""Habilitations: the Casbin model, its storage, and the guard every resolver asks."""
