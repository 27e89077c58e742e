"""Entailments, in their own named graph.

Two reasoners, one registry:

* ``rules`` (default, scales to millions of triples): owlrl computes the OWL 2 RL closure of
  the ontology alone (the TBox: a few thousand triples, seconds); the instance entailments the
  queries need — types from subclasses and domains/ranges, sub-properties, inverse, symmetric
  and transitive properties (so the SKOS mapping hierarchy) — are then materialised into
  the Oxigraph store by the rules in ontology/rules/, to a fixpoint: in one pass over the data
  by skillgraph.closure (the rules there are those files, applied in Python with the schema in
  dictionaries), or, if ontology/rules/ holds a rule it does not know, by running the SPARQL
  CONSTRUCT files themselves semi-naively (`materialise`). Tests show both give the same triples.
* ``owlrl``: the full owlrl closure of ontology + data, for small graphs (owlrl needs ~80 s per
  100k instance triples). tests/test_reasoning.py shows both give the same instance triples
  on the embedded sample.

Either way the reasoner's noise (axiomatic triples about the W3C vocabularies, reflexive
sameAs/subClassOf, owl:Thing and rdfs:Resource types, literal subjects) is filtered out.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from skillgraph.ontology import load_ontology, rules_dir
from skillgraph.progress import track

from . import closure
from .registry import Registry

W3C_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
XSD_STRING = str(XSD.string)
NOISE_OBJECTS = {OWL.Thing, RDFS.Resource, OWL.Nothing}
TBOX_PREDICATES = {
    RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf, RDFS.domain, RDFS.range,
    OWL.equivalentClass, OWL.equivalentProperty,
}
PROPERTY_CHARACTERISTICS = {OWL.SymmetricProperty, OWL.TransitiveProperty}


@dataclass
class InferenceReport:
    """How much each rule inferred and how long it took, for the build report."""
    reasoner: str
    rounds: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    tbox_triples: int = 0
    seconds: float = 0.0
    seconds_by_rule: dict[str, float] = field(default_factory=dict)
    seconds_by_phase: dict[str, float] = field(default_factory=dict)  # the one-pass engine: read, derive, write

    @property
    def total(self) -> int:
        """The number of triples inferred by all rules together."""
        return sum(self.by_rule.values())


def is_noise(s, p, o) -> bool:
    """Triples a reasoner derives that say nothing about SkillGraph's data."""
    if isinstance(s, (Literal,)) or isinstance(s, BNode) and p == OWL.sameAs:
        return True
    if p == OWL.sameAs and s == o:
        return True
    if o in NOISE_OBJECTS:
        return True
    if s == o and p in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty):
        return True
    if isinstance(s, URIRef) and str(s).startswith(W3C_NAMESPACES):
        return True
    if p == RDF.type and o in (RDFS.Datatype, RDFS.Class, RDF.Property) :
        return True
    if isinstance(o, URIRef) and str(o).startswith(str(XSD)):
        return True
    if p in (OWL.differentFrom, OWL.disjointWith, OWL.propertyDisjointWith):
        return True
    return False


def tbox_closure(tbox: Graph | None = None) -> tuple[Graph, Graph]:
    """(TBox, its owlrl-entailed schema triples that the rules use) — computed on the ontology alone."""
    import owlrl

    tbox = tbox if tbox is not None else load_ontology()
    closed = Graph()
    for t in tbox:
        closed.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(closed)
    entailed = Graph()
    for s, p, o in closed:
        if (s, p, o) in tbox or is_noise(s, p, o) or isinstance(s, BNode) or isinstance(o, BNode):
            continue
        if p in TBOX_PREDICATES or (p == RDF.type and o in PROPERTY_CHARACTERISTICS):
            entailed.add((s, p, o))
    return tbox, entailed


@dataclass(frozen=True)
class Rule:
    """A SPARQL CONSTRUCT rule and the query naming the predicates whose new triples can fire it."""

    name: str
    text: str
    triggers: str | None  # a SELECT ?p query over the TBox; None: re-run every round


def load_rules(directory: Path | None = None) -> list[Rule]:
    """Read the entailment rules (.rq files with their triggers) so they can be run against the store."""
    d = directory or rules_dir()
    rules = []
    for f in sorted(d.glob("*.rq")):
        text = f.read_text(encoding="utf-8")
        trig = next(
            (line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("# triggers:")), None
        )
        rules.append(Rule(f.stem, text, trig))
    return rules


