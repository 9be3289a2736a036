"""Choices of the organization context."""

from __future__ import annotations

from django.db import models

__all__ = ["AssetKind", "LifeCyclePhase", "Size", "WorkActivityKind", "WorkActivityType"]


class WorkActivityKind(models.TextChoices):
    """What sort of work a work activity is."""

    PROJECT = "project", "Project"
    SERVICE = "service", "Service"
    WORK_GROUP = "work_group", "Work group"
    ACQUISITION = "acquisition", "Acquisition project"


class WorkActivityType(models.TextChoices):
    """The kind of product or service delivered; used to choose deployment targets."""

    SOFTWARE_ONLY = "software_only", "Software-only"
    COTS_INTEGRATION = "cots_integration", "COTS integration"
    EMBEDDED_HARDWARE = "embedded_hardware", "Embedded/hardware"
    SERVICE_DELIVERY = "service_delivery", "Service delivery"
    OTHER = "other", "Other"


class Size(models.TextChoices):
    """Relative size of a work activity."""

    SMALL = "small", "Small"
    MEDIUM = "medium", "Medium"
    LARGE = "large", "Large"


class LifeCyclePhase(models.TextChoices):
    """Where a work activity is in its life cycle."""

    INITIATION = "initiation", "Initiation"
    PLANNING = "planning", "Planning"
    EXECUTION = "execution", "Execution"
    TRANSITION = "transition", "Transition"
    OPERATION = "operation", "Operation"
    CLOSED = "closed", "Closed"


class AssetKind(models.TextChoices):
    """What a process asset is (OPD's organizational process assets, OT's training)."""

    PROCESS_DESCRIPTION = "process_description", "Process description"
    PROCEDURE = "procedure", "Procedure"
    TEMPLATE = "template", "Template"
    CHECKLIST = "checklist", "Checklist"
    TRAINING_MATERIAL = "training_material", "Training material"
    COMMUNICATION_PACKAGE = "communication_package", "Communication package"
    OTHER = "other", "Other"
