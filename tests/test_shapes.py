"""Every SHACL shape has a conforming and a violating fixture, and the violating one fails on that shape.

Layout (after pySHACL's own tests): tests/fixtures/shapes/<source>/<ShapeLocalName>/{conforming,violating}.ttl,
where <source> is the shapes file ontology/shapes/<source>.ttl that declares the shape.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from skillgraph.ontology import load_ontology, shapes_dir
from skillgraph.validation import SH, SHAPES_NS, load_shapes, owning_shape, validate

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"


def declared_shapes() -> list[tuple[str, str]]:
    """(source, shape local name) for every sh:NodeShape declared in ontology/shapes/*.ttl."""
    out = []
    for f in sorted(shapes_dir().glob("*.ttl")):
        g = Graph().parse(f)
        for s in g.subjects(RDF.type, SH.NodeShape):
            if isinstance(s, URIRef) and str(s).startswith(SHAPES_NS):
                out.append((f.stem, str(s)[len(SHAPES_NS):]))
    return sorted(out)


SHAPES = declared_shapes()
ONTOLOGY = load_ontology()


def test_every_shape_has_fixtures_and_no_fixture_is_orphaned():
    fixture_dirs = sorted((p.parent.name, p.name) for p in FIXTURES.glob("*/*") if p.is_dir())
    assert fixture_dirs == SHAPES


@pytest.mark.parametrize("source,shape", SHAPES, ids=[f"{s}:{n}" for s, n in SHAPES])
def test_conforming_fixture_conforms(source, shape):
    data = Graph().parse(FIXTURES / source / shape / "conforming.ttl")
    res = validate(data, load_shapes([source] if source != "common" else []), ONTOLOGY)
    assert res.conforms, res.summary()


@pytest.mark.parametrize("source,shape", SHAPES, ids=[f"{s}:{n}" for s, n in SHAPES])
def test_violating_fixture_fails_on_that_shape(source, shape):
    shapes = load_shapes([source] if source != "common" else [])
    data = Graph().parse(FIXTURES / source / shape / "violating.ttl")
    res = validate(data, shapes, ONTOLOGY)
    assert not res.conforms
    failing = {owning_shape(shapes, s) for s in res.report.objects(None, SH.sourceShape)}
    assert URIRef(SHAPES_NS + shape) in failing, res.summary()


def test_shape_suite_size():
    """The exact number of declared shapes, so a shape lost from a file (or a stray filter) shows here;
    a new shape raises it by one, with its two fixtures."""
    assert len(SHAPES) == len({(s, n) for s, n in SHAPES}) == 61
