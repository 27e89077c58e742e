"""The ontology file and the closed Python namespace stay in sync; every term is documented."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from skillgraph.ontology import SG, load_ontology, ontology_path

ROOT = Path(__file__).resolve().parent.parent


def _gen():
    spec = importlib.util.spec_from_file_location("gen_namespace", ROOT / "scripts" / "gen_namespace.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_namespace_module_matches_ontology_file():
    gen = _gen()
    expected = gen.render(gen.ontology_terms(ontology_path()))
    actual = (ROOT / "ontology" / "namespace.py").read_text(encoding="utf-8")
    assert actual == expected, "run `python scripts/gen_namespace.py` and review the diff"


def test_closed_namespace_raises_on_typo():
    with pytest.raises(AttributeError):
        SG.Ocupation  # noqa: B018
    assert SG.Occupation == URIRef("https://w3id.org/skillgraph/ontology#Occupation")


TERMS = _gen().ontology_terms(ontology_path())
ONTOLOGY_FILE = Graph().parse(ontology_path())


@pytest.mark.parametrize("name", TERMS)
def test_every_term_has_label_and_definition(name):
    g = ONTOLOGY_FILE
    t = URIRef(str(SG) + name)
    labels = [label for label in g.objects(t, RDFS.label) if getattr(label, "language", None) == "en"]
    defs = [d for d in g.objects(t, SKOS.definition) if getattr(d, "language", None) == "en"]
    assert labels, f"sg:{name} has no English rdfs:label"
    assert defs, f"sg:{name} has no English skos:definition"


def test_term_count():
    assert len(TERMS) >= 100


def test_proficiency_scale_bands_cover_onet_level_range_without_gaps():
    g = load_ontology()
    q = """SELECT ?l ?rank ?min ?max WHERE { ?l a sg:ProficiencyLevel ; sg:rank ?rank ;
           sg:onetLevelMin ?min ; sg:onetLevelMax ?max } ORDER BY ?rank"""
    rows = [(int(r.rank), float(r.min), float(r.max)) for r in g.query(q, initNs={"sg": SG})]
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert rows[0][1] == 0.0 and rows[-1][2] == 7.0
    for (_, _, hi), (_, lo, _) in zip(rows, rows[1:], strict=False):
        assert hi == lo
