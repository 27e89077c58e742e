"""Mastery ladder -> the `ladder` graph: an occupation's statements in four tiers of ten.

Read from the documented statement table format of mappings/statements.py (no domains).
"""
from __future__ import annotations

from skillgraph.ontology import SG

from .rights import UNSTATED_LICENCE
from .statements import FrameworkSpec, StatementFrameworkMapping

LEVEL_RULE = (
    "The page lists the ladder's 40 statements in tier order, 10 per tier: statement p is in tier ceil(p / 10). "
    "Mastery-ladder tier k maps to the shared SkillGraph level k (1 Foundational .. 4 Expert)."
)


class LadderMapping(StatementFrameworkMapping):
    """Maps mastery ladders: per occupation, statements at four tiers."""
    id = "ladder"
    title = "Mastery ladder"
    publisher = "SkillsCrosswalk.com (EBSCOed)"
    homepage = "https://skillscrosswalk.com/"
    license = UNSTATED_LICENCE
    credit_line = ("Mastery ladder for Customer Service Representatives, skillscrosswalk.com O*NET enrichment page "
                   "(© 2026 EBSCOed).")
    modification_notice = ("Transcribed by SkillGraph from the published page into the documented statement table: "
                           "label and text split at the dash, tiers derived from position; wording unchanged.")
    embedded_release = "skillscrosswalk.com enrichment page for 43-4051.00 (seed 000, 2026)"
    spec = FrameworkSpec(
        source="ladder",
        scheme_id="mastery-ladder",
        title="Mastery ladder",
        description=(
            "An occupation's mastery ladder: what a worker does at each of four tiers, ten statements per tier."
        ),
        statement_class=SG.MasteryStatement,
        level_label="Mastery tier {n}",
        level_scheme_title="Mastery-ladder tiers",
        level_rule=LEVEL_RULE,
    )


MAPPING = LadderMapping()
