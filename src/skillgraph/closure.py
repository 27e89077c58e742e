"""The rules of ontology/rules/ applied in one pass, with the schema held in Python dictionaries.

The SPARQL rules (skillgraph.reasoning.materialise) re-scan the store once per rule and round; on
the full releases that took nine minutes for 1.7 M entailments, nearly all of it in scans that
find nothing new. Every rule there but one has a single data pattern joined to schema triples (a
few hundred), so a triple's consequences follow from the triple alone: its predicate's
super-properties, inverses, domains and ranges, its class's superclasses. This module reads the
schema once, then runs a work list over the data triples those rules can fire on, deriving each
triple's consequences once; the transitive rule (two data patterns) joins each triple to the ones
already seen through an index per transitive property. Same rules, same results: the entailments
are the closure of the union of the store's named graphs under the rules, minus what it asserts
(tests/test_reasoning.py compares both engines).

If a derived triple is itself schema (a new subclass, a new transitive property...), the pass
starts again with the grown schema, until nothing new appears.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

import pyoxigraph as ox

from .progress import progress

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

TYPE = ox.NamedNode(RDF + "type")
SUBCLASS = ox.NamedNode(RDFS + "subClassOf")
SUBPROPERTY = ox.NamedNode(RDFS + "subPropertyOf")
DOMAIN = ox.NamedNode(RDFS + "domain")
RANGE = ox.NamedNode(RDFS + "range")
INVERSE = ox.NamedNode(OWL + "inverseOf")
SYMMETRIC = ox.NamedNode(OWL + "SymmetricProperty")
TRANSITIVE = ox.NamedNode(OWL + "TransitiveProperty")
DATATYPE = ox.NamedNode(RDFS + "Datatype")
RDFS_LITERAL = ox.NamedNode(RDFS + "Literal")

#: The rules (file stems in ontology/rules/) this engine applies; reasoning.py uses it only for these.
RULES = frozenset({"cax-sco", "prp-dom", "prp-rng", "prp-spo1", "prp-inv", "prp-symp", "prp-trp"})

SCHEMA_PREDICATES = frozenset({SUBCLASS, SUBPROPERTY, DOMAIN, RANGE, INVERSE})
SCHEMA_TYPES = frozenset({SYMMETRIC, TRANSITIVE, DATATYPE})

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


@dataclass
class Schema:
    """What the rules join data triples with, read from the union of the store's named graphs."""

    superclasses: dict = field(default_factory=dict)  # cax-sco: class -> superclasses
    superproperties: dict = field(default_factory=dict)  # prp-spo1: property -> super-properties
    inverses: dict = field(default_factory=dict)  # prp-inv1/2: property -> inverse properties
    domains: dict = field(default_factory=dict)  # prp-dom: property -> classes
    ranges: dict = field(default_factory=dict)  # prp-rng: property -> classes (not datatypes)
    symmetric: set = field(default_factory=set)  # prp-symp
    transitive: set = field(default_factory=set)  # prp-trp

    def predicates(self) -> set:
        """Predicates whose triples fire a rule or may be derived: the triples the pass must see."""
        out = {TYPE, *self.superproperties, *self.inverses, *self.domains, *self.ranges, *self.symmetric,
               *self.transitive}
        for targets in (*self.superproperties.values(), *self.inverses.values()):
            out.update(targets)
        return {p for p in out if isinstance(p, ox.NamedNode)}  # a blank node is never a predicate


def _named(store: ox.Store, s=None, p=None, o=None) -> Iterable[ox.Quad]:
    """Quads of the named graphs (the rules query their union; the default graph is not part of it)."""
    return (q for q in store.quads_for_pattern(s, p, o, None) if not isinstance(q.graph_name, ox.DefaultGraph))


def _subject_objects(store: ox.Store, p: ox.NamedNode) -> Iterable[tuple]:
    """(subject, object) of every triple with predicate `p` in the named graphs, once per graph holding it.

    A SELECT rather than quads_for_pattern: it does not build the predicate and graph terms of each quad
    (a third less time on the millions of triples the pass reads)."""
    solutions = cast(ox.QuerySolutions, store.query(f"SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{p.value}> ?o }} }}"))
    return (tuple(sol) for sol in solutions)


def _pairs(store: ox.Store, p: ox.NamedNode) -> set[tuple]:
    return set(_subject_objects(store, p))


