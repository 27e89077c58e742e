"""What the crosswalk reads from the source graphs, gathered once into plain Python structures.

The inputs are SELECT queries in `queries/*.rq` beside this module, one per kind of input, each with a
header saying what it feeds; `gather_from_store` runs them over a store holding each source graph in
its named graph (iri.graph(source id)) and the ontology in iri.graph("ontology") -- the build's staging
store, where they can be run and inspected like any query -- and fills `Inputs`. Facts are selected by
class (the ontology's subclass closure, read from the ontology graph: the crosswalk runs before
reasoning) and by the graph of the source that states them, so a full release and the embedded sample
are read the same way and a graph that is missing (a partial build) simply contributes nothing.
`gather(graphs)` loads rdflib graphs into an in-memory store and takes the same path.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from skillgraph import iri
from skillgraph.ontology import SG, load_ontology
from skillgraph.queries import CuratedQuery, load

QUERIES_DIR = Path(__file__).parent / "queries"
ONTOLOGY_GRAPH = "ontology"  # the ontology's named graph (iri.graph), as the build loads it


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
    skill_descriptions: dict[URIRef, str] = field(default_factory=dict)              # skill -> dcterms:description
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
    task_dwas: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)  # O*NET task -> its DWAs
    # ESCO skill -> its reuse level as ESCO publishes it (transversal, cross-sector, sector-specific, ...)
    skill_reuse: dict[URIRef, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        """Every field as plain JSON, sets sorted: to compare two gatherings or to read what the crosswalk read."""
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}

    def esco_skills_for_onet(self, occupation: URIRef) -> dict[URIRef, tuple[str, URIRef | None]]:
        """ESCO skills of the ESCO occupations crosswalked to an O*NET occupation; essential wins, and between
        equals the first ESCO occupation in IRI order (a set's order changes from one process to the next)."""
        out: dict[URIRef, tuple[str, URIRef | None]] = {}
        for eo in sorted(self.onet_to_esco.get(occupation, ()), key=str):
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



def _json(v: object) -> object:
    if is_dataclass(v) and not isinstance(v, type):
        return {f.name: _json(getattr(v, f.name)) for f in fields(v)}
    if isinstance(v, Mapping):
        return {" | ".join(map(str, k)) if isinstance(k, tuple) else str(k): _json(x) for k, x in v.items()}
    if isinstance(v, (set, frozenset)):
        return sorted((_json(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
    if isinstance(v, (list, tuple)):
        return [_json(x) for x in v]
    return str(v) if isinstance(v, URIRef) else v


@lru_cache(maxsize=1)
def input_queries() -> dict[str, CuratedQuery]:
    """The crosswalk's input queries by name (the .rq files beside this module), headers checked."""
    return {p.stem: load(p) for p in sorted(QUERIES_DIR.glob("*.rq"))}


Row = tuple  # one solution: IRIs as URIRef, literals as (lexical value, language or None), unbound as None


def _term(t: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> URIRef | tuple[str, str | None] | None:
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.Literal):
        return (t.value, t.language)
    return None


def select(store: ox.Store, name: str) -> Iterator[Row]:
    """The solutions of input query `name` over `store`, in the query's variable order."""
    queries = input_queries()
    if name not in queries:
        raise ValueError(f"no crosswalk input query {name!r}; the queries are {', '.join(queries)}")
    res = store.query(queries[name].text)
    assert isinstance(res, ox.QuerySolutions)
    cache: dict = {}  # IRIs and values repeat: convert each once
    for sol in res:
        row = []
        for t in sol:
            v = cache.get(t)
            if v is None and t is not None:
                v = cache[t] = _term(t)
            row.append(v)
        yield tuple(row)


class Texts:
    """Literal values per (subject, property), picked as the rdflib walker did: English or untagged first."""

    def __init__(self) -> None:
        self.values: dict[URIRef, dict[URIRef, set[tuple[str, str | None]]]] = defaultdict(lambda: defaultdict(set))

    def add(self, s: URIRef, p: URIRef, value: object) -> None:
        """Record one value of s p if it is a literal ((value, language) from `select`) of an IRI subject."""
        if isinstance(value, tuple) and isinstance(s, URIRef):
            self.values[s][p].add(value)

    def en(self, s: URIRef, p: URIRef) -> list[str]:
        """Values of s p: the English or untagged ones sorted, else the first other one."""
        vals = sorted(self.values.get(s, {}).get(p, ()), key=lambda v: (v[1] not in (None, "en"), v[0]))
        return [v for v, lang in vals if lang in (None, "en")] or [v for v, _ in vals[:1]]

    def first(self, s: URIRef, *props: URIRef) -> str:
        """The first value of the first property that has one."""
        for p in props:
            v = self.en(s, p)
            if v:
                return v[0]
        return ""


def _texts(rows: Iterator[Row]) -> Texts:
    out = Texts()
    for s, p, lit in rows:
        out.add(s, p, lit)
    return out


def store_of(graphs: Mapping[str, Graph]) -> ox.Store:
    """An in-memory store with each graph in its named graph and the ontology, as the build's staging store."""
    from skillgraph.reasoning import cached, rdflib_to_ox

    st = ox.Store()
    ox_term = cached(rdflib_to_ox)
    for key, g in [(ONTOLOGY_GRAPH, load_ontology()), *graphs.items()]:
        target = ox.NamedNode(str(iri.graph(key)))
        st.bulk_extend(ox.Quad(ox_term(s), ox_term(p), ox_term(o), target) for s, p, o in g)
    return st


def gather(graphs: Mapping[str, Graph]) -> Inputs:
    """The inputs of rdflib source graphs (source id -> graph): loaded into a store, then `gather_from_store`."""
    return gather_from_store(store_of(graphs))


def gather_from_store(store: ox.Store) -> Inputs:
    """Run every input query over a store holding the source graphs and the ontology, and fill Inputs."""
    inp = Inputs(levels=[Level(lv, int(r[0]), float(lo[0]), float(hi[0]))
                         for lv, r, lo, hi in select(store, "levels")])
    _tasks(inp, store)
    _skills(inp, store)
    _ratings(inp, store)
    _relations(inp, store)
    _occupations(inp, store)
    _statements(inp, store)
    for g, c, task in select(store, "anchor_sets"):
        inp.anchor_sets[_source(g)].setdefault(c, set()).add(task)
    for task, ev in select(store, "ai_usage"):
        if isinstance(task, URIRef) and isinstance(ev, URIRef):
            inp.ai_usage[task].add(ev)
    wef = _texts(select(store, "wef_entries"))
    for w in wef.values:
        label = wef.first(w, SKOS.prefLabel, RDFS.label)
        if label:
            inp.wef_entries[w] = (label, " ".join([label, *wef.en(w, SKOS.altLabel), *wef.en(w, SKOS.definition)]))
    return inp


def _source(graph: URIRef) -> str:
    """The source id of a source graph's IRI."""
    return str(graph).removeprefix(iri.GRAPH_BASE)


def _tasks(inp: Inputs, store: ox.Store) -> None:
    texts, occs = Texts(), defaultdict(set)
    for task, prop, text, occ in select(store, "tasks"):
        if prop is not None:
            texts.add(task, prop, text)
        elif isinstance(occ, URIRef):
            occs[task].add(occ)
    for task in texts.values:
        text = texts.first(task, SKOS.prefLabel, RDFS.label)
        if text:
            inp.tasks[task] = (text, occs.get(task, set()))
    dwas = defaultdict(set)
    for task, dwa in select(store, "task_dwas"):
        if isinstance(dwa, URIRef):
            dwas[task].add(dwa)
    inp.task_dwas = {t: frozenset(d) for t, d in dwas.items()}


def _skills(inp: Inputs, store: ox.Store) -> None:
    el = _texts(select(store, "onet_elements"))
    for e in el.values:
        label = el.first(e, SKOS.prefLabel, RDFS.label)
        if label:
            inp.onet_elements[e] = (label, " ".join(el.en(e, SKOS.definition) + el.en(e, DCTERMS.description)))
    sk = _texts(select(store, "esco_skills"))
    for s in sk.values:
        label = sk.first(s, SKOS.prefLabel, RDFS.label)
        if label:
            definition = " ".join(sk.en(s, SKOS.definition) + sk.en(s, DCTERMS.description))
            inp.esco_skills[s] = (label, " ".join([label, *sk.en(s, SKOS.altLabel), definition,
                                                   *sk.en(s, SKOS.scopeNote)]))
            description = " ".join(sk.en(s, DCTERMS.description))
            if description:
                inp.skill_descriptions[s] = description
    inp.transversal = {s for (s,) in select(store, "esco_transversal") if s in inp.esco_skills}
    reuse = ((s, iri.esco.reuse_level(level)) for s, level in select(store, "esco_skill_reuse"))
    inp.skill_reuse = {s: name for s, name in reuse if name}


def _ratings(inp: Inputs, store: ox.Store) -> None:
    for rating, occ, el, scale, (value, _) in select(store, "ratings"):
        try:
            inp.ratings[(occ, el, iri.onet.code(scale))] = (rating, float(value))
        except ValueError:
            continue
        inp.element_occupations[el].add(occ)


def _relations(inp: Inputs, store: ox.Store) -> None:
    """Reified relations (their node is the evidence) over ESCO's plain properties; essential wins."""
    for occ, skill, (kind, _), rel in select(store, "esco_skill_relations"):
        if not (isinstance(occ, URIRef) and isinstance(skill, URIRef)):
            continue
        cur = inp.esco_relations[occ].get(skill)
        if (cur is None or (rel is not None and cur[1] is None)
                or ((rel is None) == (cur[1] is None) and kind == "essential" and cur[0] != "essential")):
            inp.esco_relations[occ][skill] = (kind, rel)
    for onet, esco in select(store, "occupation_links"):
        inp.onet_to_esco[onet].add(esco)
    for occ, zone in select(store, "job_zones"):
        z = iri.onet.code(zone) if isinstance(zone, URIRef) and iri.onet.SCHEME.is_a("job-zone", zone) else ""
        if z.isdigit():
            inp.job_zone[occ] = int(z)


def _occupations(inp: Inputs, store: ox.Store) -> None:
    for query, target, props in (("onet_occupations", inp.onet_occupations, (SKOS.altLabel, SKOS.definition)),
                                 ("esco_occupations", inp.esco_occupations,
                                  (SKOS.altLabel, SKOS.definition, DCTERMS.description))):
        texts, codes = Texts(), {}
        for occ, (code, _), prop, text in select(store, query):
            codes[occ] = code
            if prop is not None:
                texts.add(occ, prop, text)
        for occ, code in codes.items():
            title = texts.first(occ, SKOS.prefLabel, RDFS.label)
            target[occ] = (title, " ".join([title, *(v for p in props for v in texts.en(occ, p))]), code)


def _statements(inp: Inputs, store: ox.Store) -> None:
    texts, graphs = Texts(), dict[URIRef, URIRef]()
    nodes: dict[URIRef, dict[URIRef, set[URIRef]]] = defaultdict(lambda: defaultdict(set))
    for g, s, prop, text, node in select(store, "statements"):
        graphs[s] = min(graphs.get(s, g), g, key=str)
        if text is not None:
            texts.add(s, prop, text)
        else:
            nodes[s][prop].add(node)
    cites = defaultdict(set)
    for s, (source, _) in select(store, "statement_citations"):
        cites[s].add(source)
    for s, g in graphs.items():
        label, text = texts.first(s, SKOS.prefLabel, RDFS.label), texts.first(s, SG.statementText, SKOS.definition)
        if not (label or text):
            continue
        levels = sorted(nodes[s][SG.proficiencyLevel], key=str)
        inp.statements[s] = Statement(s, _source(g), label, text, levels[0] if levels else None,
                                      set(nodes[s][SG.occupation]), "onet" in cites[s], "aei" in cites[s],
                                      set(nodes[s][SG.anchoredTo]))
