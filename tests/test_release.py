"""Reproducible releases: `skillgraph export --release DIR` on two builds of the same inputs."""
from __future__ import annotations

import hashlib

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from skillgraph import store as store_mod
from skillgraph.cli import main

pytestmark = pytest.mark.slow  # two whole builds of the embedded default (module fixture)

EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
DCTERMS = Namespace("http://purl.org/dc/terms/")
GRAPHS = ["aei", "aiwork", "crosswalk", "esco", "inferred", "jobmodel", "ladder", "nesta", "onet", "ontology",
          "pathsmith", "safi", "wef"]


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory):
    """Two builds of the embedded sources and a release of each, with SOURCE_DATE_EPOCH set."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = []
    try:
        for i in (1, 2):
            d = tmp_path_factory.mktemp(f"rel{i}")
            assert main(["build", "--store", str(d / "build")]) == 0
            assert main(["export", "--store", str(d / "build"), "--release", str(d / "release")]) == 0
            out.append((d / "build", d / "release" / "skillgraph-0.1.0"))
    finally:
        mp.undo()
    return out


def test_two_builds_give_identical_releases(two_releases):
    (b1, r1), (b2, r2) = two_releases
    assert store_mod.current_id(b1) != store_mod.current_id(b2)  # two distinct builds
    sums1, sums2 = (r1 / "SHA256SUMS").read_text(), (r2 / "SHA256SUMS").read_text()
    assert sums1 == sums2
    files = sorted(p.relative_to(r1).as_posix() for p in r1.rglob("*") if p.is_file())
    assert files == sorted([f"graphs/{g}.ttl" for g in GRAPHS] + ["sssom/crosswalk.sssom.tsv", "sssom/nesta.sssom.tsv",
                                                                   "skillgraph.nq", "void.ttl", "SHA256SUMS"])
    listed = {}
    for line in sums1.splitlines():
        h, rel = line.split("  ", 1)
        listed[rel] = h
    assert set(listed) == set(files) - {"SHA256SUMS"}
    for rel, h in listed.items():  # what `sha256sum -c SHA256SUMS` checks
        assert hashlib.sha256((r1 / rel).read_bytes()).hexdigest() == h
        assert (r1 / rel).read_bytes() == (r2 / rel).read_bytes()


def test_release_holds_the_build(two_releases):
    build, rel = two_releases[0]
    st = store_mod.open_read_only(build)
    ds = ox.Dataset(ox.parse((rel / "skillgraph.nq").read_bytes(), format=ox.RdfFormat.N_QUADS))
    assert len(ds) == len(st)
    for key in GRAPHS:
        g = ox.NamedNode(f"https://w3id.org/skillgraph/graph/{key}")
        want = Graph().parse(data=ox.serialize([ox.Triple(q.subject, q.predicate, q.object)
                                                for q in st.quads_for_pattern(None, None, None, g)],
                                               format=ox.RdfFormat.N_TRIPLES), format="nt")
        assert isomorphic(Graph().parse(rel / "graphs" / f"{key}.ttl", format="turtle"), want), key


def test_derived_graphs_carry_the_licences_of_their_inputs(two_releases):
    _, rel = two_releases[0]
    void = Graph().parse(rel / "void.ttl", format="turtle")
    def lic(key):
        return {
            str(o) for o in void.objects(URIRef(f"https://w3id.org/skillgraph/graph/{key}"), DCTERMS.license)
        }
    inputs = set().union(*(lic(k) for k in GRAPHS if k not in ("crosswalk", "inferred", "ontology")))
    assert inputs == {"http://data.europa.eu/eli/dec/2011/833/oj", "https://creativecommons.org/licenses/by/4.0/",
                      "https://opensource.org/licenses/MIT", "https://w3id.org/skillgraph/licence/unstated"}
    assert lic("crosswalk") == inputs
    assert lic("inferred") == inputs
    assert lic("esco") == {"http://data.europa.eu/eli/dec/2011/833/oj"}
    issued = void.value(URIRef("https://w3id.org/skillgraph/.well-known/void#dataset"), DCTERMS.issued)
    assert str(issued) == "2026-01-01"
    header = [
        line for line in (rel / "sssom" / "crosswalk.sssom.tsv").read_text().splitlines() if line.startswith("#license")
    ]
    assert header == ['#license: "https://w3id.org/skillgraph/graph/crosswalk"']
    assert '#license: "https://opensource.org/licenses/MIT"' in (rel / "sssom" / "nesta.sssom.tsv").read_text()
    created = {str(o) for o in Graph().parse(rel / "graphs" / "onet.ttl", format="turtle").objects(
        URIRef("https://w3id.org/skillgraph/graph/onet"), DCTERMS.created)}
    assert created == {"2026-01-01T00:00:00+00:00"}
