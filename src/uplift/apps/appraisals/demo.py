"""The demo appraisals of Harbourline Systems (shared/demo.md, step 1 of the story).

Two appraisals, built as exchange-format documents here and stored through
``services.appraisal_import`` (so the demo passes every rule a file must pass):

- **Managed Services SCAMPI B 2025** (April 2025): CMMI-SVC, staged, target maturity
  level 3, five service teams as basic units, the process group and the service
  management office as support functions. It finds real weaknesses in incident
  resolution and prevention (IRP), capacity and availability management (CAM) and
  work planning (WP): those three process areas are unsatisfied, so maturity level 3
  is not reached, and since WP is a maturity level 2 area of CMMI-SVC, maturity level
  2 is not reached either (the rating shows no maturity level).
- **Product Engineering SCAMPI A 2026** (October 2026): CMMI-DEV, staged, target
  maturity level 2, five projects as basic units, the quality assurance group and the
  project management office as support functions. Requirements management (REQM) and
  measurement and analysis (MA) are unsatisfied, every other area satisfied, so
  maturity level 2 is not reached.

Both are rated, with evidence (intranet links, affirmations by role group), team
judgments with their rationales and findings. The cells that are not part of the
story are drawn from ``random.Random(DEMO_SEED + n)``: FI mostly, LI now and then,
never PI or NI, so only the story's weaknesses decide a rating. Loading needs the
model library (``uplift setup``) and the demo organization
(``organization.demo.demo_load``); loading twice changes nothing.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from uplift.apps.appraisals import services
from uplift.apps.appraisals.models import Appraisal, AppraisalUnit
from uplift.apps.appraisals.services.plan import appraisal_unit_update
from uplift.apps.library.selectors import model_rating_index, model_resolve
from uplift.apps.organization.selectors import unit_list, work_activity_list
from uplift.domain.appraisal_format import FORMAT_MARKER, ModelStructure

__all__ = [
    "DEMO_APPRAISALS",
    "DEMO_SEED",
    "DemoAppraisal",
    "appraisal_demo_document",
    "appraisal_demo_load",
]

DEMO_SEED = 2025
INTRANET = "https://intranet.harbourline.example"
LEAD, MEMBER = "appraiser", "process.group"  # demo users (organization.demo.DEMO_USERS)

MINOR_WEAKNESSES = (
    "Done, but the records are incomplete for part of the period",
    "Followed in practice; the written procedure is out of date",
    "Reviewed less often than the plan says",
    "Depends on one experienced person",
    "Evidence covers only the last two months",
)
STRENGTHS = (
    "Consistently applied and well recorded",
    "Supported by the team's tooling",
    "Reviewed by the team every month",
)


@dataclass(frozen=True)
class Fixed:
    """A cell row the story decides: one value per unit of its area, and why."""

    values: str  # e.g. "PI NI PI NI PI", in the order of the area's units
    weakness: str = ""


@dataclass(frozen=True)
class DemoAppraisal:
    """One appraisal of the story, before the model fills in its practices."""

    name: str
    slug: str
    appraisal_class: str
    model: str
    target: int
    organizational_unit: str  # slug of the demo organization's unit
    organizational_unit_name: str
    start_date: str
    end_date: str
    basic_units: tuple[tuple[str, str], ...]  # (unit name, work activity slug)
    support_functions: tuple[str, ...]
    area_units: Mapping[str, tuple[str, ...]]  # areas characterized at other units
    not_applicable: tuple[str, ...]
    fixed: Mapping[str, Fixed]
    practice_judgments: Mapping[str, tuple[str, str]]
    goal_judgments: Mapping[str, tuple[str, str]]
    artifacts: tuple[dict[str, Any], ...]
    affirmations: tuple[dict[str, Any], ...]
    findings: tuple[dict[str, Any], ...]
    notes: str = ""
    team: tuple[tuple[str, str], ...] = ((LEAD, "lead_appraiser"), (MEMBER, "team_member"))
    expected_unsatisfied: frozenset[str] = field(default_factory=frozenset)

    @property
    def unit_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.basic_units)

    def units_of(self, area: str) -> tuple[str, ...]:
        return self.area_units.get(area, self.unit_names)


def _artifact(
    name: str, path: str, date: str, description: str, practices: str, units: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "name": name,
        "link": f"{INTRANET}/{path}",
        "date": date,
        "description": description,
        "supports": {"practices": practices.split(", "), "units": list(units)},
    }


def _affirmation(
    kind: str,
    date: str,
    session: str,
    role_group: str,
    summary: str,
    practices: str,
    units: tuple[str, ...],
) -> dict[str, Any]:
    return {
        "kind": kind,
        "date": date,
        "session": session,
        "role_group": role_group,
        "summary": summary,
        "supports": {"practices": practices.split(", "), "units": list(units)},
    }


def _finding(kind: str, goal: str, text: str, practices: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "process_area": goal.split(" ", 1)[0],
        "goal": goal,
        "text": text,
        "practices": practices.split(", "),
    }


# -- Managed Services SCAMPI B 2025 (CMMI-SVC, ML 3) ------------------------------------------

SD_TEAM, HOSTING, NETWORK, IDENTITY, BUSINESS_APPS = (
    "Service Desk Team",
    "Hosting Team",
    "Network Team",
    "Identity Team",
    "Business Applications Team",
)
SVC_UNITS = (SD_TEAM, HOSTING, NETWORK, IDENTITY, BUSINESS_APPS)
PROCESS_GROUP, SMO = "Process Group", "Service Management Office"

MANAGED_SERVICES_B = DemoAppraisal(
    name="Managed Services SCAMPI B 2025",
    slug="managed-services-scampi-b-2025",
    appraisal_class="B",
    model="CMMI-SVC",
    target=3,
    organizational_unit="managed-services",
    organizational_unit_name="Managed Services",
    start_date="2025-04-07",
    end_date="2025-04-11",
    basic_units=(
        (SD_TEAM, "service-desk-team"),
        (HOSTING, "hosting-team"),
        (NETWORK, "network-team"),
        (IDENTITY, "identity-team"),
        (BUSINESS_APPS, "business-applications-team"),
    ),
    support_functions=(PROCESS_GROUP, SMO),
    area_units={
        "OPF": (PROCESS_GROUP,),
        "OPD": (PROCESS_GROUP,),
        "OT": (PROCESS_GROUP,),
        "STSM": (SMO,),
        "SAM": (SMO,),
    },
    not_applicable=("SSD",),
    fixed={
        "IRP SP 2.2": Fixed(
            "LI PI PI FI PI",
            "Incident data are not analysed beyond the ticket: no impact or trend analysis",
        ),
        "IRP SP 2.4": Fixed("LI LI LI LI LI", "Stale incidents are not escalated consistently"),
        "IRP SP 3.1": Fixed("PI NI PI NI PI", "Major incidents are not analysed after closure"),
        "IRP SP 3.2": Fixed(
            "PI PI NI PI NI", "No workarounds or known-error records for recurring incidents"
        ),
        "IRP SP 3.3": Fixed("NI NI NI NI NI", "No solutions to reduce incident occurrence"),
        "IRP GP 2.8": Fixed(
            "LI LI LI LI LI", "Incident measures are collected but not reviewed by anyone"
        ),
        "CAM SP 1.1": Fixed("LI FI LI LI FI", "The strategy is a draft, not agreed"),
        "CAM SP 1.3": Fixed(
            "NI PI NI PI NI", "No representations (models) of capacity or availability"
        ),
        "CAM SP 2.1": Fixed(
            "PI PI PI NI PI", "Capacity is looked at only when an alert fires; no trends"
        ),
        "CAM SP 2.3": Fixed(
            "FI LI PI FI PI", "Capacity and availability reports missing for two teams"
        ),
        "WP SP 1.5": Fixed("PI PI NI PI PI", "Effort for recurring service work is not estimated"),
        "WP SP 2.1": Fixed(
            "LI PI PI LI PI", "Budgets and schedules cover changes, not the service work"
        ),
        "WP SP 2.4": Fixed("LI LI LI FI LI", "Resource plans are kept in personal spreadsheets"),
        "WP SP 3.2": Fixed(
            "PI PI PI PI NI", "Work and resource levels are not reconciled; peaks overcommit"
        ),
        "SD SP 3.2": Fixed("FI LI FI FI LI", "Operating procedures out of date for two services"),
    },
    practice_judgments={
        "IRP SP 2.2": (
            "PI",
            "Only the hosting team analyses incident data; at the service desk, network "
            "and business applications teams the analysis is missing, and those teams "
            "handle most incidents.",
        ),
        "CAM SP 2.3": (
            "LI",
            "Reports reach the service owners for three of five teams; the two gaps are "
            "small internal services and are being closed.",
        ),
        "WP SP 2.1": (
            "PI",
            "Three of five teams have no budget or schedule for their service work; the "
            "two that do plan only their changes.",
        ),
    },
    goal_judgments={
        "SD SG 3": (
            "satisfied",
            "The outdated operating procedures at two teams are documented and did not "
            "affect service delivery in the period sampled.",
        ),
    },
    artifacts=(
        _artifact(
            "Incident management procedure v3",
            "processes/incident-management-v3.pdf",
            "2024-11-12",
            "The standard incident process of Managed Services.",
            "IRP SP 1.1, IRP SP 1.2, IRP GP 2.2",
            SVC_UNITS,
        ),
        _artifact(
            "Service desk incident log Q1 2025",
            "service-desk/incident-log-2025-q1",
            "2025-03-31",
            "Every incident of the quarter with category, priority and resolution.",
            "IRP SP 2.1, IRP SP 2.3, IRP SP 2.4, IRP SP 2.5",
            (SD_TEAM,),
        ),
        _artifact(
            "Hosting incident tickets, March 2025",
            "hosting/incidents-2025-03",
            "2025-03-31",
            "Tickets with the hosting team's impact analyses.",
            "IRP SP 2.1, IRP SP 2.2, IRP SP 2.3",
            (HOSTING,),
        ),
        _artifact(
            "Major incident review template",
            "processes/major-incident-review-template.docx",
            "2024-06-03",
            "Template for post-incident reviews; no completed review was found.",
            "IRP SP 3.1",
            SVC_UNITS,
        ),
        _artifact(
            "Capacity and availability strategy (draft)",
            "service-management/capacity-availability-strategy-draft.pdf",
            "2025-01-20",
            "Draft strategy, not yet agreed with the service owners.",
            "CAM SP 1.1, CAM SP 1.2",
            SVC_UNITS,
        ),
        _artifact(
            "Capacity report, March 2025",
            "hosting/capacity-report-2025-03",
            "2025-03-31",
            "Storage and compute use for the hosting and network services.",
            "CAM SP 2.1, CAM SP 2.3",
            (HOSTING, NETWORK),
        ),
        _artifact(
            "Availability dashboard",
            "monitoring/availability-dashboard",
            "2025-04-01",
            "Availability per service, from the monitoring tool.",
            "CAM SP 2.2",
            (HOSTING, NETWORK, IDENTITY),
        ),
        _artifact(
            "Service team work plans 2025",
            "planning/service-team-work-plans-2025.xlsx",
            "2025-01-15",
            "Each team's plan for the year: changes and projects, not the recurring work.",
            "WP SP 1.2, WP SP 2.7, WP SP 3.3",
            SVC_UNITS,
        ),
        _artifact(
            "Service level agreements register",
            "service-management/sla-register",
            "2025-02-28",
            "Agreements with customers, reviewed yearly.",
            "SD SP 1.1, SD SP 1.2",
            SVC_UNITS,
        ),
        _artifact(
            "Request fulfilment records Q1 2025",
            "service-desk/requests-2025-q1",
            "2025-03-31",
            "Service requests received and fulfilled.",
            "SD SP 3.1",
            (SD_TEAM, IDENTITY),
        ),
        _artifact(
            "Configuration management database extract",
            "cmdb/extract-2025-03",
            "2025-03-28",
            "Configuration items, baselines and their change history.",
            "CM SP 1.1, CM SP 1.2, CM SP 3.1",
            SVC_UNITS,
        ),
        _artifact(
            "Risk register, Managed Services",
            "service-management/risk-register",
            "2025-03-10",
            "Risks of the services with owners and mitigation.",
            "RSKM SP 2.1, RSKM SP 3.1",
            SVC_UNITS,
        ),
        _artifact(
            "Continuity test report, hosting, February 2025",
            "hosting/continuity-test-2025-02.pdf",
            "2025-02-21",
            "Fail-over test of the data centre services and its lessons.",
            "SCON SP 3.2, SCON SP 3.3",
            (HOSTING,),
        ),
        _artifact(
            "Standard service catalogue 2025",
            "service-management/standard-services-2025",
            "2025-01-06",
            "Standard services with their service levels.",
            "STSM SP 2.1, STSM SP 2.2",
            (SMO,),
        ),
        _artifact(
            "Supplier agreement, Carrick Data Services",
            "sourcing/agreements/carrick-data-services.pdf",
            "2024-09-01",
            "Data centre outsourcing agreement and its monthly reviews.",
            "SAM SP 1.3, SAM SP 2.1",
            (SMO,),
        ),
        _artifact(
            "Process asset library",
            "processes/library",
            "2025-03-01",
            "Standard processes, tailoring guidelines and templates.",
            "OPD SP 1.1, OPD SP 1.3, OPD SP 1.5, OPF SP 3.1",
            (PROCESS_GROUP,),
        ),
        _artifact(
            "Training records 2024-2025",
            "training/records-2024-2025",
            "2025-03-31",
            "Courses delivered and who attended, by role.",
            "OT SP 2.1, OT SP 2.2",
            (PROCESS_GROUP,),
        ),
    ),
    affirmations=(
        _affirmation(
            "questionnaire",
            "2025-04-02",
            "Pre-appraisal questionnaire",
            "service engineers",
            "Incidents are recorded in one tool; changes follow the change process.",
            "IRP SP 2.1, IRP SP 2.3, CM SP 2.1",
            SVC_UNITS,
        ),
        _affirmation(
            "interview",
            "2025-04-08",
            "Interview 1",
            "service desk leads",
            "Incidents are logged and resolved quickly; nobody looks at trends or repeats.",
            "IRP SP 2.1, IRP SP 2.2, IRP SP 2.4, IRP SP 2.5, SD SP 3.1",
            (SD_TEAM,),
        ),
        _affirmation(
            "interview",
            "2025-04-08",
            "Interview 2",
            "service team managers",
            "Plans cover projects and changes; recurring work and peaks are not planned.",
            "WP SP 1.5, WP SP 2.1, WP SP 3.2, CAM SP 1.1",
            SVC_UNITS,
        ),
        _affirmation(
            "interview",
            "2025-04-09",
            "Interview 3",
            "hosting and network engineers",
            "Capacity is watched through alerts; there is no model of demand.",
            "CAM SP 1.3, CAM SP 2.1, CAM SP 2.2, IRP SP 3.1",
            (HOSTING, NETWORK),
        ),
        _affirmation(
            "interview",
            "2025-04-09",
            "Interview 4",
            "identity and business application engineers",
            "Operating procedures are partly out of date; incidents are closed without review.",
            "IRP SP 2.2, SD SP 3.2",
            (IDENTITY, BUSINESS_APPS),
        ),
        _affirmation(
            "interview",
            "2025-04-10",
            "Interview 5",
            "process group",
            "Process needs come from appraisals and reviews; the library is maintained.",
            "OPF SP 1.1, OPF SP 2.1, OPD SP 1.1, OT SP 1.1",
            (PROCESS_GROUP,),
        ),
        _affirmation(
            "interview",
            "2025-04-10",
            "Interview 6",
            "service owners",
            "Standard services and service levels are agreed every year.",
            "STSM SP 1.1, STSM SP 1.2",
            (SMO,),
        ),
    ),
    findings=(
        _finding(
            "strength",
            "IRP SG 2",
            "Every incident is recorded in one tool with its category and priority, and "
            "resolved within the agreed times at the service desk.",
            "IRP SP 2.1, IRP SP 2.3",
        ),
        _finding(
            "weakness",
            "IRP SG 2",
            "Individual incident data are not analysed: impact and trends stay unknown at "
            "four of five teams.",
            "IRP SP 2.2, IRP SP 2.4",
        ),
        _finding(
            "weakness",
            "IRP SG 3",
            "Selected incidents are not analysed for their causes, and no workarounds or "
            "preventive solutions come out of them.",
            "IRP SP 3.1, IRP SP 3.2, IRP SP 3.3",
        ),
        _finding(
            "weakness",
            "CAM SG 1",
            "There is no agreed capacity and availability strategy and no representation "
            "of the service system to forecast demand.",
            "CAM SP 1.1, CAM SP 1.3",
        ),
        _finding(
            "weakness",
            "CAM SG 2",
            "Capacity is monitored reactively, through alerts; reports are missing for two teams.",
            "CAM SP 2.1, CAM SP 2.3",
        ),
        _finding(
            "weakness",
            "WP SG 1",
            "The effort of recurring service work is not estimated.",
            "WP SP 1.5",
        ),
        _finding(
            "weakness",
            "WP SG 2",
            "Budgets and schedules cover changes and projects only; resources are planned "
            "in personal spreadsheets.",
            "WP SP 2.1, WP SP 2.4",
        ),
        _finding(
            "weakness",
            "WP SG 3",
            "Work and resource levels are not reconciled, so teams overcommit in peak months.",
            "WP SP 3.2",
        ),
        _finding(
            "strength",
            "SD SG 1",
            "Service agreements are complete and reviewed with every customer each year.",
            "SD SP 1.1, SD SP 1.2",
        ),
        _finding(
            "weakness",
            "SD SG 3",
            "Operating procedures are out of date for two services (judged not significant "
            "for the goal).",
            "SD SP 3.2",
        ),
        _finding(
            "strength",
            "CM SG 1",
            "The configuration management database holds every service component with its "
            "baselines.",
            "CM SP 1.1, CM SP 1.2",
        ),
        _finding(
            "strength",
            "SCON SG 3",
            "Continuity plans are tested every year and the lessons are acted on.",
            "SCON SP 3.2, SCON SP 3.3",
        ),
        _finding(
            "strength",
            "OT SG 2",
            "Training is delivered as planned and the records are complete.",
            "OT SP 2.1, OT SP 2.2",
        ),
    ),
    notes="SCAMPI B of Managed Services. IRP, CAM and WP are unsatisfied: maturity level 3 "
    "is not reached, and since WP is a maturity level 2 process area of CMMI-SVC, neither "
    "is maturity level 2. SSD is not applicable: the unit builds no new service systems.",
    expected_unsatisfied=frozenset({"IRP", "CAM", "WP"}),
)


# -- Product Engineering SCAMPI A 2026 (CMMI-DEV, ML 2) ---------------------------------------

TIDEWATER, QUAYSIDE, ERP, CRM, CRANE = (
    "Tidewater Billing Portal",
    "Quayside Mobile App",
    "Harbour ERP Rollout",
    "Customer CRM Integration",
    "Crane Controller",
)
DEV_UNITS = (TIDEWATER, QUAYSIDE, ERP, CRM, CRANE)
QA_GROUP, PMO = "Quality Assurance Group", "Project Management Office"

PRODUCT_ENGINEERING_A = DemoAppraisal(
    name="Product Engineering SCAMPI A 2026",
    slug="product-engineering-scampi-a-2026",
    appraisal_class="A",
    model="CMMI-DEV",
    target=2,
    organizational_unit="product-engineering",
    organizational_unit_name="Product Engineering",
    start_date="2026-10-05",
    end_date="2026-10-16",
    basic_units=(
        (TIDEWATER, "tidewater-billing-portal"),
        (QUAYSIDE, "quayside-mobile-app"),
        (ERP, "harbour-erp-rollout"),
        (CRM, "customer-crm-integration"),
        (CRANE, "crane-controller"),
    ),
    support_functions=(QA_GROUP, PMO),
    area_units={
        "PPQA": (*DEV_UNITS, QA_GROUP),
        "MA": (*DEV_UNITS, PMO),
        "SAM": (ERP, CRM, CRANE),
    },
    not_applicable=(),
    fixed={
        "REQM SP 1.3": Fixed(
            "LI PI FI PI LI", "Requirement changes are recorded without an impact analysis"
        ),
        "REQM SP 1.4": Fixed(
            "PI NI PI PI NI", "No bidirectional traceability from requirements to tests"
        ),
        "REQM SP 1.5": Fixed("LI LI FI LI LI", "Inconsistencies are found late, in testing"),
        "MA SP 1.2": Fixed("FI LI LI FI LI FI", "Some measures lack an operational definition"),
        "MA SP 1.4": Fixed(
            "PI PI NI PI PI PI", "Analysis procedures are not specified for any measure"
        ),
        "MA SP 2.2": Fixed("LI PI PI FI PI LI", "Measurement data are collected but not analysed"),
        "MA SP 2.4": Fixed("LI LI LI LI LI FI", "Results reach the managers weeks late"),
        "PP SP 2.2": Fixed("FI LI FI LI FI", "Risk lists are not updated after the kick-off"),
    },
    practice_judgments={
        "REQM SP 1.3": (
            "PI",
            "Two of five projects change requirements without any impact analysis, and "
            "the two with LI analyse only the schedule impact.",
        ),
        "MA SP 2.2": (
            "PI",
            "Only the billing portal analyses its data; elsewhere the data are charted "
            "but not interpreted, and no decision refers to them.",
        ),
    },
    goal_judgments={
        "PP SG 2": (
            "satisfied",
            "Every project identifies its risks at the start; the missing updates in two "
            "projects are covered by the monitoring in PMC.",
        ),
    },
    artifacts=(
        _artifact(
            "Requirements specification, Tidewater Billing Portal",
            "engineering/tidewater/requirements-specification",
            "2026-03-02",
            "Baselined requirements with their sources and acceptance criteria.",
            "REQM SP 1.1, REQM SP 1.2",
            (TIDEWATER,),
        ),
        _artifact(
            "Requirements change log, Quayside Mobile App",
            "engineering/quayside/requirements-changes",
            "2026-09-18",
            "Change requests to the requirements, without impact analyses.",
            "REQM SP 1.3",
            (QUAYSIDE,),
        ),
        _artifact(
            "Traceability matrix template",
            "processes/traceability-matrix-template.xlsx",
            "2025-11-10",
            "Template from the process library; no project keeps a filled-in matrix.",
            "REQM SP 1.4",
            DEV_UNITS,
        ),
        _artifact(
            "Estimation workbook",
            "processes/estimation-workbook.xlsx",
            "2026-01-12",
            "Size and effort estimates from historical data, one sheet per project.",
            "PP SP 1.1, PP SP 1.2, PP SP 1.4",
            DEV_UNITS,
        ),
        _artifact(
            "Project plans 2026",
            "engineering/project-plans-2026",
            "2026-02-01",
            "The approved plan of every project with its commitments.",
            "PP SP 2.7, PP SP 3.3",
            DEV_UNITS,
        ),
        _artifact(
            "Project risk registers",
            "engineering/risk-registers",
            "2026-09-30",
            "Risks per project; two registers were last updated at kick-off.",
            "PP SP 2.2, PMC SP 1.3",
            DEV_UNITS,
        ),
        _artifact(
            "Progress review minutes Q3 2026",
            "engineering/progress-reviews-2026-q3",
            "2026-09-30",
            "Monthly progress and milestone reviews with their actions.",
            "PMC SP 1.6, PMC SP 1.7, PMC SP 2.1",
            DEV_UNITS,
        ),
        _artifact(
            "Configuration management plans",
            "engineering/cm-plans",
            "2026-01-20",
            "Configuration items, baselines and the change process of each project.",
            "CM SP 1.1, CM SP 1.2, CM SP 1.3",
            DEV_UNITS,
        ),
        _artifact(
            "Measurement plan, Product Engineering",
            "engineering/measurement-plan-2026.pdf",
            "2026-01-05",
            "Objectives and measures; analysis procedures are left open.",
            "MA SP 1.1, MA SP 1.2, MA SP 1.3",
            (*DEV_UNITS, PMO),
        ),
        _artifact(
            "Metrics dashboard exports",
            "engineering/metrics-dashboard",
            "2026-09-30",
            "Charts of cycle time and defects; no interpretation attached.",
            "MA SP 2.1, MA SP 2.3",
            (TIDEWATER, QUAYSIDE, PMO),
        ),
        _artifact(
            "Quality assurance audit reports 2026",
            "quality/audit-reports-2026",
            "2026-09-15",
            "Process and work product audits with noncompliance follow-up.",
            "PPQA SP 1.1, PPQA SP 1.2, PPQA SP 2.1, PPQA SP 2.2",
            (*DEV_UNITS, QA_GROUP),
        ),
        _artifact(
            "Supplier agreement, Harbour ERP licence and services",
            "sourcing/agreements/harbour-erp.pdf",
            "2025-12-01",
            "Licence and implementation services with acceptance criteria.",
            "SAM SP 1.3, SAM SP 2.1",
            (ERP,),
        ),
        _artifact(
            "Component acceptance records, crane controller",
            "engineering/crane-controller/acceptance-records",
            "2026-08-20",
            "Acceptance tests of the bought-in drive units.",
            "SAM SP 2.2, SAM SP 2.3",
            (CRANE,),
        ),
    ),
    affirmations=(
        _affirmation(
            "questionnaire",
            "2026-09-28",
            "Pre-appraisal questionnaire",
            "engineers",
            "Configuration management and requirements baselines are in place.",
            "CM SP 1.1, REQM SP 1.1",
            DEV_UNITS,
        ),
        _affirmation(
            "interview",
            "2026-10-06",
            "Interview 1",
            "project managers",
            "Plans and reviews work well; requirement changes are accepted without analysis.",
            "PP SP 1.4, PP SP 2.2, PMC SP 1.6, REQM SP 1.3",
            DEV_UNITS,
        ),
        _affirmation(
            "interview",
            "2026-10-06",
            "Interview 2",
            "requirements analysts",
            "Requirements are understood and agreed; nobody traces them to tests.",
            "REQM SP 1.1, REQM SP 1.3, REQM SP 1.4",
            (TIDEWATER, QUAYSIDE, CRM),
        ),
        _affirmation(
            "interview",
            "2026-10-07",
            "Interview 3",
            "developers and testers",
            "Tests are written from the user stories; coverage of requirements is unknown.",
            "REQM SP 1.4, CM SP 2.2, MA SP 2.1",
            DEV_UNITS,
        ),
        _affirmation(
            "interview",
            "2026-10-07",
            "Interview 4",
            "quality assurance group",
            "Every project is audited each quarter and noncompliances are followed up.",
            "PPQA SP 1.1, PPQA SP 2.1",
            (QA_GROUP,),
        ),
        _affirmation(
            "interview",
            "2026-10-08",
            "Interview 5",
            "project management office",
            "Data are collected and charted; how to analyse them was never agreed.",
            "MA SP 1.1, MA SP 1.4, MA SP 2.2, MA SP 2.4",
            (PMO,),
        ),
    ),
    findings=(
        _finding(
            "weakness",
            "REQM SG 1",
            "Requirements are not traced to design and tests in any project, so the impact "
            "of a change and the coverage of the tests are unknown.",
            "REQM SP 1.4",
        ),
        _finding(
            "weakness",
            "REQM SG 1",
            "Requirement changes are accepted without an impact analysis in two of five projects.",
            "REQM SP 1.3",
        ),
        _finding(
            "weakness",
            "MA SG 1",
            "Analysis procedures are not specified: the measures have no agreed use.",
            "MA SP 1.2, MA SP 1.4",
        ),
        _finding(
            "weakness",
            "MA SG 2",
            "Measurement data are collected but analysed only by one project; results "
            "reach the managers late.",
            "MA SP 2.2, MA SP 2.4",
        ),
        _finding(
            "strength",
            "PP SG 1",
            "Estimates are based on historical data from the estimation workbook.",
            "PP SP 1.1, PP SP 1.4",
        ),
        _finding(
            "weakness",
            "PP SG 2",
            "Risk lists of two projects are not updated after the kick-off (judged not "
            "significant for the goal).",
            "PP SP 2.2",
        ),
        _finding(
            "strength",
            "CM SG 2",
            "Every change to a baseline is requested, reviewed and tracked in one tool.",
            "CM SP 2.1, CM SP 2.2",
        ),
        _finding(
            "strength",
            "PPQA SG 1",
            "The quality assurance group evaluates the processes and work products of "
            "every project each quarter.",
            "PPQA SP 1.1, PPQA SP 1.2",
        ),
        _finding(
            "strength",
            "SAM SG 2",
            "Bought-in components are accepted against agreed acceptance criteria.",
            "SAM SP 2.2, SAM SP 2.3",
        ),
    ),
    notes="SCAMPI A of Product Engineering. REQM and MA are unsatisfied, so maturity level "
    "2 is not reached; every other process area of the scope is satisfied.",
    expected_unsatisfied=frozenset({"REQM", "MA"}),
)

DEMO_APPRAISALS: tuple[DemoAppraisal, ...] = (MANAGED_SERVICES_B, PRODUCT_ENGINEERING_A)


# -- building the documents -----------------------------------------------------------------


def _cell(value: str, weakness: str) -> Any:
    if value == "FI" or not weakness:
        return value
    return {"value": value, "weaknesses": [weakness]}


def _random_cell(rng: random.Random) -> Any:
    draw = rng.random()
    if draw < 0.15:
        return {"value": "LI", "weaknesses": [rng.choice(MINOR_WEAKNESSES)]}
    if draw < 0.2:
        return {"value": "FI", "strengths": [rng.choice(STRENGTHS)]}
    return "FI"


def _characterizations(
    spec: DemoAppraisal, structure: ModelStructure, rng: random.Random
) -> dict[str, dict[str, Any]]:
    """Every practice of the staged scope at the units of its area; the story's cells fixed."""
    cells: dict[str, dict[str, Any]] = {}
    for area in structure.areas:
        level = area.maturity_level
        if not level or not 2 <= level <= spec.target or area.abbreviation in spec.not_applicable:
            continue
        units = spec.units_of(area.abbreviation)
        # GG 3 is rated from maturity level 3 on; an ML 2 appraisal characterizes GG 2 only.
        highest = 3 if spec.target >= 3 else 2
        goals = [
            goal
            for goal in (*area.specific_goals, *area.generic_goals)
            if goal.generic_level is None or goal.generic_level <= highest
        ]
        for goal in goals:
            for ref in goal.practices:
                fixed = spec.fixed.get(ref)
                if fixed is None:
                    cells[ref] = {unit: _random_cell(rng) for unit in units}
                    continue
                values = fixed.values.split()
                if len(values) != len(units):
                    raise ValueError(f"{ref}: {len(values)} values for {len(units)} units")
                cells[ref] = {
                    unit: _cell(value, fixed.weakness)
                    for unit, value in zip(units, values, strict=True)
                }
    return cells


