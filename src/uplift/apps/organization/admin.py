"""Admin pages of the organization context, with their history (simple-history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from uplift.apps.organization.models import (
    OrganizationalUnit,
    Person,
    RoleAssignment,
    WorkActivity,
)


@admin.register(OrganizationalUnit)
class OrganizationalUnitAdmin(SimpleHistoryAdmin):
    """Units: searchable by name, slug looked up by name."""

    list_display = ["name", "slug", "model_identifier", "parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(WorkActivity)
class WorkActivityAdmin(SimpleHistoryAdmin):
    """Work activities, filtered by kind, unit, type and size."""

    list_display = ["name", "kind", "unit", "activity_type", "size", "phase", "active"]
    list_filter = ["kind", "unit", "activity_type", "size", "phase", "active"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["manager"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    """People, linked to their sign-in."""

    list_display = ["display_name", "job_title", "unit", "user"]
    list_filter = ["unit"]
    search_fields = ["display_name", "email", "user__username"]
    raw_id_fields = ["user"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SimpleHistoryAdmin):
    """Role assignments and their scope."""

    list_display = ["person", "role", "unit", "work_activity"]
    list_filter = ["role"]
    search_fields = ["person__display_name"]
    autocomplete_fields = ["person", "unit", "work_activity"]
