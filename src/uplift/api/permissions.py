"""API permission classes."""

from __future__ import annotations

from rest_framework.permissions import DjangoModelPermissions


class DjangoModelPermissionsOrAnonReadOnlyDenied(DjangoModelPermissions):
    """Model permissions for every method, reads included; anonymous users are refused.

    Reads need the model's ``view`` permission, so a role without it sees nothing.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }
