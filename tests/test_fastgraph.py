"""fastgraph's direct writer: a graph it filled is the graph Graph.add would have made."""
from __future__ import annotations

from rdflib import Graph, URIRef

from skillgraph import fastgraph


def test_the_adder_leaves_the_graph_as_graph_add_leaves_it():
    """fastgraph.adder writes Memory's indexes and context sets directly: the graph must answer every
    question exactly as one built with Graph.add (patterns, length, contexts, membership, removal)."""
    from rdflib import Literal
    from rdflib.compare import isomorphic

    from skillgraph.fastgraph import adder

    ex = "https://example.org/"
    triples = [(URIRef(ex + f"s{i % 7}"), URIRef(ex + f"p{i % 3}"),
                Literal(i % 11) if i % 2 else URIRef(ex + f"o{i % 5}")) for i in range(200)]
    plain, fast = Graph(), Graph()
    for t in triples:
        plain.add(t)
    add = adder(fast)
    assert add != fast.add  # the direct path, on a fresh graph
    for t in triples + triples[:20]:  # a triple added twice is there once
        add(t)
    assert len(fast) == len(plain) and isomorphic(fast, plain) and set(fast) == set(plain)
    for pattern in [(None, None, None), (URIRef(ex + "s1"), None, None), (None, URIRef(ex + "p2"), None),
                    (None, None, Literal(3)), (URIRef(ex + "s2"), URIRef(ex + "p1"), None)]:
        assert set(fast.triples(pattern)) == set(plain.triples(pattern))
    assert [c.identifier for c in fast.store.contexts()] == [fast.identifier]
    assert [c.identifier for c in plain.store.contexts()] == [plain.identifier]
    assert all(t in fast for t in triples)
    assert fastgraph.indexes(fast) is not None and fastgraph.fast_view(fast) is not None
    fast.remove((URIRef(ex + "s1"), None, None))
    plain.remove((URIRef(ex + "s1"), None, None))
    assert set(fast) == set(plain) and len(fast) == len(plain)
    assert fast.serialize(format="nt") and isomorphic(fast, plain)


def test_the_adder_falls_back_to_graph_add_where_the_store_holds_another_graph():
    from rdflib import Dataset

    from skillgraph.fastgraph import adder

    ds = Dataset()
    other = ds.graph(URIRef("https://example.org/other"))
    other.add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), URIRef("https://example.org/o")))
    g = ds.graph(URIRef("https://example.org/g"))
    assert adder(g) == g.add
