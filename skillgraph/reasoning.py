"""Entailments, in their own named graph.

Two reasoners, one registry:

* ``rules`` (default, scales to millions of triples): owlrl computes the OWL 2 RL closure of
  the ontology alone (the TBox: a few thousand triples, seconds); the instance entailments the
  queries need — types from subclasses and domains/ranges, sub-properties, inverse, symmetric
  and transitive properties (so the SKOS mapping hierarchy) — are then materialised inside
  the Oxigraph store by the SPARQL CONSTRUCT rules in ontology/rules/, to a fixpoint.
* ``owlrl``: the full owlrl closure of ontology + data, for small graphs (owlrl needs ~80 s per
  100k instance triples). tests/test_reasoning.py shows both give the same instance triples
  on the embedded sample.

Either way the reasoner's noise (axiomatic triples about the W3C vocabularies, reflexive
sameAs/subClassOf, owl:Thing and rdfs:Resource types, literal subjects) is filtered out.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from skillgraph.ontology import load_ontology, rules_dir

from .registry import Registry

W3C_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
NOISE_OBJECTS = {OWL.Thing, RDFS.Resource, OWL.Nothing}
TBOX_PREDICATES = {
    RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf, RDFS.domain, RDFS.range,
    OWL.equivalentClass, OWL.equivalentProperty,
}
PROPERTY_CHARACTERISTICS = {OWL.SymmetricProperty, OWL.TransitiveProperty}


@dataclass
class InferenceReport:
    reasoner: str
    rounds: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    tbox_triples: int = 0
    seconds: float = 0.0
    seconds_by_rule: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> int:
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
    d = directory or rules_dir()
    rules = []
    for f in sorted(d.glob("*.rq")):
        text = f.read_text(encoding="utf-8")
        trig = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("# triggers:")), None)
        rules.append(Rule(f.stem, text, trig))
    return rules


def materialise(store: ox.Store, target: ox.NamedNode, rules: list[Rule] | None = None,
                max_rounds: int = 100) -> InferenceReport:
    """Apply the SPARQL rules over the union of the store's named graphs until nothing new appears,
    writing every new triple into `target`.

    Semi-naive at the level of rules: after the first round a rule runs again only if the previous
    round added triples with one of its trigger predicates (each rule's body has one data pattern
    whose predicate its `# triggers:` query names), so later rounds touch only what changed.
    """
    rules = rules if rules is not None else load_rules()
    report = InferenceReport("rules")
    prefixes = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    triggers: dict[str, set | None] = {}
    for r in rules:
        triggers[r.name] = None if r.triggers is None else {
            sol["p"] for sol in store.query(r.triggers, use_default_graph_as_union=True, prefixes=prefixes)}
    t0 = time.perf_counter()
    changed: set | None = None  # predicates that gained triples in the last round; None = first round
    for _round in range(1, max_rounds + 1):
        added_predicates: set = set()
        for rule in rules:
            trig = triggers[rule.name]
            if changed is not None and trig is not None and not (trig & changed):
                continue
            t = time.perf_counter()
            new = {(t3.subject, t3.predicate, t3.object) for t3 in store.query(rule.text, use_default_graph_as_union=True)}
            if new:
                store.extend(ox.Quad(s, p, o, target) for s, p, o in new)
                report.by_rule[rule.name] = report.by_rule.get(rule.name, 0) + len(new)
                added_predicates.update(p for _s, p, _o in new)
            report.seconds_by_rule[rule.name] = report.seconds_by_rule.get(rule.name, 0.0) + time.perf_counter() - t
        report.rounds = _round
        if not added_predicates:
            break
        changed = added_predicates
    else:
        raise RuntimeError(f"rules did not reach a fixpoint in {max_rounds} rounds")
    report.seconds = time.perf_counter() - t0
    return report


def rdflib_to_ox(term):
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
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def rules_reasoner(store: ox.Store, target: ox.NamedNode, data: Iterable[Graph]) -> InferenceReport:
    """TBox closure by owlrl (into `target`), then the SPARQL rules in the store."""
    _tbox, entailed = tbox_closure()
    store.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), target) for s, p, o in entailed)
    report = materialise(store, target)
    report.tbox_triples = len(entailed)
    return report


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


def owlrl_reasoner(store: ox.Store, target: ox.NamedNode, data: Iterable[Graph]) -> InferenceReport:
    t0 = time.perf_counter()
    inferred = owlrl_closure(data)
    store.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), target) for s, p, o in inferred)
    return InferenceReport("owlrl", rounds=1, by_rule={"owlrl": len(inferred)}, seconds=time.perf_counter() - t0)


REASONERS: Registry[Callable[[ox.Store, ox.NamedNode, Iterable[Graph]], InferenceReport]] = Registry("reasoner")
REASONERS.register("rules", rules_reasoner)
REASONERS.register("owlrl", owlrl_reasoner)