def appraisal_demo_document(spec: DemoAppraisal, structure: ModelStructure) -> dict[str, Any]:
    """The exchange-format document of one demo appraisal; the same on every call."""
    rng = random.Random(DEMO_SEED + DEMO_APPRAISALS.index(spec))  # noqa: S311  (demo data)
    return {
        "uplift": FORMAT_MARKER,
        "model": f"{structure.identifier}@{structure.version}",
        "name": spec.name,
        "class": spec.appraisal_class,
        "organizational_unit": spec.organizational_unit_name,
        "status": "rated",
        "start_date": spec.start_date,
        "end_date": spec.end_date,
        "representation": "staged",
        "target_maturity_level": spec.target,
        **({"not_applicable": list(spec.not_applicable)} if spec.not_applicable else {}),
        "basic_units": list(spec.unit_names),
        "support_functions": list(spec.support_functions),
        "characterizations": _characterizations(spec, structure, rng),
        "judgments": {
            "practices": {
                ref: {"value": value, "rationale": why}
                for ref, (value, why) in spec.practice_judgments.items()
            },
            "goals": {
                ref: {"value": value, "rationale": why}
                for ref, (value, why) in spec.goal_judgments.items()
            },
        },
        "team": [{"username": username, "role": role} for username, role in spec.team],
        "evidence": {"artifacts": list(spec.artifacts), "affirmations": list(spec.affirmations)},
        "findings": list(spec.findings),
        "notes": spec.notes,
    }


