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

Terms are their N-Triples text (`<iri>`, `_:label`, `"lexical"^^<datatype>`): Python caches a string's hash,
so the work list's set look-ups do not hash pyoxigraph terms again and again, and the entailments are written
as N-Triples lines for Oxigraph's parser. The data triples come from the store (5.9 M on the full build: 52 s,
most of it Oxigraph decoding stored terms) or, when the build captured them (`Capture`), from the N-Triples
lines the loader wrote aside as each graph went in: the same triples, read back from a file in seconds.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from . import loading
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

Triple = tuple[str, str, str]  # each term in its N-Triples form

S_TYPE, S_SUBCLASS, S_SUBPROPERTY, S_DOMAIN, S_RANGE, S_INVERSE = (
    str(t) for t in (TYPE, SUBCLASS, SUBPROPERTY, DOMAIN, RANGE, INVERSE))
S_SCHEMA_PREDICATES = frozenset(str(t) for t in SCHEMA_PREDICATES)
S_SCHEMA_TYPES = frozenset(str(t) for t in SCHEMA_TYPES)


@dataclass
class Schema:
    """What the rules join data triples with, read from the union of the store's named graphs (terms as
    N-Triples text)."""

    superclasses: dict = field(default_factory=dict)  # cax-sco: class -> superclasses
    superproperties: dict = field(default_factory=dict)  # prp-spo1: property -> super-properties
    inverses: dict = field(default_factory=dict)  # prp-inv1/2: property -> inverse properties
    domains: dict = field(default_factory=dict)  # prp-dom: property -> classes
    ranges: dict = field(default_factory=dict)  # prp-rng: property -> classes (not datatypes)
    symmetric: set = field(default_factory=set)  # prp-symp
    transitive: set = field(default_factory=set)  # prp-trp

    def predicates(self) -> set:
        """Predicates whose triples fire a rule or may be derived: the triples the pass must see."""
        out = {S_TYPE, *self.superproperties, *self.inverses, *self.domains, *self.ranges, *self.symmetric,
               *self.transitive}
        for targets in (*self.superproperties.values(), *self.inverses.values()):
            out.update(targets)
        return {p for p in out if p.startswith("<")}  # a blank node is never a predicate


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

    def put(d: dict, k, v) -> None:
        d.setdefault(str(k), set()).add(str(v))  # sorted into a tuple at the end

    for c, d in _pairs(store, SUBCLASS):
        if isinstance(d, ox.NamedNode) and c != d:
            put(sc.superclasses, c, d)
    for p, q in _pairs(store, SUBPROPERTY):
        if isinstance(q, ox.NamedNode) and p != q:
            put(sc.superproperties, p, q)
    for p, q in _pairs(store, INVERSE):  # a blank node (an inverse property expression) is no predicate
        if isinstance(q, ox.NamedNode):
            put(sc.inverses, p, q)
        if isinstance(p, ox.NamedNode):
            put(sc.inverses, q, p)
    for p, c in _pairs(store, DOMAIN):
        if isinstance(c, ox.NamedNode):
            put(sc.domains, p, c)
    datatypes = {q.subject for q in _named(store, None, TYPE, DATATYPE)}
    for p, c in _pairs(store, RANGE):
        if isinstance(c, ox.NamedNode) and c not in datatypes and c != RDFS_LITERAL and not c.value.startswith(XSD):
            put(sc.ranges, p, c)
    sc.symmetric = {str(q.subject) for q in _named(store, None, TYPE, SYMMETRIC)}
    sc.transitive = {str(q.subject) for q in _named(store, None, TYPE, TRANSITIVE)}
    for d in (sc.superclasses, sc.superproperties, sc.inverses, sc.domains, sc.ranges):
        # in a fixed order: which rule first derives a triple follows the order of the work list, and a set of
        # strings iterates in an order that changes with the process's hash seed
        for k, v in d.items():
            d[k] = tuple(sorted(v))
    return sc


def schema_predicates(quads: Iterable[ox.Quad]) -> frozenset[str]:
    """The predicates the rules read (`Schema.predicates`) under the schema these quads hold."""
    scratch = ox.Store()
    scratch.extend(quads)
    return frozenset(read_schema(scratch).predicates())


