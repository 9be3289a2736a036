"""Placeholder: written in issue 5."""
