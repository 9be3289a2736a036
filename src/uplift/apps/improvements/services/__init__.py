"""The improvements' services: every write, one transaction each.

Modules: ``proposals`` (create, update, transitions, expected benefits),
``selection`` (criteria, scores, ranking, portfolio), ``pilots``, ``plans`` (plans,
revisions, reviews) and ``actions`` (team and actions).
"""
