"""skillgraph.loading: an rdflib graph into the store as N-Triples text in chunks, every triple exactly as
rdflib holds it (compared by isomorphism), in chunks of the asked size, and a bad IRI named with its graph."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS, XSD

from skillgraph import closure, loading
from skillgraph.reasoning import store_graph

EX = "https://w3id.org/skillgraph/id/test/"
TARGET = ox.NamedNode("https://w3id.org/skillgraph/graph/test")


def awkward() -> Graph:
    """Terms whose N-Triples form needs care: escapes, languages, datatypes, blank nodes, namespace terms."""
    g = Graph()
    s, b = URIRef(EX + "s"), BNode()
    g.add((s, RDF.type, SKOS.Concept))  # rdflib namespace terms are URIRef subclasses
    g.add((s, SKOS.prefLabel, Literal('say "hi"\\ now\nnext line\ttab', lang="en")))
    g.add((s, SKOS.altLabel, Literal("Zürich – ça va ✓", lang="fr")))  # Oxigraph lower-cases tags
    g.add((s, URIRef(EX + "n"), Literal("3.5", datatype=XSD.decimal)))
    g.add((s, URIRef(EX + "i"), Literal(7)))
    g.add((s, URIRef(EX + "d"), Literal("2025-02-10", datatype=XSD.date)))
    g.add((s, URIRef(EX + "odd"), Literal("not a number", datatype=XSD.integer)))
    g.add((s, URIRef(EX + "b"), b))
    g.add((b, SKOS.note, Literal("")))
    for i in range(7):
        g.add((URIRef(f"{EX}x/{i}"), URIRef(EX + "p"), Literal(i)))
        g.add((URIRef(f"{EX}x/{i}"), URIRef(EX + "shared"), b))  # one blank node named in many chunks
    return g


def stored(st: ox.Store) -> Graph:
    return store_graph(st, TARGET)


def test_a_graph_is_stored_exactly_from_its_subject_index():
    g = awkward()
    st = ox.Store()
    assert loading.load(st, g, TARGET, size=2) == len(g)
    assert isomorphic(stored(st), g)
    blank = [q.object for q in st.quads_for_pattern(None, ox.NamedNode(EX + "shared"), None, None)]
    assert len(blank) == 7 and len(set(blank)) == 1


def test_a_graph_without_a_plain_index_is_stored_exactly_too():
    g = awkward()
    ds = Dataset()
    named = ds.graph(URIRef(EX + "g"))
    for t in g:
        named.add(t)
    ds.graph(URIRef(EX + "other")).add((URIRef(EX + "z"), URIRef(EX + "p"), URIRef(EX + "q")))
    assert loading.subject_index(named) is None  # two graphs share the store: the generic path
    st = ox.Store()
    assert loading.load(st, named, TARGET, size=2) == len(g)
    assert isomorphic(stored(st), g)


@pytest.mark.parametrize("plain", [True, False], ids=["subject-index", "iterated"])
def test_chunks_are_about_the_asked_size_and_each_triple_once(plain):
    g = Graph()
    for i in range(5):
        g.add((URIRef(f"{EX}x/{i}"), URIRef(EX + "p"), URIRef(EX + "o")))
    src = g
    if not plain:
        ds = Dataset()
        src = ds.graph(URIRef(EX + "g"))
        for t in g:
            src.add(t)
        ds.graph(URIRef(EX + "other")).add((URIRef(EX + "z"), URIRef(EX + "p"), URIRef(EX + "q")))
    assert [n for _, n in loading.nt_chunks(src, 2)] == [2, 2, 1]
    st, seen = ox.Store(), []
    assert loading.load(st, src, TARGET, size=2, done=seen.append) == 5
    assert seen == [2, 2, 1] and len(st) == 5


def test_an_iri_oxigraph_rejects_names_the_graph():
    g = Graph()
    g.add((URIRef(EX + "has space"), URIRef(EX + "p"), URIRef(EX + "o")))
    with pytest.raises(SyntaxError, match="graph <https://w3id.org/skillgraph/graph/test> could not be stored"):
        loading.load(ox.Store(), g, TARGET)


def test_quads_are_extended_in_chunks_of_the_asked_size():
    st, calls = ox.Store(), []
    real = st.bulk_extend
    spy = type("Spy", (), {"bulk_extend": lambda self, qs: (calls.append(len(qs)), real(qs))})()
    quads = (ox.Quad(ox.NamedNode(f"{EX}x/{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)), TARGET) for i in range(5))
    assert loading.extend(spy, quads, size=2) == 5
    assert calls == [2, 2, 1] and len(st) == 5


def test_entailments_as_ntriples_text_are_stored_exactly():
    # the rules' entailments (closure.write): terms as N-Triples text, as str() of a pyoxigraph term gives it;
    # a blank node keeps its name
    b = ox.BlankNode("kept")
    s = ox.NamedNode(EX + "s")
    triples = [(s, ox.NamedNode(EX + "label"), ox.Literal('a "quoted"\nline', language="en")),
               (s, ox.NamedNode(EX + "n"), ox.Literal("3.5", datatype=ox.NamedNode(str(XSD.decimal)))),
               (s, ox.NamedNode(EX + "b"), b), (b, ox.NamedNode(EX + "p"), s),
               *((ox.NamedNode(f"{EX}x/{i}"), ox.NamedNode(EX + "p"), s) for i in range(5))]
    st = ox.Store()
    assert closure.write(st, [tuple(str(x) for x in t) for t in triples], TARGET) == len(triples)
    assert {(q.subject, q.predicate, q.object) for q in st} == set(triples)
