"""The model library's tables.

A *process model* (CMMI-DEV 1.3, MOF 4.0 Plan, an OSCAL catalog) is stored once per
version: ``ProcessModel`` rows are unique on (identifier, version), so importing a
newer version keeps the older one and appraisals stay pinned to the version they used.

Tree: ProcessModel → Category, Level, Variant, Outcome
      ProcessModel → ProcessArea → Goal (specific) → Practice → Practice (nested)
      ProcessModel → Goal (generic, process_area NULL) → Practice
      ProcessModel → Mapping → MappingEntry (source area → target areas in another model)

Imported rows are written only by ``services.library_import`` in one transaction;
the tables hold fields and constraints, no logic that queries.
"""

from .structure import (
    Category,
    Goal,
    Level,
    Mapping,
    MappingEntry,
    Outcome,
    Practice,
    ProcessArea,
    ProcessModel,
    Variant,
)

__all__ = [
    "Category",
    "Goal",
    "Level",
    "Mapping",
    "MappingEntry",
    "Outcome",
    "Practice",
    "ProcessArea",
    "ProcessModel",
    "Variant",
]