def _schema_store(schema: list[ox.Quad]) -> ox.Store:
    """An in-memory store holding only the schema, to which a round's delta is added."""
    scratch = ox.Store()
    scratch.extend(schema)
    return scratch


def _exists(store: ox.Store, s, p, o) -> bool:
    return next(iter(store.quads_for_pattern(s, p, o, None)), None) is not None


def materialise(store: ox.Store, target: ox.NamedNode, schema: list[ox.Quad], rules: list[Rule] | None = None,
                max_rounds: int = 100) -> InferenceReport:
    """Apply the SPARQL rules until nothing new appears, writing every new triple into `target`.

    Semi-naive evaluation. Round 1 runs every rule over the union of the store's named graphs.
    Later rounds run only the rules whose trigger predicates gained triples, and only over the
    previous round's new triples (the delta) plus the schema, in a small in-memory store: every
    rule body has a single data pattern, so that finds exactly the consequences involving new
    triples. Transitive chains, whose body joins two data patterns, are extended in both
    directions from each delta triple by lookups in the store. Candidates already in the store
    are dropped, so `target` receives each entailment once.
    """
    rules = rules if rules is not None else load_rules()
    report = InferenceReport("rules")
    prefixes = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    triggers = {
        r.name: None
        if r.triggers is None
        else {
            sol["p"]
            for sol in cast(
                ox.QuerySolutions, store.query(r.triggers, use_default_graph_as_union=True, prefixes=prefixes)
            )
        }
        for r in rules
    }
    transitive = {
        sol["p"]
        for sol in cast(
            ox.QuerySolutions,
            store.query(
                "SELECT ?p WHERE { ?p a owl:TransitiveProperty }", use_default_graph_as_union=True, prefixes=prefixes
            ),
        )
    }
    t0 = time.perf_counter()
    delta: set = set()
    for _round in range(1, max_rounds + 1):
        found: set = set()
        where = store if _round == 1 else _schema_store(schema)
        if _round > 1:
            where.extend(ox.Quad(s, p, o, ox.NamedNode("urn:skillgraph:delta")) for s, p, o in delta)
        changed = {p for _s, p, _o in delta}
        for rule in track(rules, f"rules, round {_round}", unit="rules"):
            trig = triggers[rule.name]
            if _round > 1 and trig is not None and not (trig & changed):
                continue
            t = time.perf_counter()
            if _round > 1 and rule.name == "prp-trp":
                new: set[tuple] = set()
                for s, p, o in delta:
                    if p in transitive:
                        new.update((s, p, q.object) for q in store.quads_for_pattern(o, p, None, None))
                        new.update((q.subject, p, o) for q in store.quads_for_pattern(None, p, s, None))
            else:
                new = {
                    (x.subject, x.predicate, x.object)
                    for x in cast(ox.QueryTriples, where.query(rule.text, use_default_graph_as_union=True))
                }
            if _round > 1:
                new = {t3 for t3 in new if not _exists(store, *t3)}
            new -= found
            if new:
                found |= new
                report.by_rule[rule.name] = report.by_rule.get(rule.name, 0) + len(new)
            report.seconds_by_rule[rule.name] = report.seconds_by_rule.get(rule.name, 0.0) + time.perf_counter() - t
        if found:
            store.extend(ox.Quad(s, p, o, target) for s, p, o in found)
        report.rounds = _round
        if not found:
            break
        delta = found
    else:
        raise RuntimeError(f"rules did not reach a fixpoint in {max_rounds} rounds")
    report.seconds = time.perf_counter() - t0
    return report


def rdflib_to_ox(term):
    """Convert an rdflib term to pyoxigraph, to move triples between the two engines."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def ox_to_rdflib(term):
    """Convert a pyoxigraph term to rdflib, to move triples between the two engines."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:  # a plain literal, as rdflib's own parsers give it
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def rules_reasoner(store: ox.Store, target: ox.NamedNode, captured: closure.Capture | None = None) -> InferenceReport:
    """TBox closure by owlrl (into `target`), then the SPARQL rules over the store's graphs. `captured`: the
    data triples the loader wrote aside (`capture`), which the one-pass engine reads instead of the store."""
    tbox, entailed = tbox_closure()
    store.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), target) for s, p, o in entailed)
    schema = [ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), target)
              for s, p, o in (*tbox, *entailed) if not isinstance(s, BNode) and not isinstance(o, BNode)]
    rules = load_rules()
    if {r.name for r in rules} <= closure.RULES:
        report = one_pass(store, target, captured)
    else:  # a rule the one-pass engine does not know: the generic SPARQL engine applies them all
        report = materialise(store, target, schema, rules)
    report.tbox_triples = len(entailed)
    return report


