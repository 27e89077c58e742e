"""SkillGraph validates property shapes over all focus nodes at once (validation.lift_property_shapes),
through an index view of the data with value nodes read from its indexes (skillgraph.fastgraph): the
violations must be exactly those plain pySHACL reports for the shapes as written over the graph as it is,
on the embedded build's graphs and on the conforming and violating fixture of every shape."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, SKOS

from skillgraph.ontology import load_ontology
from skillgraph.validation import SH, load_shapes, validate

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
CASES = sorted((p.parent.parent.name, p.parent.name, p.stem) for p in FIXTURES.glob("*/*/*.ttl"))
ONTOLOGY = load_ontology()


def both(data: Graph, shapes: Graph):
    lifted = validate(data, shapes, ONTOLOGY, lift=True, fast=True)
    plain = validate(data, shapes, ONTOLOGY, lift=False, fast=False)
    assert (None, SH.result, None) in lifted.report or lifted.conforms  # a SHACL report, with its results
    return lifted, plain


def test_case_count():
    # a conforming and a violating fixture per declared shape (tests/test_shapes.py checks the pairing)
    shapes = {(s, n) for s, n, _ in CASES}
    assert len(CASES) == 2 * len(shapes) and len(shapes) == len({p.parent for p in FIXTURES.glob("*/*/*.ttl")})


@pytest.mark.parametrize("source,shape,case", CASES, ids=[f"{s}:{n}:{c}" for s, n, c in CASES])
def test_fixture_gives_the_same_violations_as_plain_pyshacl(source, shape, case):
    data = Graph().parse(FIXTURES / source / shape / f"{case}.ttl")
    lifted, plain = both(data, load_shapes([source] if source != "common" else []))
    assert lifted.conforms == plain.conforms == (case == "conforming")
    assert lifted.violations == plain.violations


def test_embedded_graphs_give_the_same_violations_as_plain_pyshacl(embedded_assembled):
    checked = 0
    for key, g in embedded_assembled.graphs.items():
        lifted, plain = both(g, load_shapes([key]))
        assert lifted.conforms == plain.conforms, key
        assert lifted.violations == plain.violations, key
        checked += 1
    assert checked == len(embedded_assembled.graphs) == 11


def test_a_broken_embedded_graph_gives_the_same_violations_as_plain_pyshacl(embedded_assembled):
    """Violations in bulk: every third triple of the O*NET sample removed."""
    g = Graph()
    for i, t in enumerate(sorted(embedded_assembled.graphs["onet"])):
        if i % 3:
            g.add(t)
    lifted, plain = both(g, load_shapes(["onet"]))
    assert not plain.conforms and len(plain.violations) > 100
    assert lifted.violations == plain.violations


def test_the_index_view_is_used_only_where_it_is_exactly_the_graph():
    from rdflib import Dataset

    from skillgraph.fastgraph import fast_view

    g = Graph().parse(FIXTURES / "onet" / "OnetTaskShape" / "violating.ttl")
    view = fast_view(g)
    assert view is not None and set(view) == set(g) and len(view) == len(g)
    ds = Dataset()
    ds.graph(g.identifier).parse(FIXTURES / "onet" / "OnetTaskShape" / "violating.ttl")
    ds.graph("urn:other").add(next(iter(g)))
    assert fast_view(ds.graph(g.identifier)) is None  # a store holding several graphs: validated as it is


def test_a_sparql_constraint_parsed_once_still_binds_each_focus_node():
    """fastgraph.parse_once: the constraint's text is parsed once for every focus node; each node is still
    checked on its own: of two alignments, only the one without its plain triple violates, as in pySHACL."""
    data = Graph().parse(FIXTURES / "nesta" / "NestaAlignmentShape" / "violating.ttl")
    first = next(data.subjects(predicate=OWL.annotatedSource))
    second = URIRef(str(first) + "0")
    for p, o in list(data.predicate_objects(first)):
        data.add((second, p, o))
    data.add((second, OWL.annotatedTarget, URIRef("https://w3id.org/skillgraph/id/onet/occupation/43-4051.03")))
    data.remove((second, OWL.annotatedTarget, data.value(first, OWL.annotatedTarget)))
    data.add((data.value(second, OWL.annotatedSource), SKOS.closeMatch, data.value(second, OWL.annotatedTarget)))
    lifted, plain = both(data, load_shapes(["nesta"]))
    sparql = [v for v in lifted.violations if "plain triple" in v.message]
    assert [v.focus for v in sparql] == [first.n3()]
    assert lifted.violations == plain.violations