def read_schema(store: ox.Store) -> Schema:
    """The schema triples of the store, with the rules' own filters (IRIs only, no reflexive pairs...)."""
    sc = Schema()
    for c, d in _pairs(store, SUBCLASS):
        if isinstance(d, ox.NamedNode) and c != d:
            sc.superclasses.setdefault(c, set()).add(d)
    for p, q in _pairs(store, SUBPROPERTY):
        if isinstance(q, ox.NamedNode) and p != q:
            sc.superproperties.setdefault(p, set()).add(q)
    for p, q in _pairs(store, INVERSE):  # a blank node (an inverse property expression) is no predicate
        if isinstance(q, ox.NamedNode):
            sc.inverses.setdefault(p, set()).add(q)
        if isinstance(p, ox.NamedNode):
            sc.inverses.setdefault(q, set()).add(p)
    for p, c in _pairs(store, DOMAIN):
        if isinstance(c, ox.NamedNode):
            sc.domains.setdefault(p, set()).add(c)
    datatypes = {q.subject for q in _named(store, None, TYPE, DATATYPE)}
    for p, c in _pairs(store, RANGE):
        if isinstance(c, ox.NamedNode) and c not in datatypes and c != RDFS_LITERAL and not c.value.startswith(XSD):
            sc.ranges.setdefault(p, set()).add(c)
    sc.symmetric = {q.subject for q in _named(store, None, TYPE, SYMMETRIC)}
    sc.transitive = {q.subject for q in _named(store, None, TYPE, TRANSITIVE)}
    return sc


def is_schema(t: Triple) -> bool:
    """Whether a derived triple changes what the rules join with (then the pass runs again)."""
    return t[1] in SCHEMA_PREDICATES or (t[1] == TYPE and t[2] in SCHEMA_TYPES)


@dataclass
class Closure:
    """The entailments of one pass and which rule first derived each."""

    new: list[Triple] = field(default_factory=list)
    by_rule: dict[str, int] = field(default_factory=dict)
    passes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _one_pass(store: ox.Store, sc: Schema, out: Closure) -> list[Triple]:
    """Derive everything the rules give from the store's triples and `sc`; returns what the store lacks."""
    intern: dict = {}
    term = intern.setdefault
    seen: set = set()
    todo: list[Triple] = []
    t0 = time.perf_counter()
    for p in sc.predicates():
        for subj, obj in _subject_objects(store, p):
            t = (term(subj, subj), p, term(obj, obj))
            if t not in seen:
                seen.add(t)
                todo.append(t)
    out.seconds["read"] = out.seconds.get("read", 0.0) + time.perf_counter() - t0
    t0 = time.perf_counter()
    new: list[Triple] = []
    by_rule = out.by_rule
    after: dict = {p: {} for p in sc.transitive}  # transitive p -> subject -> objects seen
    before: dict = {p: {} for p in sc.transitive}  # transitive p -> object -> subjects seen

    def derive(t: Triple, rule: str) -> None:
        if t not in seen:
            seen.add(t)
            todo.append(t)
            new.append(t)
            by_rule[rule] = by_rule.get(rule, 0) + 1

    supc, supp, inv = sc.superclasses, sc.superproperties, sc.inverses
    dom, rng, symm = sc.domains, sc.ranges, sc.symmetric
    with progress(f"rules, pass {out.passes}", None, "triples") as bar:  # progress of a long closure
        done = 0
        while todo:
            done += 1
            if not done & 0xFFFF:
                bar.update(0x10000)
            s, p, o = todo.pop()
            resource = not isinstance(o, ox.Literal)
            if p == TYPE:
                for d in supc.get(o, ()):
                    derive((s, TYPE, d), "cax-sco")
            for q in supp.get(p, ()):
                derive((s, q, o), "prp-spo1")
            for c in dom.get(p, ()):
                derive((s, TYPE, c), "prp-dom")
            if resource:
                for q in inv.get(p, ()):
                    derive((o, q, s), "prp-inv")  # type: ignore[arg-type]
                for c in rng.get(p, ()):
                    derive((o, TYPE, c), "prp-rng")  # type: ignore[arg-type]
                if p in symm:
                    derive((o, p, s), "prp-symp")  # type: ignore[arg-type]
            if p in after:
                for z in tuple(after[p].get(o, ())):
                    derive((s, p, z), "prp-trp")
                for x in tuple(before[p].get(s, ())):
                    derive((x, p, o), "prp-trp")
                after[p].setdefault(s, set()).add(o)
                before[p].setdefault(o, set()).add(s)
    out.seconds["derive"] = out.seconds.get("derive", 0.0) + time.perf_counter() - t0
    return new


def close(store: ox.Store) -> Closure:
    """The rules' closure of the store's named graphs: the triples it entails and does not assert."""
    out = Closure()
    entailed: set[Triple] = set()  # schema triples entailed by the previous pass
    while True:
        out.passes += 1
        out.by_rule = {}
        sc = read_schema(store) if not entailed else _grown(store, entailed)
        out.new = _one_pass(store, sc, out)
        grown = {t for t in out.new if is_schema(t)}
        if grown <= entailed:
            return out
        if out.passes >= 100:
            raise RuntimeError("rules did not reach a fixpoint in 100 passes")
        entailed = grown


def _grown(store: ox.Store, entailed: set[Triple]) -> Schema:
    """The schema of the store plus entailed schema triples (read through a scratch store)."""
    scratch = ox.Store()
    g = ox.NamedNode("urn:skillgraph:entailed")
    for p in SCHEMA_PREDICATES:
        scratch.extend(_named(store, None, p, None))
    for c in SCHEMA_TYPES:
        scratch.extend(_named(store, None, TYPE, c))
    scratch.extend(ox.Quad(*t, g) for t in entailed)
    return read_schema(scratch)