@transaction.atomic
def _load(spec: DemoAppraisal, organizational_unit: Any, lead: Any) -> Appraisal:
    """Import one demo appraisal and link its basic units to the organization's work."""
    model = model_resolve(spec.model)
    document = appraisal_demo_document(spec, model_rating_index(model).structure)
    appraisal = services.appraisal_import(
        data=json.dumps(document).encode(),
        filename=f"{spec.slug}.json",
        organizational_unit=organizational_unit,
        user=lead,
    )
    slugs = dict(spec.basic_units)
    activities = {a.slug: a for a in work_activity_list().filter(slug__in=slugs.values())}
    for unit in AppraisalUnit.objects.filter(appraisal=appraisal, name__in=slugs):
        activity = activities.get(slugs[unit.name])
        if activity is not None:
            appraisal_unit_update(unit=unit, user=lead, work_activity=activity)
    return appraisal


def appraisal_demo_load() -> Iterator[str]:
    """Load the demo appraisals that are not there yet; running it twice changes nothing.

    Needs the model library and the demo organization (its units and sign-ins); says so
    and skips an appraisal when they are missing. Yields one line per appraisal.
    """
    users = get_user_model().objects.filter(username__in=[LEAD, MEMBER])
    people = {user.get_username(): user for user in users}
    for spec in DEMO_APPRAISALS:
        if Appraisal.objects.filter(name=spec.name).exists():
            yield f"Demo appraisal {spec.name!r} is already loaded."
            continue
        unit = unit_list().filter(slug=spec.organizational_unit).first()
        if unit is None or set(people) != {LEAD, MEMBER}:
            yield f"Skipped demo appraisal {spec.name!r}: load the demo organization first."
            continue
        try:
            appraisal = _load(spec, unit, people[LEAD])
        except ObjectDoesNotExist:
            yield (
                f"Skipped demo appraisal {spec.name!r}: {spec.model} is not in the model "
                "library; run 'uplift setup'."
            )
            continue
        level = appraisal.rating.maturity_level
        yield (
            f"Demo appraisal {spec.name!r} ({appraisal.model.reference}, target ML "
            f"{spec.target}): rated, maturity level {level if level else 'not reached'}."
        )
