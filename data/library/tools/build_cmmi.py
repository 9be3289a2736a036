"""Build the shipped CMMI v1.3 library files from the shared structure reference.

One-off generator: it reads ``../shared/domain/cmmi-v1.3-structure.yaml`` (names only)
and writes ``data/library/cmmi-{dev,acq,svc}-1.3.yaml`` in the ``uplift: model/1`` format.
All descriptive texts below (purposes, level descriptions, practice summaries and the
enriched OPM/OPF practices) are Uplift's own paraphrase. The outputs are committed; this
script is not run at runtime or in tests.

Usage: python data/library/tools/build_cmmi.py [path/to/cmmi-v1.3-structure.yaml]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

LIBRARY_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = LIBRARY_DIR.parents[1]
DEFAULT_STRUCTURE = REPO_DIR.parent / "shared" / "domain" / "cmmi-v1.3-structure.yaml"

CONSTELLATIONS = {
    "CMMI-DEV": {
        "file": "cmmi-dev-1.3.yaml",
        "name": "CMMI for Development",
        "report": "CMMI for Development, Version 1.3 (CMU/SEI-2010-TR-033)",
        "url": "http://cmmis.free.fr/cmmi-dev/",
        "description": (
            "Best-practice model for organizations that develop products and services, "
            "in its November 2010 release. Process area, goal and practice titles follow the "
            "model; every descriptive text in this file is written by Uplift."
        ),
    },
    "CMMI-ACQ": {
        "file": "cmmi-acq-1.3.yaml",
        "name": "CMMI for Acquisition",
        "report": "CMMI for Acquisition, Version 1.3 (CMU/SEI-2010-TR-032)",
        "url": "http://cmmis.free.fr/cmmi-acq/",
        "description": (
            "Best-practice model for organizations that acquire products and services from "
            "suppliers, in its November 2010 release. Process area, goal and practice titles "
            "follow the model; every descriptive text in this file is written by Uplift."
        ),
    },
    "CMMI-SVC": {
        "file": "cmmi-svc-1.3.yaml",
        "name": "CMMI for Services",
        "report": "CMMI for Services, Version 1.3 (CMU/SEI-2010-TR-034)",
        "url": "http://cmmis.free.fr/cmmi-svc/",
        "description": (
            "Best-practice model for organizations that establish, manage and deliver "
            "services, in its November 2010 release. Process area, goal and practice titles "
            "follow the model; every descriptive text in this file is written by Uplift."
        ),
    },
}

CATEGORY_DESCRIPTIONS = {
    "Process Management": "Defining, deploying, measuring and improving the organization's "
    "processes.",
    "Project Management": "Planning, running and controlling projects.",
    "Project and Work Management": "Planning, running and controlling service work.",
    "Engineering": "Building and checking products across the development lifecycle.",
    "Acquisition Engineering": "Technical work of the acquirer: requirements, supplier "
    "solutions, verification and validation.",
    "Service Establishment and Delivery": "Setting up, delivering, changing and retiring services.",
    "Support": "Activities that serve the other process areas, such as measurement and "
    "configuration control.",
}

MATURITY_LEVELS = [
    (1, "Initial", "Work gets done, but in an ad hoc way that depends on individual effort."),
    (
        2,
        "Managed",
        "Work is planned, resourced, monitored and controlled in each project or work group.",
    ),
    (3, "Defined", "Work follows processes tailored from the organization's standard set."),
    (
        4,
        "Quantitatively Managed",
        "Quality and process performance are steered against numeric objectives.",
    ),
    (
        5,
        "Optimizing",
        "Processes keep improving, guided by a quantitative view of business objectives "
        "and performance.",
    ),
]

CAPABILITY_DESCRIPTIONS = {
    0: "The process is missing or only partly carried out; some specific goal is unmet.",
    1: "The process does the work needed to meet its specific goals.",
    2: "The performed process is also planned, resourced, monitored and reviewed (GG 2).",
    3: "The managed process is tailored from the organization's standard processes and "
    "feeds experience back to them (GG 3).",
}

GP_SUMMARIES = {
    "GP 1.1": "Do the work the process area's specific practices describe, producing its "
    "work products.",
    "GP 2.1": "Have an organizational policy that sets expectations for how the process is "
    "planned and performed.",
    "GP 2.2": "Have a current plan that says how the process will be performed.",
    "GP 2.3": "Make sure the people, funding and tools the process needs are available.",
    "GP 2.4": "Name who is accountable for the process and give them the authority to act.",
    "GP 2.5": "Make sure those who run or support the process have the training they need.",
    "GP 2.6": "Keep chosen outputs of the process under a fitting level of control.",
    "GP 2.7": "Bring in the people affected by the process at the points the plan calls for.",
    "GP 2.8": "Compare how the process runs with its plan and correct course when needed.",
    "GP 2.9": "Have someone independent check the process and its outputs against their "
    "descriptions, and follow up on gaps.",
    "GP 2.10": "Keep senior management informed about the process and get their help on "
    "open issues.",
    "GP 3.1": "Run the process from a description tailored from the organization's standard "
    "processes.",
    "GP 3.2": "Feed lessons, measures and work products from the process back into the "
    "organization's process assets.",
}

# One sentence per process area, in our own words. Keyed by abbreviation; a
# (constellation, abbreviation) key overrides the shared wording.
PURPOSES: dict[str | tuple[str, str], str] = {
    "CAR": "Find the causes of selected outcomes and act on them so that good results recur "
    "and poor ones do not.",
    "CM": "Know exactly which versions of work products exist and keep them intact, with "
    "changes controlled, recorded and audited.",
    "DAR": "Make important decisions through a structured comparison of alternatives against "
    "agreed criteria.",
    "IPM": "Run the project from a process tailored from the organization's standard set and "
    "coordinate it with the stakeholders it depends on.",
    "MA": "Decide what to measure, collect and analyze the data, and give managers the "
    "answers they need.",
    "OPD": "Give the organization a library of standard processes and related assets that "
    "projects can draw on and tailor.",
    "OPF": "Find out where the organization's processes are strong or weak, and plan and "
    "deploy improvements accordingly.",
    "OPM": "Pick and roll out the improvements that do most to move the organization toward "
    "its business objectives.",
    "OPP": "Set quantitative baselines, models and objectives for how the organization's "
    "processes perform.",
    "OT": "Give staff the training that lets them do their jobs effectively, and keep that "
    "training capability up to date.",
    "PI": "Put the components together in a planned order, check that the whole works as "
    "intended and hand it over.",
    "PMC": "Keep an up-to-date view of how the project is doing against its plan and step in "
    "when it strays too far.",
    "PP": "Work out what the project will do, when, with which resources and commitments, and "
    "keep that plan current.",
    "PPQA": "Check independently whether processes and work products follow their "
    "descriptions and standards, and report what is found.",
    "QPM": "Use statistical and other numeric techniques to steer the project toward its "
    "quality and performance targets.",
    "RD": "Find out what customers need and turn it into well-analyzed requirements for the "
    "product and its parts.",
    "REQM": "Keep a controlled, traceable set of requirements and spot where plans or work "
    "products drift from it.",
    "RSKM": "Look ahead for what could go wrong, and prepare and use responses that protect "
    "the objectives.",
    "SAM": "Get products and services from suppliers under agreements that are set up, "
    "followed and closed out properly.",
    "TS": "Choose among possible solutions, then design and build the one that best meets the "
    "requirements.",
    "VAL": "Confirm under realistic conditions that the product actually serves the purpose it "
    "was built for.",
    "VER": "Check, through reviews and tests, that chosen work products do what their "
    "requirements say.",
    # CMMI-ACQ only
    "AM": "Follow up the supplier agreement so that both sides keep their commitments.",
    "ARD": "Turn stakeholder needs into customer and contractual requirements that are "
    "analyzed and ready for the solicitation.",
    "ATM": "Review the supplier's technical work and solution and keep the key interfaces of "
    "that solution under control.",
    "AVAL": "Confirm under realistic conditions that the acquired product or service actually "
    "serves the purpose it was bought for.",
    "AVER": "Check, through reviews and other methods, that the acquirer's chosen work "
    "products do what their requirements say.",
    "SSAD": "Invite offers, choose the supplier or suppliers and put a sound agreement with "
    "them in place.",
    # CMMI-SVC only
    "CAM": "Plan and watch the resources services need so that they perform and stay "
    "available as agreed, at a justifiable cost.",
    "IRP": "Restore service quickly when incidents happen and remove their causes where that "
    "pays off.",
    "IWM": "Run the work from a process tailored from the organization's standard set and "
    "coordinate it with the stakeholders involved.",
    "QWM": "Use statistical and other numeric techniques to steer the work toward its quality "
    "and performance targets.",
    "SCON": "Be ready to keep essential services going, or get them back, when a major "
    "disruption strikes.",
    "SD": "Run the delivery of services so that customers get what their service agreements "
    "promise.",
    "SSD": "Turn service requirements into working service systems that are designed, built, "
    "integrated and tested.",
    "SST": "Roll out new or much changed parts of a service system with as little disruption "
    "to running services as possible.",
    "STSM": "Decide which standard services the organization offers, based on its strategy and "
    "customers' needs, and keep them described.",
    "WMC": "Keep an up-to-date view of how the work is doing against its plan and step in when "
    "it strays too far.",
    "WP": "Work out what the work will involve, when, with which resources and commitments, "
    "and keep that plan current.",
}

OPM_SP_3_1: dict[str, Any] = {
    "summary": "Keep current plans for rolling out the improvements that were selected.",
    "description": (
        "Deployment plans can live in the organization's performance management plan, in "
        "the improvement proposals themselves or in separate documents. The practice builds "
        "on OPF's deployment of process assets and adds quantitative data, both to steer the "
        "roll-out and to judge what each improvement is worth."
    ),
    "example_work_products": ["Deployment plans for selected improvements"],
    "subpractices": [
        {
            "text": "Decide how each improvement has to be adapted before it is rolled out.",
            "notes": "An improvement found in a narrow setting, such as a single proposal, may "
            "need changes before it suits the part of the organization chosen for it.",
        },
        {
            "text": "Work out how to overcome the deployment barriers that the improvement "
            "proposals identified.",
        },
        {
            "text": "Choose the work activities in which the improvement will be deployed.",
            "notes": "Not every improvement suits every kind of work; one may fit only "
            "software projects, another COTS integration or service delivery work.",
        },
        {
            "text": "Set measures and objectives that show how far each improvement moves the "
            "organization toward its targets for quality and process performance.",
            "notes": "The measures can come from the quantitative success criteria in the "
            "improvement proposal or be derived from organizational objectives.",
            "examples": [
                "Measured improvement in the process performance of the work activity or "
                "organization",
                "Time to recover the cost of the improvement",
                "Number and types of work and organizational risks mitigated",
                "Average time to respond to changes in work requirements, market situations "
                "and the business environment",
            ],
        },
        {
            "text": "Write down the deployment plans for the selected improvements.",
            "notes": "A plan names the stakeholders involved, the risk strategies, the target "
            "work activities, the success measures and the schedule.",
        },
        {
            "text": "Go through the deployment plans with the relevant stakeholders and reach "
            "agreement on them.",
            "notes": "Typical stakeholders are the sponsor of the improvement, the target work "
            "groups and the support organizations.",
        },
        {"text": "Update the deployment plans when the need arises."},
    ],
    "references": ["OPF"],
}

OPM_SP_3_2: dict[str, Any] = {
    "summary": "Oversee the roll-out of the improvements that were selected.",
    "description": (
        "When causal analysis is done across projects or at organizational level, this "
        "practice can overlap with carrying out action proposals in CAR."
    ),
    "example_work_products": [
        "Updated training materials reflecting deployed improvements",
        "Documented results of improvement deployment activities",
        "Revised improvement measures, objectives, priorities and deployment plans",
    ],
    "subpractices": [
        {"text": "Track the roll-out of improvements against their deployment plans."},
        {
            "text": "Keep the roll-out of improvements aligned across the organization.",
            "notes": "Alignment covers the groups taking part in each improvement and the "
            "roll-out of improvements that depend on each other.",
            "examples": [
                "Coordinating project, support group and organizational group activities for "
                "each improvement",
                "Coordinating activities for deploying related improvements",
            ],
        },
        {
            "text": "Roll out improvements with discipline and under control, not ad hoc.",
            "notes": "Methods differ in how fast and how formally an improvement reaches the "
            "people who use it.",
            "examples": [
                "Incremental deployment instead of a single deployment",
                "Intensive consulting for early adopters instead of revised formal training",
            ],
        },
        {
            "text": "Fold improvements into the defined processes of projects and work groups "
            "where that fits.",
            "notes": "OPF covers deploying organizational process assets and taking in "
            "experiences.",
        },
        {"text": "Offer consulting where it helps the roll-out of improvements."},
        {
            "text": "Update training materials or prepare communication packages so that they "
            "reflect the improved organizational process assets.",
            "notes": "OT covers how training is provided.",
        },
        {"text": "Check that every improvement was deployed as its deployment plan intended."},
        {
            "text": "Record and review what the deployment achieved.",
            "notes": "The review captures what was learned and feeds back into the "
            "improvement's measures, objectives, priorities and plans.",
            "examples": [
                "Identifying and documenting lessons learned",
                "Revising improvement measures, objectives, priorities and deployment plans",
            ],
        },
    ],
    "references": ["CAR", "OPF", "OT"],
}

OPF_SP_2_1: dict[str, Any] = {
    "summary": "Keep current, detailed plans for the actions that will improve how the "
    "organization works and the assets that describe its processes.",
    "description": (
        "A process action plan spells out how particular improvements will be put in place. "
        "Such improvements usually answer weaknesses that appraisals revealed, so these plans "
        "are narrower than the organization's overall process improvement plan. Several roles "
        "take part: steering committees set strategy and oversee, process groups facilitate, "
        "process action teams define and carry out actions, process owners run the deployment "
        "and practitioners perform the process. Involving stakeholders builds buy-in and makes "
        "a successful deployment more likely."
    ),
    "example_work_products": ["Approved process action plans of the organization"],
    "subpractices": [
        {
            "text": "Work out the strategies, approaches and actions that will deliver the "
            "identified process improvements.",
            "notes": "Changes that are new, unproven or large are piloted before they become "
            "normal practice.",
        },
        {
            "text": "Set up process action teams to carry out the actions.",
            "notes": "Such teams usually include the process owners and the people who perform "
            "the process.",
        },
        {
            "text": "Write the process action plans.",
            "notes": "A plan usually addresses the topics listed here.",
            "examples": [
                "Process improvement infrastructure",
                "Process improvement objectives",
                "Process improvements to be addressed",
                "Procedures for planning and tracking process actions",
                "Strategies for piloting and implementing process actions",
                "Responsibility and authority for implementing process actions",
                "Resources, schedules and assignments for implementing process actions",
                "Methods for determining the effectiveness of process actions",
                "Risks associated with process action plans",
            ],
        },
        {
            "text": "Go through the process action plans with the relevant stakeholders and "
            "negotiate them."
        },
        {"text": "Update the process action plans when the need arises."},
    ],
    # Seed 002 has no "Refer to" line; OPM is where piloting (subpractice 1) is covered.
    "references": ["OPM"],
}

ENRICHED = {
    ("OPM", "SP 3.1"): OPM_SP_3_1,
    ("OPM", "SP 3.2"): OPM_SP_3_2,
    ("OPF", "SP 2.1"): OPF_SP_2_1,
}


def _purpose(constellation: str, abbr: str) -> str:
    return PURPOSES.get((constellation, abbr)) or PURPOSES[abbr]


def _practice(pa_abbr: str, practice: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": practice["id"], "title": practice["title"]}
    out.update(ENRICHED.get((pa_abbr, practice["id"]), {}))
    return out


def _process_area(constellation: str, pa: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "abbreviation": pa["abbr"],
        "name": pa["name"],
        "category": pa["category"],
        "maturity_level": pa["maturity_level"],
        "purpose": _purpose(constellation, pa["abbr"]),
    }
    if constellation == "CMMI-SVC" and pa["abbr"] == "SSD":
        out["optional"] = True
        out["notes"] = (
            "A CMMI-SVC addition: an organization may leave it out of its improvement and "
            "appraisal scope, for example when service systems are developed with CMMI-DEV."
        )
    out["goals"] = [
        {
            "id": goal["id"],
            "title": goal["title"],
            "practices": [_practice(pa["abbr"], p) for p in goal["practices"]],
        }
        for goal in pa["goals"]
    ]
    return out


def build(structure: dict[str, Any], constellation: str) -> dict[str, Any]:
    meta = CONSTELLATIONS[constellation]
    data = structure["constellations"][constellation]
    return {
        "uplift": "model/1",
        "id": constellation,
        "name": meta["name"],
        "version": "1.3",
        "description": meta["description"],
        "source": {
            "title": meta["report"],
            "url": meta["url"],
            "notes": (
                "Titles taken from the shared structure reference (cmmi-v1.3-structure.yaml). "
                "Purposes, level descriptions and practice texts are Uplift's paraphrase; "
                "OPM SP 3.1/3.2 and OPF SP 2.1 are enriched from seed documents 000-002."
            ),
        },
        "representations": ["staged", "continuous"],
        "categories": [
            {"name": name, "description": CATEGORY_DESCRIPTIONS[name]}
            for name in data["categories"]
        ],
        "maturity_levels": [
            {"level": level, "name": name, "description": text}
            for level, name, text in MATURITY_LEVELS
        ],
        "capability_levels": [
            {
                "level": level["level"],
                "name": level["name"],
                "description": CAPABILITY_DESCRIPTIONS[level["level"]],
            }
            for level in structure["capability_levels"]["v1_3"]
        ],
        "process_areas": [_process_area(constellation, pa) for pa in data["process_areas"]],
        "generic_goals": [
            {
                "id": goal["id"],
                "title": goal["title"],
                "capability_level": goal["capability_level"],
                "practices": [
                    {"id": p["id"], "title": p["title"], "summary": GP_SUMMARIES[p["id"]]}
                    for p in goal["practices"]
                ],
            }
            for goal in structure["generic_goals"]
        ],
    }


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_STRUCTURE
    structure = yaml.safe_load(source.read_text(encoding="utf-8"))
    for constellation, meta in CONSTELLATIONS.items():
        model = build(structure, constellation)
        target = LIBRARY_DIR / meta["file"]
        text = yaml.safe_dump(model, sort_keys=False, allow_unicode=True, width=100)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.name}: {len(model['process_areas'])} process areas")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
