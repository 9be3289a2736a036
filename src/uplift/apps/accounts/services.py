"""Writes of the accounts context: the domain roles as groups with permissions."""

from __future__ import annotations


def roles_ensure() -> None:
    """Create or update the role groups and their permissions (idempotent)."""
