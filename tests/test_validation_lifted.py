"""SkillGraph validates property shapes over all focus nodes at once (validation.lift_property_shapes):
the violations must be exactly those pySHACL reports for the shapes as written, on the embedded build's
graphs and on the conforming and violating fixture of every shape."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from skillgraph.ontology import load_ontology
from skillgraph.validation import load_shapes, validate

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
CASES = sorted((p.parent.parent.name, p.parent.name, p.stem) for p in FIXTURES.glob("*/*/*.ttl"))
ONTOLOGY = load_ontology()


def both(data: Graph, shapes: Graph):
    lifted = validate(data, shapes, ONTOLOGY, lift=True)
    plain = validate(data, shapes, ONTOLOGY, lift=False)
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
