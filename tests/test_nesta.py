"""nesta: the ESCO -> O*NET occupation crosswalk carried to O*NET-SOC 2019, with confidence and provenance."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import SKOS

from skillgraph.errors import SourceError
from skillgraph.mappings import BuildContext
from skillgraph.mappings.nesta import CROSSWALK, MAPPING, TAXONOMY
from skillgraph.ontology import SEMAPV, SG, load_ontology
from skillgraph.validation import load_shapes, validate
from tests.conftest import require_shared

CSR = URIRef("http://data.europa.eu/esco/occupation/13d1b2b4-99dd-44da-9734-c9f74bae18f7")
ONET = "https://w3id.org/skillgraph/id/onet/occupation/"

ALIGN = """
PREFIX sg: <https://w3id.org/skillgraph/ontology#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?target ?p ?conf ?raw ?just ?rowId ?from ?to ?kind WHERE {
  ?a a sg:Alignment ; owl:annotatedSource ?occ ; owl:annotatedProperty ?p ; owl:annotatedTarget ?target ;
     sssom:confidence ?conf ; sg:sourceConfidence ?raw ; sssom:mapping_justification ?just ;
     prov:wasDerivedFrom ?row ; prov:wasGeneratedBy ?step .
  ?row dcterms:identifier ?rowId .
  ?step sg:fromCode ?from ; sg:toCode ?to ; sg:stepKind ?kind .
}"""


def rows(g, occ=CSR):
    return {(str(r.target)[len(ONET):], str(r.p).rsplit("#")[1], Decimal(str(r.conf)), Decimal(str(r.raw)),
             str(r.just).rsplit("/")[-1], str(r.rowId), str(r["from"]), str(r.to), str(r.kind))
            for r in g.query(ALIGN, initBindings={"occ": occ})}


def test_embedded_csr_maps_to_43_4051_00():
    res = MAPPING.map(MAPPING.embedded_path(), BuildContext())
    assert rows(res.graph) == {("43-4051.00", "closeMatch", Decimal("0.5"), Decimal("1"), "ManualMappingCuration",
                                "246", "43-4051.00", "43-4051.00", "unchanged")}
    assert (CSR, SKOS.closeMatch, URIRef(ONET + "43-4051.00")) in res.graph
    MAPPING.describe(res.graph, res.release, res.report)
    v = validate(res.graph, load_shapes(["nesta"]), load_ontology())
    assert v.conforms, v.summary()


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "nesta"
    shutil.copytree(MAPPING.embedded_path(), d)
    return d


def test_bad_header_and_values(tmp_path):
    d = _copy(tmp_path)
    f = d / CROSSWALK
    good = f.read_text(encoding="utf-8")
    f.write_text(good.replace("concept_uri", "uri", 1), encoding="utf-8")
    with pytest.raises(SourceError) as e:
        MAPPING.map(d, BuildContext())
    assert e.value.path.endswith(CROSSWALK) and e.value.line == 1 and "concept_uri" in str(e.value)
    f.write_text(good.replace(",1.0,http", ",high,http"), encoding="utf-8")
    with pytest.raises(SourceError) as e:
        MAPPING.map(d, BuildContext())
    assert (e.value.line, e.value.column) == (2, "confidence")
    f.write_text(good.replace(",43-4051.00,", ",43-9999.00,", 1), encoding="utf-8")
    with pytest.raises(SourceError, match="not in 2010_to_2019"):
        MAPPING.map(d, BuildContext())
    (d / TAXONOMY).unlink()
    with pytest.raises(SourceError, match=f"{TAXONOMY} not found"):
        MAPPING.map(d, BuildContext())


@pytest.fixture(scope="module")
def full(shared_data):
    require_shared(shared_data / "crosswalks" / "nesta_esco_onet_2020" / CROSSWALK)
    require_shared(shared_data / "onet" / "taxonomy" / TAXONOMY)
    return MAPPING.map(shared_data, BuildContext())


def test_full_csr_with_confidence_and_provenance(full):
    assert rows(full.graph) == {("43-4051.00", "closeMatch", Decimal("0.5"), Decimal("1"), "ManualMappingCuration",
                                 "246", "43-4051.00", "43-4051.00", "unchanged")}
    assert full.report.counts["crosswalk rows"] == 1680


def test_full_split_and_merge_steps_recorded(full):
    g = full.graph
    occ = URIRef(
        "http://data.europa.eu/esco/occupation/3c136897-4e0e-41ef-bb57-d8152323b93a"
    )  # business service manager
    got = rows(g, occ)
    assert {(t, c, j, f, k) for t, _, c, _, j, _, f, _, k in got} >= {
        ("11-3012.00", Decimal("0.25"), "MappingChaining", "11-3011.00", "split"),
        ("11-3013.00", Decimal("0.25"), "MappingChaining", "11-3011.00", "split")}
    kinds = {str(o) for o in g.objects(None, SG.stepKind)}
    assert kinds == {"unchanged", "renamed", "split", "merged"}
    several = full.report.details["ESCO occupations mapped to several O*NET-SOC 2019 codes"]
    assert len(several) == full.report.counts["ESCO occupations mapped to several 2019 codes"] == 67
    assert any(s.startswith(str(occ)) for s in several)
    merged = """PREFIX sg: <https://w3id.org/skillgraph/ontology#>
    SELECT ?to (COUNT(DISTINCT ?from) AS ?n) WHERE { ?s sg:stepKind "merged" ; sg:fromCode ?from ; sg:toCode ?to }
    GROUP BY ?to HAVING (COUNT(DISTINCT ?from) > 1)"""
    assert len(list(g.query(merged))) > 0
    just = {o for o in g.objects(None, URIRef("https://w3id.org/sssom/mapping_justification"))}
    assert just == {SEMAPV.ManualMappingCuration, SEMAPV.MappingChaining}


def test_full_conforms(full):
    MAPPING.describe(full.graph, full.release, full.report)
    v = validate(full.graph, load_shapes(["nesta"]), load_ontology())
    assert v.conforms, v.summary()