def one_pass(store: ox.Store, target: ox.NamedNode, captured: closure.Capture | None = None) -> InferenceReport:
    """The rules applied by skillgraph.closure (one pass over the data), entailments written into `target`."""
    t0 = time.perf_counter()
    c = closure.close(store, captured, target)
    t = time.perf_counter()
    closure.write(store, c.new, target)
    seconds = {**c.seconds, "write": time.perf_counter() - t}
    return InferenceReport("rules", rounds=c.passes, by_rule=dict(c.by_rule), seconds=time.perf_counter() - t0,
                           seconds_by_phase={k: round(v, 3) for k, v in seconds.items()})


def owlrl_closure(data: Iterable[Graph], tbox: Graph | None = None) -> Graph:
    """Full owlrl closure of TBox + data; returns only the new, non-noise triples. Small graphs only."""
    import owlrl

    tbox = tbox if tbox is not None else load_ontology()
    g = Graph()
    for t in tbox:
        g.add(t)
    for d in data:
        for t in d:
            g.add(t)
    asserted = set(g)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False,
                           datatype_axioms=False).expand(g)
    out = Graph()
    for t in g:
        if t not in asserted and not is_noise(*t):
            out.add(t)
    return out


def cached(convert: Callable, size: int = 500_000) -> Callable:
    """`convert` (one engine's term to the other's) remembering up to `size` terms: IRIs and values
    repeat a lot in a graph, and each conversion builds a new object."""
    terms: dict = {}

    def get(t):
        r = terms.get(t)
        if r is None:
            if len(terms) > size:
                terms.clear()
            r = terms[t] = convert(t)
        return r

    return get


def store_graph(store: ox.Store, name: ox.NamedNode | ox.BlankNode, into: Graph | None = None) -> Graph:
    """One named graph of the store as an rdflib graph (terms converted directly, no serialised text),
    for what still runs in rdflib: pySHACL, owlrl, the mappings that read an earlier source's graph."""
    g = into if into is not None else Graph()
    rd = cached(ox_to_rdflib)
    add = g.add
    for q in store.quads_for_pattern(None, None, None, name):
        add((rd(q.subject), rd(q.predicate), rd(q.object)))
    return g


def store_graphs(store: ox.Store, skip: Iterable[ox.NamedNode] = ()) -> Iterator[Graph]:
    """The store's named graphs (but `skip`) as rdflib graphs, for a reasoner that runs in rdflib."""
    skipped = {g.value for g in skip}
    for name in store.named_graphs():
        if name.value not in skipped:
            yield store_graph(store, name)


def owlrl_reasoner(store: ox.Store, target: ox.NamedNode, captured: closure.Capture | None = None) -> InferenceReport:
    """Reasoner that runs OWL-RL in rdflib over the store's graphs: complete but only practical for small graphs."""
    t0 = time.perf_counter()
    inferred = owlrl_closure(store_graphs(store, [target]))
    store.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), target) for s, p, o in inferred)
    return InferenceReport("owlrl", rounds=1, by_rule={"owlrl": len(inferred)}, seconds=time.perf_counter() - t0)


def capture(directory: Path) -> closure.Capture | None:
    """Where the build's loader writes aside what the rules will read: the predicates the one-pass engine
    reads under the ontology's schema and its owlrl closure (`rules_reasoner` reads the store for any other).
    None when the one-pass engine will not run (ontology/rules/ holds a rule it does not know): nothing
    would read the files."""
    if not {r.name for r in load_rules()} <= closure.RULES:
        return None
    tbox, entailed = tbox_closure()
    g = ox.NamedNode("urn:skillgraph:schema")
    return closure.Capture(directory, closure.schema_predicates(
        ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), g) for s, p, o in (*tbox, *entailed)))


REASONERS: Registry[Callable[..., InferenceReport]] = Registry("reasoner")
REASONERS.register("rules", rules_reasoner)
REASONERS.register("owlrl", owlrl_reasoner)
