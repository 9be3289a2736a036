"""Uplift's pure core: rules that must be exact, tested without a database.

Nothing here imports Django, Django REST framework or ``uplift.apps``/``api``/``cli``
(import-linter enforces it). Each module declares its public names in ``__all__``;
callers import from the module (``from uplift.domain.library_compare import ...``).
"""
