"""The Job Zone prior of an answer's level: which shared proficiency level a task's skills are needed at,
by the O*NET Job Zone of the task's occupation, fitted on the gold set's hand-levelled TUNE pairs.

Why a table: the prior sets the level of most answers (those without an anchored levelled statement or a
rated O*NET element), and the only thing it knows is the Job Zone: five cells, each the level the judges
gave most often to the relevant pairs of tasks in that zone (ties: the lower level, so that no answer is
said to need more than the judges saw). It lives in `level_prior.json` beside this module, written by
`scripts/fit_levels.py` with the counts it rests on; the held-out levels measure it (`skillgraph eval`).
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

PRIOR_FILE = "level_prior.json"
FORMAT = 1
LEVELS = ("Foundational", "Intermediate", "Advanced", "Expert")  # the shared scale, by rank 1..4
JOB_ZONES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class LevelPrior:
    """Job Zone -> level rank (1..4), and the name the build reports."""

    name: str
    rank_by_zone: dict[int, int]

    def rank(self, zone: int) -> int:
        """The rank (1 Foundational .. 4 Expert) of the level the prior gives Job Zone `zone`."""
        return self.rank_by_zone[zone]


def fit(pairs: Iterable[tuple[int, str]], name: str, gold_sha256: str) -> dict:
    """The prior's JSON document from (Job Zone, judged level name) pairs: each zone's most frequent level
    (ties: the lower), with the counts; a zone without pairs takes the level of the nearest zone below
    (else above) that has some."""
    counts: dict[int, Counter[str]] = {z: Counter() for z in JOB_ZONES}
    for zone, level in pairs:
        if zone not in counts or level not in LEVELS:
            raise ValueError(f"job zone {zone!r} / level {level!r}: zones are {JOB_ZONES}, levels {LEVELS}")
        counts[zone][level] += 1
    chosen: dict[int, str] = {}
    for z in JOB_ZONES:
        c = counts[z]
        if c:
            chosen[z] = max(LEVELS, key=lambda lv: (c[lv], -LEVELS.index(lv)))
    if not chosen:
        raise ValueError("no levelled pairs to fit the Job Zone prior on")
    for z in JOB_ZONES:
        if z not in chosen:
            near = sorted(chosen, key=lambda k: (abs(k - z), k > z))
            chosen[z] = chosen[near[0]]
    return {"format": FORMAT, "name": name, "gold_sha256": gold_sha256,
            "level_by_job_zone": {str(z): chosen[z] for z in JOB_ZONES},
            "tune_counts": {str(z): {lv: counts[z][lv] for lv in LEVELS} for z in JOB_ZONES},
            "tune_pairs": sum(sum(c.values()) for c in counts.values())}


def from_document(doc: dict) -> LevelPrior:
    """The prior a level_prior.json document describes; another format -> ValueError."""
    if doc.get("format") != FORMAT:
        raise ValueError(f"{PRIOR_FILE}: format {doc.get('format')!r}, this code reads {FORMAT}")
    table = doc["level_by_job_zone"]
    return LevelPrior(doc["name"], {int(z): LEVELS.index(table[str(z)]) + 1 for z in JOB_ZONES})


def load() -> LevelPrior:
    """The prior shipped with the package."""
    text = resources.files("skillgraph.crosswalk").joinpath(PRIOR_FILE).read_text(encoding="utf-8")
    return from_document(json.loads(text))
