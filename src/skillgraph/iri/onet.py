"""O*NET's IRIs (id/onet/<type>/<id>): the one place they are minted and recognised.

Other sources link to O*NET occupations and tasks (statements, AEI evidence, Nesta's crosswalk),
so they call these functions rather than spelling the scheme. The named minters are cached: the
full release mints the same occupation, task and element IRIs again and again.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from rdflib import URIRef

from .scheme import Scheme

SCHEME = Scheme("onet", (
    "occupation", "occupation-group", "task", "emerging-task", "element", "scale", "level-anchor", "rating",
    "dwa", "iwa", "commodity", "technology", "technology-use", "tool", "tool-use", "job-zone", "framework",
))
BASE = SCHEME.base

#: The O*NET database as its publisher identifies it on the web: the `onet` graph's dcterms:source, and
#: what a cited O*NET release is a version of (dcterms:isVersionOf), so the crosswalk selects citations
#: of O*NET by that stated link, never by a title.
DATABASE = URIRef("https://www.onetcenter.org/database.html")
#: The web sites of O*NET's publisher (the National Center for O*NET Development, for USDOL/ETA).
PUBLISHER_HOSTS = frozenset({"onetcenter.org", "onetonline.org"})

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


def is_publisher_url(url: str) -> bool:
    """Whether a URL is on one of O*NET's publisher sites (its parsed host, or a subdomain of one).

    How a cited source in a framework's citations.csv is recognised as an O*NET release: by its url
    cell, a structured field, never by its title or label.
    """
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:  # an unparsable URL (e.g. a bad port or IPv6 literal) is on no publisher site
        return False
    return any(host == h or host.endswith("." + h) for h in PUBLISHER_HOSTS)
