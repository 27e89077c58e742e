"""Pathsmith Durable Skills Framework -> the `pathsmith` graph.

Ten durable-skill domains, four proficiency/role levels, levelled statements per occupation with
their citations and the publisher's O*NET anchor set. No machine-readable release exists: the
statements are read from the documented table format of mappings/statements.py.
"""
from __future__ import annotations

from skillgraph.ontology import SG

from .rights import UNSTATED_LICENCE
from .statements import FrameworkSpec, StatementFrameworkMapping

LEVEL_RULE = (
    "The page does not label statements with a level: it lists each domain's statements in level order, "
    "equally many per level (Communication 12 = 3 per level; the other nine domains 8 = 2 per level). "
    "The level of the statement at position p of a domain with n statements is ceil(p / (n/4)). "
    "Pathsmith level k maps to the shared SkillGraph level k (1 Foundational .. 4 Expert)."
)


class PathsmithMapping(StatementFrameworkMapping):
    """Maps the Pathsmith Durable Skills Framework's levelled statements."""
    id = "pathsmith"
    title = "Pathsmith Durable Skills Framework"
    publisher = "America Succeeds + CompTIA (Pathsmith)"
    homepage = "https://skillscrosswalk.com/"
    license = UNSTATED_LICENCE
    credit_line = ("Pathsmith Durable Skills Framework — America Succeeds + CompTIA, as published for Customer "
                   "Service Representatives on the skillscrosswalk.com O*NET enrichment page (© 2026 EBSCOed), "
                   "citing O*NET v30.2 (CC BY 4.0).")
    modification_notice = ("Transcribed by SkillGraph from the published page into the documented statement table: "
                           "label and text split at the dash, citation chips turned into citation keys, levels "
                           "derived from position; wording unchanged.")
    embedded_release = "skillscrosswalk.com enrichment page for 43-4051.00 (seed 000, 2026)"
    spec = FrameworkSpec(
        source="pathsmith",
        scheme_id="durable-skills",
        title="Pathsmith Durable Skills Framework",
        description=(
            "Ten durable-skill domains mapped to four proficiency/role levels for each occupation; each "
            "statement aligned to the Pathsmith taxonomy and mapped to occupation-specific O*NET tasks and skills."
        ),
        statement_class=SG.DurableSkillStatement,
        level_label="Pathsmith level {n}",
        level_scheme_title="Pathsmith proficiency/role levels",
        level_rule=LEVEL_RULE,
        has_domains=True,
        domain_classes=(SG.Domain, SG.DurableSkill),
    )


MAPPING = PathsmithMapping()
