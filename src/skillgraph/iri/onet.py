"""O*NET's IRIs (id/onet/<type>/<id>): the one place they are minted and recognised.

Other sources link to O*NET occupations and tasks (statements, AEI evidence, Nesta's crosswalk),
so they call these functions rather than spelling the scheme. The named minters are cached: the
full release mints the same occupation, task and element IRIs again and again.
"""
from __future__ import annotations

from rdflib import URIRef

from .scheme import Scheme

SCHEME = Scheme("onet", (
    "occupation", "occupation-group", "task", "emerging-task", "element", "scale", "level-anchor", "rating",
    "dwa", "iwa", "commodity", "technology", "technology-use", "tool", "tool-use", "job-zone", "framework",
))
BASE = SCHEME.base

occupation = SCHEME.minter("occupation", "an O*NET-SOC occupation (code NN-NNNN.NN)")
group = SCHEME.minter("occupation-group", "an occupation group (SOC major, minor or broad group)")
task = SCHEME.minter("task", "an O*NET task statement (its Task ID)")
element = SCHEME.minter("element", "a content-model element (skills, knowledge, abilities, ...)")
scale = SCHEME.minter("scale", "a rating scale")
dwa = SCHEME.minter("dwa", "a detailed work activity")
iwa = SCHEME.minter("iwa", "an intermediate work activity")
commodity = SCHEME.minter("commodity", "a UNSPSC commodity")
framework = SCHEME.minter("framework", "one of O*NET's concept schemes")
is_occupation = SCHEME.recogniser("occupation")
is_task = SCHEME.recogniser("task")
is_element = SCHEME.recogniser("element")
is_scale = SCHEME.recogniser("scale")


def mint(kind: str, ident: str) -> URIRef:
    """The IRI of an O*NET entity of any type in SCHEME.kinds (ratings, job zones, technologies ...).

    Not cached: most of these (ratings, technology uses) are minted once each, millions of them.
    """
    return SCHEME.mint(kind, ident)


def code(term: object) -> str:
    """The local identifier of an O*NET IRI (SOC code, Task ID, element id ...)."""
    return str(term).rsplit("/", 1)[1]
