"""The SPARQL rules give the same instance entailments as owlrl's OWL 2 RL closure on the sample."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from skillgraph.ontology import SG, load_ontology
from skillgraph.reasoning import (
    REASONERS,
    is_noise,
    load_rules,
    materialise,
    one_pass,
    owlrl_closure,
    ox_to_rdflib,
    rdflib_to_ox,
    rules_reasoner,
    tbox_closure,
)

TARGET = ox.NamedNode("https://w3id.org/skillgraph/graph/inferred")


def rules_inferred(graphs: list[Graph]) -> set:
    st = ox.Store()
    ont = load_ontology()
    for i, g in enumerate([ont, *graphs]):
        gn = ox.NamedNode(f"urn:test:g{i}")
        st.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), gn) for s, p, o in g)
    rules_reasoner(st, TARGET)
    return {(ox_to_rdflib(q.subject), ox_to_rdflib(q.predicate), ox_to_rdflib(q.object))
            for q in st.quads_for_pattern(None, None, None, TARGET)}


def canonical(term):
    """Literals by value (the store writes 0.2400 as 0.24 and drops xsd:string), other terms as they are."""
    if isinstance(term, Literal):
        return ("literal", term.toPython(), term.language, term.datatype or XSD.string)
    return term


def instance_triples(triples, tbox_terms: set) -> set:
    """Entailments about data (not about the ontology's own terms), compared by value."""
    return {tuple(canonical(x) for x in t) for t in triples if t[0] not in tbox_terms and not is_noise(*t)}


def tbox_terms() -> set:
    ont = load_ontology()
    return set(ont.subjects())


def test_rules_equal_owlrl_on_a_small_graph():
    g = Graph()
    occ = URIRef("https://w3id.org/skillgraph/id/onet/occupation/43-4051.00")
    task = URIRef("https://w3id.org/skillgraph/id/onet/task/2582")
    esco = URIRef("http://data.europa.eu/esco/occupation/13d1b2b4-99dd-44da-9734-c9f74bae18f7")
    g.add((occ, RDF.type, SG.Occupation))
    g.add((occ, SG.hasTask, task))
    g.add((esco, SKOS.exactMatch, occ))
    g.add((occ, SKOS.broadMatch, URIRef("https://w3id.org/skillgraph/id/onet/soc-group/43-4050")))
    g.add((task, SKOS.prefLabel, Literal("Refer unresolved customer grievances.", lang="en")))
    terms = tbox_terms()
    ours = instance_triples(rules_inferred([g]), terms)
    theirs = instance_triples(owlrl_closure([g]), terms)
    assert (task, SG.taskOf, occ) in ours
    assert (task, RDF.type, SG.Task) in ours
    assert (occ, SKOS.exactMatch, esco) in ours
    assert ours == theirs, {"only rules": ours - theirs, "only owlrl": theirs - ours}


@pytest.mark.slow
def test_rules_equal_owlrl_on_the_embedded_sample(embedded_assembled):
    graphs = list(embedded_assembled.graphs.values())
    terms = tbox_terms()
    ours = instance_triples(rules_inferred(graphs), terms)
    theirs = instance_triples(owlrl_closure(graphs), terms)
    assert len(ours) > 100
    assert ours == theirs, {"only rules": sorted(ours - theirs)[:20], "only owlrl": sorted(theirs - ours)[:20]}


def both_engines(graphs: list[Graph]) -> dict[str, set]:
    """The entailments of the SPARQL rule engine and of the one-pass engine, on the same store."""
    out = {}
    for engine in ("sparql", "one-pass"):
        st = ox.Store()
        for i, g in enumerate([load_ontology(), *graphs]):
            gn = ox.NamedNode(f"urn:test:g{i}")
            st.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), gn) for s, p, o in g)
        tbox, entailed = tbox_closure()
        st.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), TARGET) for s, p, o in entailed)
        schema = [ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), TARGET) for s, p, o in (*tbox, *entailed)
                  if not isinstance(s, BNode) and not isinstance(o, BNode)]
        report = materialise(st, TARGET, schema, load_rules()) if engine == "sparql" else one_pass(st, TARGET)
        got = {(q.subject, q.predicate, q.object) for q in st.quads_for_pattern(None, None, None, TARGET)}
        assert report.total == len(got) - len(entailed)
        out[engine] = got
    return out


