"""AI-at-Work Competency Framework -> the `aiwork` graph: how a worker at each level uses, directs
and evaluates AI tools, each statement citing its evidence (AEI, SAFI, WEF).

Read from the documented statement table format of mappings/statements.py (no domains).
"""
from __future__ import annotations

from skillgraph.ontology import SG

from .rights import UNSTATED_LICENCE
from .statements import FrameworkSpec, StatementFrameworkMapping

LEVEL_RULE = (
    "The page does not label statements with a level: it lists the 12 statements in level order, 3 per level "
    "(the same rule as Pathsmith): statement p is at level ceil(p / 3). AI-at-Work level k maps to the shared "
    "SkillGraph level k (1 Foundational .. 4 Expert)."
)


class AIWorkMapping(StatementFrameworkMapping):
    """Maps the AI-at-Work competency framework's levelled statements per occupation."""
    id = "aiwork"
    title = "AI-at-Work Competency Framework"
    publisher = "SkillsCrosswalk.com (EBSCOed)"
    homepage = "https://skillscrosswalk.com/"
    license = UNSTATED_LICENCE
    credit_line = ("AI-at-Work Competency Framework for Customer Service Representatives, skillscrosswalk.com "
                   "O*NET enrichment page (© 2026 EBSCOed), citing the Anthropic Economic Index (release_2026_03_24), "
                   "the Skill Automation Feasibility Index (Jadhav & Danve, 2026) and the WEF Skills Taxonomy 2021.")
    modification_notice = ("Transcribed by SkillGraph from the published page into the documented statement table: "
                           "label and text split at the dash, citation chips turned into citation keys, levels "
                           "derived from position; wording unchanged.")
    embedded_release = "skillscrosswalk.com enrichment page for 43-4051.00 (seed 000, 2026)"
    spec = FrameworkSpec(
        source="aiwork",
        scheme_id="ai-at-work",
        title="AI-at-Work Competency Framework",
        description="How a worker at each mastery level uses, directs, and evaluates AI tools in an occupation.",
        statement_class=SG.AIPracticeStatement,
        level_label="AI-at-Work level {n}",
        level_scheme_title="AI-at-Work levels",
        level_rule=LEVEL_RULE,
    )


MAPPING = AIWorkMapping()
