"""Pages of the appraisals context, one module per topic, each with its ``urlpatterns``.

- ``plan``: list, detail, create and edit, scope, units, team, status, judgments,
  rating, file import and export;
- ``matrix``: the practices-by-units matrix with in-place cells (htmx);
- ``evidence``: artifacts and affirmations;
- ``findings``: findings and the findings presentation;
- ``report``: final report (HTML, PDF), XLSX matrix, path to the target, comparison.

Every view authenticates, checks ``apps.appraisals.permissions``, calls one service or
selector and renders; an unknown id is a 404.
"""