def test_one_pass_engine_equals_the_sparql_rules_on_the_embedded_sample(embedded_assembled):
    got = both_engines(list(embedded_assembled.graphs.values()))
    assert len(got["sparql"]) == 9014  # the embedded build (support nodes of 12 triples)
    assert got["one-pass"] == got["sparql"]


def test_one_pass_engine_follows_schema_the_data_entails():
    """A property typed by a subclass of owl:TransitiveProperty in the data becomes transitive, as owlrl
    has it (the SPARQL engine's later rounds see only the ontology's schema, so it stops short there)."""
    ex = "https://example.org/"
    g = Graph()
    trans, p = URIRef(ex + "MyTransitive"), URIRef(ex + "partOf")
    g.add((trans, RDFS.subClassOf, OWL.TransitiveProperty))
    g.add((p, RDF.type, trans))
    g.add((p, RDFS.subPropertyOf, SKOS.related))
    for a, b in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]:
        g.add((URIRef(ex + a), p, URIRef(ex + b)))
    g.add((URIRef(ex + "a"), SKOS.related, Literal("x")))
    got = {tuple(ox_to_rdflib(x) for x in t) for t in both_engines([g])["one-pass"]}
    assert (URIRef(ex + "a"), p, URIRef(ex + "d")) in got
    assert (URIRef(ex + "d"), SKOS.related, URIRef(ex + "a")) in got
    terms = tbox_terms() | {trans, p}
    assert instance_triples(got, terms) == instance_triples(owlrl_closure([g]), terms)


def test_one_pass_engine_skips_inverse_property_expressions():
    """`[] owl:inverseOf p` (an OWL inverse property expression) names no predicate to derive with."""
    ex = "https://example.org/"
    g = Graph()
    p = URIRef(ex + "p")
    g.add((BNode(), OWL.inverseOf, p))
    g.add((URIRef(ex + "a"), p, URIRef(ex + "b")))
    got = both_engines([g])
    assert got["one-pass"] == got["sparql"]


def test_tbox_closure_is_small_and_closed():
    _tbox, entailed = tbox_closure()
    assert (
        SG.DurableSkillStatement,
        URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
        SKOS.Concept,
    ) in entailed


def test_reasoner_registry():
    assert set(REASONERS.keys()) == {"rules", "owlrl"}
    with pytest.raises(ValueError, match="valid reasoners are: owlrl, rules"):
        REASONERS.get("hermit")


def test_a_build_with_the_owlrl_reasoner_reads_its_data_from_the_store(tmp_path):
    """Reasoners take (store, target): owlrl reads the graphs the build loaded; on one small source it
    entails what the rules entail about that source's data."""
    from skillgraph import store
    from skillgraph.build import build

    got = {}
    for reasoner in ("owlrl", "rules"):
        d = tmp_path / reasoner
        build(d, only=["wef"], reasoner=reasoner, log=lambda m: None, export_formats=("nq",))
        st = store.open_read_only(d)
        wef = {q.subject for q in st.quads_for_pattern(None, None, None, ox.NamedNode(
            "https://w3id.org/skillgraph/graph/wef"))}
        got[reasoner] = {(ox_to_rdflib(q.subject), ox_to_rdflib(q.predicate), ox_to_rdflib(q.object))
                         for q in st.quads_for_pattern(None, None, None, TARGET) if q.subject in wef}
    terms = tbox_terms()
    assert instance_triples(got["owlrl"], terms) == instance_triples(got["rules"], terms) != set()
