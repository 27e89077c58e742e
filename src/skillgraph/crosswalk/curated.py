"""The curated O*NET element -> ESCO skill mapping set, which the crosswalk reads instead of computing matches.

Lexical element matches were wrong about a third of the time ("Reading Comprehension" ~ "product
comprehension") and passed O*NET Level ratings to the wrong skills, so the O*NET 30.1 Skills, Knowledge,
Abilities and Work Styles elements were mapped once, by meaning, to ESCO v1.1.1 concepts (data/README.md has
the rule and who judged). This module reads that SSSOM/TSV set (data/onet_element_esco_skill.sssom.tsv, shipped
in the package) and says how sure each SKOS predicate is and which predicates carry an O*NET Level to a skill.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import SKOS

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.ontology import PREFIXES, SEMAPV

from .evaluate import expand, read_header
from .sssom import read_sssom

CURATED = Path(__file__).parent / "data" / "onet_element_esco_skill.sssom.tsv"
MAPPING_SET_ID = "https://w3id.org/skillgraph/mappings/onet_element_esco_skill"
AUTHOR = "Claude (AI model), SkillGraph elem helper"
COLUMNS = ("subject_id", "subject_label", "subject_category", "predicate_id", "object_id", "object_label",
           "object_category", "mapping_justification", "author_label", "comment")
CURIE_MAP = {
    "onet": iri.scheme("onet").base,
    "escoskill": str(iri.esco.publisher("skill/")),
    "skos": PREFIXES["skos"],
    "semapv": PREFIXES["semapv"],
    "sssom": "https://w3id.org/sssom/",
}
NO_TERM = "sssom:NoTermFound"  # SSSOM's object for "no concept of the object source matches"
NO_TERM_IRI = URIRef(CURIE_MAP["sssom"] + "NoTermFound")
#: The SKOS predicates, strongest first (the order rows are written in), as CURIEs.
PREDICATES = ("skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch")
#: An alignment's confidence from its predicate: how far the ESCO concept can stand in for the element.
#: exact = the same competence; close = interchangeable for most uses; broad/narrow = one contains the other,
#: so half of what either says may not hold of the other; related = associated, not substitutable.
CONFIDENCE = {SKOS.exactMatch: 0.95, SKOS.closeMatch: 0.85, SKOS.broadMatch: 0.6, SKOS.narrowMatch: 0.6,
              SKOS.relatedMatch: 0.4}
#: Only a skill that is the element (exact) or interchangeable with it (close) takes over the element's
#: O*NET Level rating: a broader or narrower concept, or a related one, may be needed at another level.
LEVEL_PREDICATES = frozenset({SKOS.exactMatch, SKOS.closeMatch})
METHOD = "element-skill match v3 (curated SSSOM set, manual curation by meaning; confidence from the SKOS predicate)"


@dataclass(frozen=True)
class Match:
    """One curated correspondence: an O*NET element, a SKOS mapping predicate and an ESCO concept."""

    element: URIRef
    predicate: URIRef
    skill: URIRef
    line: int


@dataclass(frozen=True)
class CuratedSet:
    """The set as read: its matches, and the elements reviewed with no ESCO concept found."""

    matches: tuple[Match, ...]
    no_match: frozenset[URIRef]

    @property
    def elements(self) -> frozenset[URIRef]:
        """Every element the set reviewed."""
        return frozenset(m.element for m in self.matches) | self.no_match


def read(path: str | Path = CURATED) -> CuratedSet:
    """Read and check a curated set; a bad row raises SourceError naming the file, line and column."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(path, "no such file (the curated O*NET element -> ESCO skill set)")
    curies, _ = read_header(path)
    _, rows = read_sssom(path)
    first = sum(1 for line in path.open(encoding="utf-8") if line.startswith("#")) + 2
    allowed = {expand(p, curies, path, 0, "predicate_id") for p in PREDICATES}
    matches: list[Match] = []
    no_match: set[URIRef] = set()
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows, start=first):
        def get(col: str, row: dict[str, str] = row, line: int = line) -> str:
            return expand(row[col], curies, path, line, col)

        if get("mapping_justification") != str(SEMAPV.ManualMappingCuration):
            raise SourceError(path, "a curated mapping's justification is semapv:ManualMappingCuration",
                              line=line, column="mapping_justification")
        el, pred, obj = get("subject_id"), get("predicate_id"), get("object_id")
        if not iri.onet.is_element(el):
            raise SourceError(path, f"{el} is not an O*NET element IRI", line=line, column="subject_id")
        if pred not in allowed:
            raise SourceError(path, f"{pred} is not a SKOS mapping predicate", line=line, column="predicate_id")
        if obj != str(NO_TERM_IRI) and not iri.esco.is_skill(obj):
            raise SourceError(path, f"{obj} is not an ESCO skill/knowledge IRI", line=line, column="object_id")
        if (el, obj) in seen:
            raise SourceError(path, f"{row['subject_id']} -> {row['object_id']} again (first on line "
                              f"{seen[(el, obj)]})", line=line, column="object_id")
        seen[(el, obj)] = line
        if obj == str(NO_TERM_IRI):
            no_match.add(URIRef(el))
        else:
            matches.append(Match(URIRef(el), URIRef(pred), URIRef(obj), line))
    both = no_match & {m.element for m in matches}
    if both:
        raise SourceError(path, f"{len(both)} element(s) both matched and sssom:NoTermFound, e.g. {min(both)}")
    return CuratedSet(tuple(matches), frozenset(no_match))


@lru_cache(maxsize=1)
def default() -> CuratedSet:
    """The set shipped in the package, read once per process."""
    return read(CURATED)
