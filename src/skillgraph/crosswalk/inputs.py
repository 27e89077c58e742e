"""What the crosswalk reads from the source graphs, gathered once into plain Python structures.

Reading is by the representation conventions of DEVELOPERS.md and the ontology, never by source
id alone, so that a full release and the embedded sample are read the same way and a graph that
is missing (a partial build) simply contributes nothing. Class membership uses the ontology's
subclass closure because the crosswalk runs before reasoning.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from skillgraph import iri
from skillgraph.ontology import ESCO, SG, load_ontology

OCC_MATCH = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch)
# The occupation -> skill relation properties ESCO publishes (esco:relatedEssentialSkill /
# relatedOptionalSkill and their inverses isEssentialSkillFor / isOptionalSkillFor); read all four,
# so whichever direction a build writes is found. Value: relation type, and whether the property
# points skill -> occupation.
SKILL_RELATION_PROPERTIES: dict[URIRef, tuple[str, bool]] = {
    ESCO.relatedEssentialSkill: ("essential", False),
    ESCO.relatedOptionalSkill: ("optional", False),
    ESCO.isEssentialSkillFor: ("essential", True),
    ESCO.isOptionalSkillFor: ("optional", True),
}


@dataclass(frozen=True)
class Level:
    """A proficiency level with the O*NET Level-scale band it corresponds to, for rating-based evidence."""
    iri: URIRef
    rank: int
    lv_min: float
    lv_max: float


@dataclass
class Statement:
    """A competency statement as the aligner needs it: texts, level, occupations and what it cites."""
    iri: URIRef
    graph: str
    label: str
    text: str
    level: URIRef | None
    occupations: set[URIRef] = field(default_factory=set)
    cites_onet: bool = False
    cites_aei: bool = False  # cites the Anthropic Economic Index, whose observations are keyed by O*NET tasks
    anchored: set[URIRef] = field(default_factory=set)  # anchors the source itself publishes


@dataclass
class Inputs:
    """Everything the alignment kinds need, keyed by IRI."""

    tasks: dict[URIRef, tuple[str, set[URIRef]]] = field(default_factory=dict)        # task -> (text, occupations)
    onet_elements: dict[URIRef, tuple[str, str]] = field(default_factory=dict)       # element -> (label, definition)
    ratings: dict[tuple[URIRef, URIRef, str], tuple[URIRef, float]] = field(default_factory=dict)  # (occ, el, IM|LV)
    element_occupations: dict[URIRef, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    esco_skills: dict[URIRef, tuple[str, str]] = field(default_factory=dict)         # skill -> (label, full text)
    transversal: set[URIRef] = field(default_factory=set)
    # ESCO occupation -> skill -> (relation type, reified sg:SkillRelation or None)
    esco_relations: dict[URIRef, dict[URIRef, tuple[str, URIRef | None]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    onet_to_esco: dict[URIRef, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    statements: dict[URIRef, Statement] = field(default_factory=dict)
    anchor_sets: dict[str, dict[URIRef, set[URIRef]]] = field(
        default_factory=lambda: defaultdict(dict)
    )  # graph -> collection -> tasks
    wef_entries: dict[URIRef, tuple[str, str]] = field(default_factory=dict)
    ai_usage: dict[URIRef, set[URIRef]] = field(
        default_factory=lambda: defaultdict(set)
    )  # task -> AEI task-usage evidence
    levels: list[Level] = field(default_factory=list)
    job_zone: dict[URIRef, int] = field(default_factory=dict)                        # O*NET occupation -> 1..5
    # occupation texts for the occupation matching: IRI -> (title, text with alternate titles and description, code)
    onet_occupations: dict[URIRef, tuple[str, str, str]] = field(default_factory=dict)   # code: O*NET-SOC
    esco_occupations: dict[URIRef, tuple[str, str, str]] = field(default_factory=dict)   # code: ISCO-08 unit group
    # (O*NET occupation, ESCO occupation) -> confidence of a link the crosswalk computed (absent: a published link)
    occupation_link_confidence: dict[tuple[URIRef, URIRef], float] = field(default_factory=dict)
    # O*NET task -> its Detailed Work Activities (Tasks to DWAs): tasks sharing one are evidence for each other
    task_dwas: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    # ESCO skill -> ESCO reuse level as ESCO publishes it (local name: "transversal", "cross-sector", ...)
    skill_reuse: dict[URIRef, str] = field(default_factory=dict)

    def esco_skills_for_onet(self, occupation: URIRef) -> dict[URIRef, tuple[str, URIRef | None]]:
        """ESCO skills of the ESCO occupations crosswalked to an O*NET occupation; essential wins."""
        out: dict[URIRef, tuple[str, URIRef | None]] = {}
        for eo in self.onet_to_esco.get(occupation, ()):
            for skill, rel in self.esco_relations.get(eo, {}).items():
                if skill not in out or (rel[0] == "essential" and out[skill][0] != "essential"):
                    out[skill] = rel
        return out

    def level_for_lv(self, value: float) -> URIRef | None:
        """The proficiency level whose band holds an O*NET Level rating, so ratings can support levelled alignments."""
        for lv in self.levels:
            if lv.lv_min <= value < lv.lv_max or (lv.rank == len(self.levels) and value == lv.lv_max):
                return lv.iri
        return None


@lru_cache(maxsize=1)
def _ontology_closure() -> tuple[frozenset, frozenset, frozenset, tuple[Level, ...]]:
    ont = load_ontology()

    def subclasses(c: URIRef) -> frozenset:
        return frozenset(ont.transitive_subjects(RDFS.subClassOf, c))

    levels = []
    for lv in ont.subjects(RDF.type, SG.ProficiencyLevel):
        rank, lo, hi = ont.value(lv, SG.rank), ont.value(lv, SG.onetLevelMin), ont.value(lv, SG.onetLevelMax)
        if rank is not None and lo is not None and hi is not None:
            levels.append(Level(lv, int(rank), float(lo), float(hi)))
    levels.sort(key=lambda x: x.rank)
    return (subclasses(SG.CompetencyStatement), subclasses(SG.Skill) | subclasses(SG.Knowledge),
            subclasses(SG.Competency), tuple(levels))


def _en(g: Graph, s: URIRef, p: URIRef) -> list[str]:
    """Values of s p, English or untagged first."""
    vals = [o for o in g.objects(s, p) if isinstance(o, Literal)]
    vals.sort(key=lambda o: (o.language not in (None, "en"), str(o)))
    return [str(o) for o in vals if o.language in (None, "en")] or [str(o) for o in vals[:1]]


def _first(g: Graph, s: URIRef, *preds: URIRef) -> str:
    for p in preds:
        v = _en(g, s, p)
        if v:
            return v[0]
    return ""


def _is_onet_source(g: Graph, cited: URIRef) -> bool:
    texts = [str(cited)] + [str(o) for p in (RDFS.label, SKOS.prefLabel, DCTERMS.title) for o in g.objects(cited, p)]
    return any("o*net" in t.lower() or "/onet" in t.lower() or "onet" == t.lower() for t in texts)


def _is_aei_source(g: Graph, cited: URIRef) -> bool:
    texts = [
        str(o) for p in (RDFS.label, SKOS.prefLabel, DCTERMS.title, DCTERMS.alternative) for o in g.objects(cited, p)
    ]
    return cited in iri.aei.SCHEME or any("anthropic economic index" in t.lower() for t in texts)


def gather(graphs: Mapping[str, Graph]) -> Inputs:
    """Read every source graph once into the plain structures the aligner works on."""
    stmt_classes, skill_classes, comp_classes, levels = _ontology_closure()
    inp = Inputs(levels=list(levels))
    for gid, g in graphs.items():
        _gather_graph(inp, gid, g, stmt_classes, skill_classes, comp_classes)
    return inp


def _typed(g: Graph, classes: Iterable[URIRef]) -> set[URIRef]:
    out: set[URIRef] = set()
    for c in classes:
        out.update(s for s in g.subjects(RDF.type, c) if isinstance(s, URIRef))
    return out


def _gather_graph(inp: Inputs, gid: str, g: Graph, stmt_classes, skill_classes, comp_classes) -> None:
    for t in _typed(g, [SG.Task]):
        text = _first(g, t, SKOS.prefLabel, RDFS.label)
        occs = {o for o in g.objects(t, SG.taskOf) if isinstance(o, URIRef)}
        occs |= {o for o in g.subjects(SG.hasTask, t) if isinstance(o, URIRef)}
        if text:
            old = inp.tasks.get(t)
            inp.tasks[t] = (text, occs | (old[1] if old else set()))
        dwas = frozenset(d for d in g.objects(t, SG.hasWorkActivity) if isinstance(d, URIRef))
        if dwas:
            inp.task_dwas[t] = inp.task_dwas.get(t, frozenset()) | dwas
    for s in _typed(g, skill_classes):
        label = _first(g, s, SKOS.prefLabel, RDFS.label)
        if not label:
            continue
        definition = " ".join(_en(g, s, SKOS.definition) + _en(g, s, DCTERMS.description))
        if iri.onet.is_element(s):
            inp.onet_elements[s] = (label, definition)
        elif iri.esco.is_skill(s):
            alts = _en(g, s, SKOS.altLabel)
            inp.esco_skills[s] = (label, " ".join([label, *alts, definition, *_en(g, s, SKOS.scopeNote)]))
            reuse = g.value(s, ESCO.skillReuseLevel)
            if isinstance(reuse, URIRef):
                inp.skill_reuse[s] = str(reuse).rstrip("/").rsplit("/", 1)[-1]
            if any("transversal" in str(o) for o in g.objects(s, None) if isinstance(o, URIRef)) or any(
                    "transversal" in str(c) for c in g.subjects(SKOS.member, s)):
                inp.transversal.add(s)
    for r in g.subjects(RDF.type, SG.Rating):
        occ, el, scale, val = (
            g.value(r, SG.occupation),
            g.value(r, SG.ratedElement),
            g.value(r, SG.scale),
            g.value(r, SG.value),
        )
        if None in (occ, el, scale, val) or not iri.onet.is_scale(scale):
            continue
        code = iri.onet.code(scale)
        if code in ("IM", "LV"):
            try:
                inp.ratings[(occ, el, code)] = (cast(URIRef, r), float(val))
            except ValueError:
                continue
            inp.element_occupations[el].add(occ)
    relations = set()
    for rel in g.subjects(RDF.type, SG.SkillRelation):
        occ, skill, kind = g.value(rel, SG.occupation), g.value(rel, SG.skill), g.value(rel, SG.relationType)
        if occ is not None and skill is not None and kind is not None:
            inp.esco_relations[cast(URIRef, occ)][cast(URIRef, skill)] = (str(kind).lower(), cast(URIRef, rel))
            relations.add((occ, skill))
    for p, (kind, inverse) in SKILL_RELATION_PROPERTIES.items():
        for a, b in g.subject_objects(p):
            occ, skill = cast(URIRef, b if inverse else a), cast(URIRef, a if inverse else b)
            cur = inp.esco_relations[occ].get(skill)
            if (occ, skill) not in relations and (cur is None or (kind == "essential" and cur[0] != "essential")):
                inp.esco_relations[occ][skill] = (kind, None)
    for occ, soc in g.subject_objects(SG.socCode):
        if isinstance(occ, URIRef) and iri.onet.is_occupation(occ):
            title = _first(g, occ, SKOS.prefLabel, RDFS.label)
            text = " ".join([title, *_en(g, occ, SKOS.altLabel), *_en(g, occ, SKOS.definition)])
            inp.onet_occupations[occ] = (title, text, str(soc))
    for occ, isco in g.subject_objects(SG.iscoCode):
        if isinstance(occ, URIRef) and iri.esco.is_occupation(occ):
            title = _first(g, occ, SKOS.prefLabel, RDFS.label)
            text = " ".join([title, *_en(g, occ, SKOS.altLabel), *_en(g, occ, SKOS.definition),
                             *_en(g, occ, DCTERMS.description)])
            inp.esco_occupations[occ] = (title, text, str(isco))
    for occ, jz in g.subject_objects(SG.jobZone):
        z = iri.onet.code(jz) if iri.onet.SCHEME.is_a("job-zone", jz) else ""
        if z.isdigit():
            inp.job_zone[cast(URIRef, occ)] = int(z)
    for p in OCC_MATCH:
        for a, b in g.subject_objects(p):
            a, b = cast(URIRef, a), cast(URIRef, b)
            sa, sb = str(a), str(b)
            if iri.esco.is_occupation(sa) and iri.onet.is_occupation(sb):
                inp.onet_to_esco[b].add(a)
            elif iri.esco.is_occupation(sb) and iri.onet.is_occupation(sa):
                inp.onet_to_esco[a].add(b)
    for s in _typed(g, stmt_classes):
        label = _first(g, s, SKOS.prefLabel, RDFS.label)
        text = _first(g, s, SG.statementText, SKOS.definition)
        if not (label or text):
            continue
        st = inp.statements.get(s) or Statement(s, gid, label, text, None)
        st.level = st.level or g.value(s, SG.proficiencyLevel)
        st.occupations |= {o for o in g.objects(s, SG.occupation) if isinstance(o, URIRef)}
        cited = [c for c in g.objects(s, SG.cites) if isinstance(c, URIRef)]
        st.cites_onet = st.cites_onet or any(_is_onet_source(g, c) for c in cited)
        st.cites_aei = st.cites_aei or any(_is_aei_source(g, c) for c in cited)
        st.anchored |= {t for t in g.objects(s, SG.anchoredTo) if isinstance(t, URIRef)}
        inp.statements[s] = st
    for ev in g.subjects(RDF.type, SG.AIUsageEvidence):
        for task in g.objects(ev, SG.aboutTask):
            if isinstance(task, URIRef) and isinstance(ev, URIRef):
                inp.ai_usage[task].add(ev)
    for c in g.subjects(RDF.type, SKOS.Collection):
        members = {m for m in g.objects(c, SKOS.member) if isinstance(m, URIRef) and iri.onet.is_task(m)}
        if members:
            inp.anchor_sets[gid][cast(URIRef, c)] = members
    if gid == "wef":
        for s in _typed(g, comp_classes | {SKOS.Concept}):
            types = set(g.objects(s, RDF.type))
            if types & (stmt_classes | {SG.ProficiencyLevel, SG.Domain, SG.Framework, SKOS.ConceptScheme}):
                continue  # WEF clusters are domains, not skills: only skill entries are aligned
            label = _first(g, s, SKOS.prefLabel, RDFS.label)
            if label:
                inp.wef_entries[s] = (label, " ".join([label, *_en(g, s, SKOS.altLabel), *_en(g, s, SKOS.definition)]))
