"""The rules read what the loader wrote aside (closure.Capture) and give exactly what they give reading the store.

The same entailments, as many; which rule is credited with a triple two rules derive follows the order the pass
read the data in, which differs between the two (by_rule is compared in total)."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from skillgraph import closure, loading
from skillgraph.ontology import SG, load_ontology
from skillgraph.reasoning import capture, rdflib_to_ox, rules_reasoner

TARGET = ox.NamedNode("https://w3id.org/skillgraph/graph/inferred")
EX = "https://example.org/"


def _store(graphs: list[Graph], cap: closure.Capture | None, uncaptured: int | None = None) -> ox.Store:
    """The ontology and `graphs` loaded as the build loads them, writing aside into `cap`; graph number
    `uncaptured` is put in without the loader (as a graph copied from the previous build is)."""
    st = ox.Store()
    for i, g in enumerate([load_ontology(), *graphs]):
        gn = ox.NamedNode(f"urn:test:g{i}")
        if i == uncaptured or cap is None:
            st.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), gn) for s, p, o in g)
        else:
            with cap.writer(gn.value) as tap:
                loading.load(st, g, gn, tap=tap)
    return st


def _inferred(st: ox.Store, cap: closure.Capture | None) -> tuple[set, dict]:
    report = rules_reasoner(st, TARGET, captured=cap)
    return {(q.subject, q.predicate, q.object) for q in st.quads_for_pattern(None, None, None, TARGET)}, report.by_rule


def _reads(monkeypatch) -> list:
    """The graphs the pass reads from the store (None: every named graph)."""
    seen: list = []
    real = closure._strings

    def spy(store, p, graph):
        seen.append(graph)
        return real(store, p, graph)

    monkeypatch.setattr(closure, "_strings", spy)
    return seen


def _awkward() -> Graph:
    """Blank nodes, literals with quotes, tabs and line breaks, a sub-property chain to a data property."""
    g = Graph()
    task, occ = URIRef(EX + "task/1"), URIRef(EX + "occ/1")
    g.add((occ, RDF.type, SG.Occupation))
    g.add((occ, SG.hasTask, task))
    g.add((task, SKOS.prefLabel, Literal('Say "hi"\tthen\nwait \\ ok', lang="en")))
    g.add((task, RDFS.label, Literal('Say "hi"\tthen\nwait \\ ok', lang="en")))  # asserted and entailed
    b = BNode()
    g.add((b, SKOS.broader, task))
    g.add((task, SKOS.related, b))
    return g


def test_captured_equals_the_store_on_the_embedded_sample(embedded_assembled, tmp_path, monkeypatch):
    graphs = list(embedded_assembled.graphs.values())
    want, want_rules = _inferred(_store(graphs, None), None)
    cap = capture(tmp_path / "cap")
    st = _store(graphs, cap)
    assert len(cap.files) == len(graphs) + 1
    reads = _reads(monkeypatch)
    got, got_rules = _inferred(st, cap)
    assert got == want and sum(got_rules.values()) == sum(want_rules.values()) > 1000
    assert reads and set(reads) == {TARGET}  # only the entailments' graph (the TBox closure) read from the store


def test_captured_blank_nodes_and_awkward_literals_are_the_stored_ones(tmp_path, monkeypatch):
    g = _awkward()  # one graph for both stores: the same blank node
    want, want_rules = _inferred(_store([g], None), None)
    cap = capture(tmp_path / "cap")
    st = _store([g], cap)
    reads = _reads(monkeypatch)
    got, got_rules = _inferred(st, cap)
    assert set(reads) == {TARGET}
    assert got == want and sum(got_rules.values()) == sum(want_rules.values())
    # skos:related is symmetric: the blank node's triple is entailed about the stored node itself
    stored_blank = next(q.subject for q in st.quads_for_pattern(None, rdflib_to_ox(SKOS.broader), None, None))
    assert isinstance(stored_blank, ox.BlankNode)
    assert any(t[0] == stored_blank for t in got)
    # the label asserted in the data is not entailed again
    assert not any(t[1] == rdflib_to_ox(RDFS.label) for t in got)


def test_a_graph_not_captured_sends_the_rules_to_the_store(embedded_assembled, tmp_path, monkeypatch):
    graphs = list(embedded_assembled.graphs.values())
    want, want_rules = _inferred(_store(graphs, None), None)
    cap = capture(tmp_path / "cap")
    st = _store(graphs, cap, uncaptured=2)
    reads = _reads(monkeypatch)
    got, got_rules = _inferred(st, cap)
    assert set(reads) == {None}  # every graph, from the store
    assert got == want and sum(got_rules.values()) == sum(want_rules.values())


def test_schema_in_the_data_asking_for_a_predicate_not_captured_sends_the_rules_to_the_store(tmp_path, monkeypatch):
    g = _awkward()
    mine, sub = URIRef(EX + "mine"), URIRef(EX + "subMine")
    g.add((sub, RDFS.subPropertyOf, mine))  # neither is read under the ontology's schema alone
    g.add((URIRef(EX + "a"), sub, URIRef(EX + "b")))
    want, want_rules = _inferred(_store([g], None), None)
    cap = capture(tmp_path / "cap")
    assert f"<{sub}>" not in cap.predicates
    st = _store([g], cap)
    reads = _reads(monkeypatch)
    got, got_rules = _inferred(st, cap)
    assert set(reads) == {None}
    assert got == want and (rdflib_to_ox(URIRef(EX + "a")), rdflib_to_ox(mine), rdflib_to_ox(URIRef(EX + "b"))) in got


def test_a_capture_file_counts_only_once_complete(tmp_path):
    cap = closure.Capture(tmp_path, frozenset({"<urn:p>"}))
    with pytest.raises(RuntimeError):
        with cap.writer("urn:g") as tap:
            tap.write("<urn:s> <urn:p> <urn:o> .\n")
            raise RuntimeError("the load failed")
    assert cap.files == {}
    with cap.writer("urn:g") as tap:
        tap.write("<urn:s> <urn:p> <urn:o> .\n")
    assert list(cap.files) == ["urn:g"]