class Capture:
    """The triples the rules will read, written aside by the loader as each graph goes into the store: one
    file of N-Triples lines per graph, those whose predicate is in `predicates` (what the rules read under the
    ontology's schema). The rules then read these files instead of the store, when every graph but the
    entailments' own was captured and the store's schema asks for no other predicate (else they read the
    store, as without a capture)."""

    def __init__(self, directory: Path, predicates: frozenset[str]) -> None:
        self.directory = directory
        self.predicates = predicates
        self.files: dict[str, Path] = {}  # graph IRI -> its complete file
        self._opened = 0

    def writer(self, graph: str) -> _CaptureFile:
        """A file for `graph`'s lines; it counts as captured once closed without error."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._opened += 1
        return _CaptureFile(self, graph, self.directory / f"{self._opened}.nt")


class _CaptureFile:
    def __init__(self, capture: Capture, graph: str, path: Path) -> None:
        self.capture, self.graph, self.path = capture, graph, path
        self.predicates = capture.predicates
        self.fh: IO[str] | None = None

    def __enter__(self) -> _CaptureFile:
        self.capture.files.pop(self.graph, None)
        self.fh = open(self.path, "w", encoding="utf-8")
        return self

    def write(self, text: str) -> None:
        """N-Triples lines, each ending in " .\\n"."""
        assert self.fh is not None
        self.fh.write(text)

    def __exit__(self, kind, *_) -> None:
        assert self.fh is not None
        self.fh.close()
        if kind is None:
            self.capture.files[self.graph] = self.path


def is_schema(t: Triple) -> bool:
    """Whether a derived triple changes what the rules join with (then the pass runs again)."""
    return t[1] in S_SCHEMA_PREDICATES or (t[1] == S_TYPE and t[2] in S_SCHEMA_TYPES)


@dataclass
class Closure:
    """The entailments of one pass and which rule first derived each."""

    new: list[Triple] = field(default_factory=list)
    by_rule: dict[str, int] = field(default_factory=dict)
    passes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _data(store: ox.Store, predicates: list[str], captured: Capture | None,
          target: ox.NamedNode | None) -> Iterator[Triple]:
    """The data triples the pass reads (a triple may repeat): from the captured files, and the store's graphs
    not captured, when the capture has every graph of the store but `target` and every predicate asked for;
    else from the store."""
    graphs = None
    if captured is not None and captured.predicates.issuperset(predicates):
        rest = [g for g in store.named_graphs() if g.value not in captured.files]
        if all(g == target for g in rest):
            graphs = [target] if rest and target is not None else []
    if graphs is None:
        for p in predicates:
            yield from _strings(store, p, None)
        return
    for g in graphs:
        for p in predicates:
            yield from _strings(store, p, g)
    assert captured is not None
    wanted = set(predicates)
    for path in captured.files.values():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                s, p, o = line[:-3].split(" ", 2)  # "<s> <p> o .\n": no space inside an IRI or a blank node label
                if p in wanted:
                    yield s, p, o


def _strings(store: ox.Store, p: str, graph: ox.NamedNode | None) -> Iterator[Triple]:
    """(s, p, o) as N-Triples text for every triple with predicate `p` in `graph` (None: every named graph)."""
    g = f"<{graph.value}>" if graph is not None else "?g"
    solutions = cast(ox.QuerySolutions, store.query(f"SELECT ?s ?o WHERE {{ GRAPH {g} {{ ?s {p} ?o }} }}"))
    for subj, obj in solutions:
        yield str(subj), p, str(obj)


def _one_pass(store: ox.Store, sc: Schema, out: Closure, captured: Capture | None = None,
              target: ox.NamedNode | None = None) -> list[Triple]:
    """Derive everything the rules give from the store's triples and `sc`; returns what the store lacks."""
    intern: dict = {}
    term = intern.setdefault
    seen: set = set()
    todo: list[Triple] = []
    t0 = time.perf_counter()
    for subj, p, obj in _data(store, sorted(sc.predicates()), captured, target):
        t = (term(subj, subj), term(p, p), term(obj, obj))
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
            resource = o[0] != '"'
            if p == S_TYPE:
                for d in supc.get(o, ()):
                    derive((s, S_TYPE, d), "cax-sco")
            for q in supp.get(p, ()):
                derive((s, q, o), "prp-spo1")
            for c in dom.get(p, ()):
                derive((s, S_TYPE, c), "prp-dom")
            if resource:
                for q in inv.get(p, ()):
                    derive((o, q, s), "prp-inv")
                for c in rng.get(p, ()):
                    derive((o, S_TYPE, c), "prp-rng")
                if p in symm:
                    derive((o, p, s), "prp-symp")
            if p in after:
                for z in tuple(after[p].get(o, ())):
                    derive((s, p, z), "prp-trp")
                for x in tuple(before[p].get(s, ())):
                    derive((x, p, o), "prp-trp")
                after[p].setdefault(s, {})[o] = None  # dicts, not sets: insertion order, whatever the hash seed
                before[p].setdefault(o, {})[s] = None
    out.seconds["derive"] = out.seconds.get("derive", 0.0) + time.perf_counter() - t0
    return new


def close(store: ox.Store, captured: Capture | None = None, target: ox.NamedNode | None = None) -> Closure:
    """The rules' closure of the store's named graphs: the triples it entails and does not assert.
    `captured`: the data triples written aside while loading (read instead of the store where they suffice);
    `target`: the entailments' graph, the one graph a capture need not hold."""
    out = Closure()
    entailed: set[Triple] = set()  # schema triples entailed by the previous pass
    while True:
        out.passes += 1
        out.by_rule = {}
        sc = read_schema(store) if not entailed else _grown(store, entailed)
        out.new = _one_pass(store, sc, out, captured, target)
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
    scratch.extend(ox.Quad(_term(s), cast(ox.NamedNode, _term(p)), _term(o), g)
                   for s, p, o in entailed if o[0] != '"')  # a literal is no schema term
    return read_schema(scratch)


def _term(text: str) -> ox.NamedNode | ox.BlankNode:
    """An IRI or blank node from its N-Triples text."""
    return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text[1:-1])


def write(store: ox.Store, triples: list[Triple], target: ox.NamedNode) -> int:
    """The entailments into `target`, as N-Triples lines for Oxigraph's parser; those with a blank node as
    quads of the same blank nodes (the bulk loader would rename them apart). Returns how many."""
    blank: list[str] = []

    def chunks() -> Iterator[tuple[bytes, int]]:
        for i in range(0, len(triples), loading.CHUNK):
            lines = []
            for s, p, o in triples[i:i + loading.CHUNK]:
                line = f"{s} {p} {o} .\n"
                if s[0] == "_" or o[0] == "_":
                    blank.append(line)
                else:
                    lines.append(line)
            yield "".join(lines).encode("utf-8"), len(lines)

    written = loading.pipeline(store, chunks(), target)
    if blank:  # the parser keeps the labels it reads; the store takes the quads as they are
        store.extend(ox.Quad(t.subject, t.predicate, t.object, target)
                     for t in ox.parse("".join(blank).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    return written + len(blank)
