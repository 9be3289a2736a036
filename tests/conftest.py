"""Shared fixtures: personas and clients."""
