"""ESCO v1.1.1 full export (../shared/data/esco/v1.1.1): counts against the source files, the customer service
representative's v1.1.1 profile, and the difference from the embedded sample (the seed's v1.2 profile).

Runs on the session's one full build (`full_build` in conftest.py) instead of mapping the export again: the
graph is the `esco` named graph of that build's store (copied into rdflib once), the counts and warnings
are the mapping report the build wrote to build.json.
"""
from __future__ import annotations

import csv
import gzip
import sys
from types import SimpleNamespace

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from skillgraph import iri
from skillgraph.mappings import BuildContext
from skillgraph.mappings.esco import MAPPING
from skillgraph.ontology import ESCO, SG
from tests.conftest import require_shared

csv.field_size_limit(sys.maxsize)
CSR = URIRef("http://data.europa.eu/esco/occupation/13d1b2b4-99dd-44da-9734-c9f74bae18f7")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def release(full_build):
    return require_shared(full_build.paths["esco"])


@pytest.fixture(scope="module")
def full(full_build):
    """The esco graph of the full build as an rdflib Graph, with the build's mapping report."""
    import pyoxigraph as ox

    st = full_build.store()
    data = st.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(iri.graph("esco"))))
    g = Graph()
    g.parse(data=data, format="nt")
    rep = full_build.info["sources"]["esco"]
    report = SimpleNamespace(counts=rep["counts"], details=rep["details"], warnings=rep["warnings"])
    return SimpleNamespace(graph=g, report=report, release=rep["release"], log=full_build.log,
                           reused=full_build.summary is None)


def records(path) -> list[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_counts_match_the_source_files(full, release):
    g, counts = full.graph, full.report.counts
    occ = records(release / "occupations_en.csv.gz")
    skills = records(release / "skills_en.csv.gz")
    rels = records(release / "occupationSkillRelations.csv.gz")
    assert (len(occ), len(skills), len(rels)) == (3007, 13896, 123855)
    assert len(set(g.subjects(RDF.type, ESCO.Occupation))) == counts["occupations"] == 3007
    assert len(set(g.subjects(RDF.type, ESCO.Skill))) == 13896
    assert (counts["skills"], counts["knowledge"], counts["skills with empty skillType"]) == (10831, 3059, 6)
    assert len(set(g.subjects(RDF.type, SG.SkillRelation))) == counts["occupation-skill relations"] == 123855
    assert len(set(g.subject_objects(ESCO.relatedEssentialSkill))) == 64946
    assert len(set(g.subject_objects(ESCO.relatedOptionalSkill))) == 58909
    # the same links from the skill's side, as ESCO's own RDF states them
    for fwd, inv in ((ESCO.relatedEssentialSkill, ESCO.isEssentialSkillFor),
                     (ESCO.relatedOptionalSkill, ESCO.isOptionalSkillFor)):
        assert {(o, s) for s, o in g.subject_objects(inv)} == set(g.subject_objects(fwd))
    assert len(set(g.subject_objects(ESCO.isEssentialSkillFor))) == 64946
    assert len(set(g.subject_objects(ESCO.isOptionalSkillFor))) == 58909
    assert counts["ISCO groups"] == 619 and counts["skill-skill relations"] == 5899
    assert full.release == "v1.1.1"


def test_empty_skill_types_are_handled_and_reported(full):
    counts, details = full.report.counts, full.report.details
    assert counts["occupation-skill relations (essential, empty skillType)"] == 1
    assert counts["occupation-skill relations (optional, empty skillType)"] == 4
    assert len(details["occupation-skill relations with empty skillType"]) == 5
    assert len(details["skills with empty skillType"]) == 6
    g = full.graph
    empties = [URIRef(x.split()[0]) for x in details["skills with empty skillType"]]
    assert all((s, RDF.type, SG.Competency) in g and (s, ESCO.skillType, None) not in g for s in empties)
    assert sum("empty skillType" in w for w in full.report.warnings) == 2


def test_csr_has_its_v111_profile(full):
    g = full.graph
    assert len(set(g.objects(CSR, ESCO.relatedEssentialSkill))) == 22
    assert len(set(g.objects(CSR, ESCO.relatedOptionalSkill))) == 14
    assert len(set(g.subjects(ESCO.isEssentialSkillFor, CSR))) == 22
    assert len(set(g.subjects(ESCO.isOptionalSkillFor, CSR))) == 14


DIFF = """
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?label ?kind WHERE {
  GRAPH <urn:embedded> { ?occ ?p ?skill . ?skill skos:prefLabel ?label .
                         VALUES (?p ?kind) { (esco:relatedEssentialSkill "essential")
                                             (esco:relatedOptionalSkill "optional") } }
  FILTER NOT EXISTS { GRAPH <urn:full> { ?occ ?p ?skill } }
}"""


def test_embedded_and_full_disagree_and_a_query_shows_how(full):
    from rdflib import Dataset

    emb = MAPPING.map(MAPPING.embedded_path(), BuildContext()).graph
    ds = Dataset()
    for name, g in (("urn:embedded", emb), ("urn:full", full.graph)):
        target = ds.graph(URIRef(name))
        for t in g.triples((CSR, None, None)):
            target.add(t)
        if name == "urn:embedded":
            for t in g.triples((None, None, None)):
                target.add(t)
    only_seed = {(str(r.label), str(r.kind)) for r in ds.query(DIFF, initBindings={"occ": CSR})}
    assert only_seed == {("identify customer's needs", "essential"), ("knowledge base", "essential")}
    reverse = DIFF.replace("urn:embedded", "urn:x").replace("urn:full", "urn:embedded").replace("urn:x", "urn:full")
    only_full = {(str(r.label), str(r.kind)) for r in ds.query(reverse, initBindings={"occ": CSR})}
    assert only_full == set()


def test_collections_hierarchy_and_dangling_reported(full):
    _g, counts = full.graph, full.report.counts
    assert counts["collection members (transversal-skills)"] == 96
    assert counts["collection members (digital-skills)"] == 1201
    assert counts["skill groups"] == 640 and counts["skill groups (from the skills hierarchy only)"] == 7
    assert any("67 occupation-skill relations point at concepts not defined" in w for w in full.report.warnings)


def test_full_graph_conforms_to_the_shapes(full):
    """The shapes on the full v1.1.1 graph (about 1.1 M triples): the build validated the esco graph with
    pySHACL and would have published nothing on a violation; its log says so."""
    assert len(full.graph) > 1_000_000
    if not full.reused:
        assert any(line.rstrip().endswith(")") and "validated esco: conforms" in line for line in full.log)
