"""ESCO: reader (v1.1 and v1.2 layouts, zip and folder, bad input), embedded sample, interoperability."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS

from skillgraph.errors import SourceError
from skillgraph.mappings import BuildContext
from skillgraph.mappings.esco import MAPPING
from skillgraph.mappings.esco_read import EscoRelease
from skillgraph.ontology import ESCO, SG, load_ontology
from skillgraph.validation import load_shapes, validate

FIX = Path(__file__).parent / "fixtures" / "esco"
CSR = URIRef("http://data.europa.eu/esco/occupation/13d1b2b4-99dd-44da-9734-c9f74bae18f7")
SEED = {  # the seed page's 39 concepts, by relation type
    "essential": {
        "customer service",
        "knowledge base",
        "process order forms with customer's information",
        "process data",
        "ensure client orientation",
        "apply conflict management",
        "implement customer follow-up",
        "process refunds",
        "identify customer's needs",
        "create solutions to problems",
        "perform escalation procedure",
        "communicate with customers",
        "provide information",
        "guarantee customer satisfaction",
        "determine charges for customer services",
        "manage schedule of tasks",
        "provide customer follow-up services",
        "process customer orders",
        "control of expenses",
        "have computer literacy",
        "keep records of customer interaction",
        "apply knowledge of human behaviour",
        "listen actively",
        "perform multiple tasks at the same time",
    },
    "optional": {
        "consumer protection",
        "data mining methods",
        "e-commerce systems",
        "sales activities",
        "relationship marketing",
        "show diplomacy",
        "use customer relationship management software",
        "contact customers",
        "measure customer feedback",
        "carry out active selling",
        "speak different languages",
        "use e-services",
        "facilitate official agreement",
        "perform data analysis",
        "upsell products",
    },
}
NO_ESCO_URI = {"relationship marketing"}  # see src/skillgraph/embedded/esco/README.md

PROFILE = """
PREFIX sg: <https://w3id.org/skillgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?label ?type WHERE {
  ?r a sg:SkillRelation ; sg:occupation ?occ ; sg:skill ?s ; sg:relationType ?type .
  ?s skos:prefLabel ?label .
}"""


def run(path: Path):
    res = MAPPING.map(path, BuildContext())
    return res


def profile(g: Graph, occ: URIRef = CSR) -> set[tuple[str, str]]:
    return {(str(r.label), str(r.type)) for r in g.query(PROFILE, initBindings={"occ": occ})}


@pytest.fixture(scope="module")
def embedded():
    return run(MAPPING.embedded_path())


def test_seed_list_has_39():
    assert (len(SEED["essential"]), len(SEED["optional"])) == (24, 15)


def test_embedded_sample_is_the_seed_profile(embedded):
    g = embedded.graph
    expected = {(lbl, t) for t, lbls in SEED.items() for lbl in lbls if lbl not in NO_ESCO_URI}
    assert profile(g) == expected
    ess = set(g.objects(CSR, ESCO.relatedEssentialSkill))
    opt = set(g.objects(CSR, ESCO.relatedOptionalSkill))
    assert (len(ess), len(opt)) == (24, 14)
    assert embedded.release == "v1.1.1-sample"
    assert embedded.report.warnings == []


def test_embedded_occupation_and_isco_chain(embedded):
    g = embedded.graph
    for t in (ESCO.Occupation, ESCO.MemberConcept, SKOS.Concept, SG.Occupation):
        assert (CSR, RDF.type, t) in g
    assert (CSR, SG.iscoCode, Literal("4225")) in g
    assert (CSR, SKOS.notation, Literal("4225.1")) in g
    chain = [str(x) for x in g.transitive_objects(CSR, SKOS.broader)][1:]
    assert chain == [f"http://data.europa.eu/esco/isco/C{c}" for c in ("4225", "422", "42", "4")]
    groups = set(g.subjects(RDF.type, SG.OccupationGroup))
    assert len(groups) == 4


def test_embedded_skill_types_and_reuse_levels(embedded):
    g = embedded.graph
    q = """PREFIX esco: <http://data.europa.eu/esco/model#>
    PREFIX sg: <https://w3id.org/skillgraph/ontology#>
    SELECT ?s ?cls ?type WHERE { ?s esco:skillType ?type ; a ?cls . FILTER(?cls IN (sg:Skill, sg:Knowledge)) }"""
    rows = {(str(r.cls).rsplit("#")[1], str(r.type).rsplit("/")[-1]) for r in g.query(q)}
    assert rows == {("Skill", "skill"), ("Knowledge", "knowledge")}
    assert len(set(g.subjects(RDF.type, SG.Knowledge))) == 6 and len(set(g.subjects(RDF.type, SG.Skill))) == 32
    assert all((s, ESCO.skillReuseLevel, None) in g for s in g.subjects(RDF.type, ESCO.Skill))


def test_embedded_conforms(embedded):
    MAPPING.describe(embedded.graph, embedded.release, embedded.report)
    res = validate(embedded.graph, load_shapes(["esco"]), load_ontology())
    assert res.conforms, res.summary()


def test_v12_layout_detected_and_read():
    folder = FIX / "v1.2-layout"
    with EscoRelease(folder) as rel:
        assert rel.layout == "v1.2"
        assert rel.release == "v1.2.x"
        assert "occupation_skill" in rel._files
    res = run(folder)
    g = res.graph
    assert profile(g) == {("perform escalation procedure", "essential"), ("knowledge base", "essential"),
                          ("ICT safety", "optional")}
    assert set(g.objects(CSR, SKOS.altLabel)) == {Literal("customer service officer", lang="en"),
                                                  Literal("customer relations officer", lang="en")}
    assert (CSR, SKOS.inScheme, URIRef("http://data.europa.eu/esco/concept-scheme/member-occupations")) in g
    # quirks: an empty skillType is reported (concept and relation), not dropped
    ict = URIRef("http://data.europa.eu/esco/skill/426ceaba-6867-481c-bb6b-aee3933da7d2")
    assert (ict, RDF.type, SG.Competency) in g and (CSR, ESCO.relatedOptionalSkill, ict) in g
    assert res.report.counts["skills with empty skillType"] == 1
    assert res.report.counts["occupation-skill relations (optional, empty skillType)"] == 1
    assert any("empty skillType" in w for w in res.report.warnings)
    # a short skillsHierarchy record is padded and counted
    assert res.report.details["records with trailing empty fields left out (padded)"] == {"hierarchy": 1}


def _zip(folder: Path, target: Path, inner: str) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.glob("*.csv")):
            z.write(f, f"{inner}/{f.name}")
    return target


@pytest.mark.parametrize("folder,inner,release", [
    (FIX / "v1.2-layout", "ESCO dataset - v1.2.0 - classification - en - csv", "v1.2.0"),
    (MAPPING.embedded_path() / "v1.1.1-sample", "ESCO dataset - v1.1.1 - classification - en - csv", "v1.1.1"),
])
def test_zip_and_folder_give_the_same_graph(tmp_path, folder, inner, release):
    z = _zip(folder, tmp_path / "esco.zip", inner)
    a, b = run(folder), run(z)
    assert isomorphic(a.graph, b.graph)
    assert b.release == release


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "esco"
    shutil.copytree(MAPPING.embedded_path() / "v1.1.1-sample", d)
    return d


def test_bad_header_names_file_and_column(tmp_path):
    d = _copy(tmp_path)
    f = d / "skills_en.csv"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("skillType", "skill_type", 1), encoding="utf-8")
    with pytest.raises(SourceError) as e:
        run(d)
    assert e.value.path.endswith("skills_en.csv") and e.value.line == 1 and e.value.column == "skillType"


def test_bad_header_in_zip_names_member(tmp_path):
    d = _copy(tmp_path)
    f = d / "occupationSkillRelations.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("relationType", "relation", 1), encoding="utf-8")
    z = _zip(d, tmp_path / "esco.zip", "x")
    with pytest.raises(SourceError) as e:
        run(z)
    assert e.value.path.endswith("esco.zip!x/occupationSkillRelations.csv") and e.value.column == "relationType"


def test_bad_value_names_line_and_column(tmp_path):
    d = _copy(tmp_path)
    f = d / "occupationSkillRelations.csv"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",optional,", ",mandatory,").replace(",essential,", ",mandatory,")
    f.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceError) as e:
        run(d)
    assert (e.value.line, e.value.column) == (4, "relationType") and "mandatory" in str(e.value)


def test_bad_uri_and_missing_table(tmp_path):
    d = _copy(tmp_path)
    f = d / "occupations_en.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("http://data.europa.eu/esco/occupation/", "urn:x:", 1),
                 encoding="utf-8")
    with pytest.raises(SourceError) as e:
        run(d)
    assert e.value.line == 2 and e.value.column == "conceptUri"
    (d / "skills_en.csv").unlink()
    with pytest.raises(SourceError, match="missing skills_en.csv"):
        run(d)


def test_mixed_layouts_refused(tmp_path):
    d = _copy(tmp_path)
    shutil.copy(FIX / "v1.2-layout" / "skillSkillRelations_en.csv", d)
    with pytest.raises(SourceError, match="mixed ESCO layouts"):
        run(d)


JOIN = """
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX sg: <https://w3id.org/skillgraph/ontology#>
SELECT ?skill ?labelDe ?sgClass ?reuse ?text WHERE {
  GRAPH <urn:partner> {
    ?occ a esco:Occupation ; esco:relatedEssentialSkill ?skill ; dct:description/esco:nodeLiteral ?text .
    ?skill a esco:Skill ; esco:skillType ?type ; esco:skillReuseLevel ?reuse ; skos:prefLabel ?labelDe .
    FILTER(LANG(?labelDe) = "de")
    ?assoc a esco:AssociationObject ; esco:isAssociationFor ?occ ; esco:target ?skill .
  }
  GRAPH <urn:skillgraph> {
    ?occ a esco:Occupation , esco:MemberConcept ; esco:relatedEssentialSkill ?skill ;
         dct:description/esco:nodeLiteral ?text .
    ?skill a esco:Skill , ?sgClass ; esco:skillType ?type ; esco:skillReuseLevel ?reuse .
    FILTER(?sgClass IN (sg:Skill, sg:Knowledge))
    ?rel a sg:SkillRelation ; sg:occupation ?occ ; sg:skill ?skill ; sg:relationType "essential" .
  }
}"""


def test_partner_with_escos_own_rdf_joins_on_iris_types_and_properties(embedded):
    ds = Dataset()
    ds.graph(URIRef("urn:partner")).parse(FIX / "esco_published_model.ttl")
    mine = ds.graph(URIRef("urn:skillgraph"))
    for t in embedded.graph:
        mine.add(t)
    rows = {
        (
            str(r.skill).rsplit("/", 1)[1],
            str(r.labelDe),
            str(r.sgClass).rsplit("#", 1)[1],
            str(r.reuse).rsplit("/", 1)[1],
        )
        for r in ds.query(JOIN)
    }
    assert rows == {
        ("946c1229-1171-40d4-82cc-fe3f483ca100", "Eskalationsverfahren durchführen", "Skill", "cross-sector")
    }
    # the other essential skill joins too once the association object (absent from the partner data) is not required
    q2 = JOIN.replace("?assoc a esco:AssociationObject ; esco:isAssociationFor ?occ ; esco:target ?skill .", "")
    rows2 = {str(r.labelDe) for r in ds.query(q2)}
    assert rows2 == {"Eskalationsverfahren durchführen", "Kundendienst"}


# Every term SkillGraph uses in ESCO's namespace, each one stated in ESCO's published model or RDF
# (http://data.europa.eu/esco/model#): classes and properties of the SKOS-RDF download.
ESCO_MODEL_TERMS = {"Occupation", "Skill", "MemberConcept", "NodeLiteral", "AssociationObject",
                    "nodeLiteral", "language", "isAssociationFor", "target", "skillType", "skillReuseLevel",
                    "regulatedProfessionNote", "referenceLanguage", "relatedEssentialSkill", "relatedOptionalSkill",
                    "isEssentialSkillFor", "isOptionalSkillFor"}


def test_no_term_is_minted_in_escos_namespace(embedded):
    import re

    from skillgraph.ontology import shapes_dir

    root = Path(__file__).parent.parent
    used = {str(t)[len(str(ESCO)):] for triple in embedded.graph for t in triple
            if isinstance(t, URIRef) and str(t).startswith(str(ESCO))}
    texts = [root / "mappings" / "esco.py", root / "src" / "skillgraph" / "crosswalk" / "inputs.py",
             root / "ontology" / "skillgraph.ttl", *shapes_dir().glob("*.ttl"), *(root / "queries").glob("*.rq")]
    assert len(texts) >= 5
    for f in texts:
        used |= set(re.findall(r"\besco:([A-Za-z]\w*)\b(?!\*)", f.read_text(encoding="utf-8")))
        used |= set(re.findall(r"\bESCO\.([A-Za-z]\w*)", f.read_text(encoding="utf-8")))
    assert {"relatedEssentialSkill", "isEssentialSkillFor", "relatedOptionalSkill", "isOptionalSkillFor"} <= used
    assert used - ESCO_MODEL_TERMS == set()


def test_occupation_skill_links_in_both_directions_as_esco_states_them(embedded):
    g = embedded.graph
    for fwd, inv, n in ((ESCO.relatedEssentialSkill, ESCO.isEssentialSkillFor, 24),
                        (ESCO.relatedOptionalSkill, ESCO.isOptionalSkillFor, 14)):
        pairs = set(g.subject_objects(fwd))
        assert len(pairs) == n
        assert {(o, s) for s, o in g.subject_objects(inv)} == pairs
    assert not any(str(p).endswith(("hasEssentialSkill", "hasOptionalSkill")) for p in g.predicates())


# Queries written the way ESCO's model documentation describes the occupation profile: the
# occupation's essential and optional skills (esco:relatedEssentialSkill / esco:relatedOptionalSkill)
# and, from the skill's side, the occupations it is essential or optional for
# (esco:isEssentialSkillFor / esco:isOptionalSkillFor).
ESCO_PROFILE = """
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?skill ?kind WHERE {
  { ?occ esco:relatedEssentialSkill ?skill . BIND("essential" AS ?kind) }
  UNION { ?occ esco:relatedOptionalSkill ?skill . BIND("optional" AS ?kind) }
  ?skill a esco:Skill ; skos:prefLabel ?label .
  FILTER(LANG(?label) = "en")
}"""

ESCO_SKILL_OCCUPATIONS = """
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?occ ?occLabel ?kind WHERE {
  GRAPH <urn:partner> { ?skill a esco:Skill ; skos:prefLabel ?labelDe . FILTER(LANG(?labelDe) = "de") }
  GRAPH <urn:skillgraph> {
    { ?skill esco:isEssentialSkillFor ?occ . BIND("essential" AS ?kind) }
    UNION { ?skill esco:isOptionalSkillFor ?occ . BIND("optional" AS ?kind) }
    ?occ a esco:Occupation ; skos:prefLabel ?occLabel .
  }
}"""

PARTNER_SKILL_SIDE = """
PREFIX esco: <http://data.europa.eu/esco/model#>
SELECT ?skill WHERE {
  GRAPH <urn:partner> { ?skill esco:isEssentialSkillFor ?occ }
  GRAPH <urn:skillgraph> { ?occ esco:relatedEssentialSkill ?skill . ?skill esco:isEssentialSkillFor ?occ }
}"""


def test_escos_documented_queries_join_on_this_graph(embedded):
    g = embedded.graph
    rows = {(str(r.skill), str(r.kind)) for r in g.query(ESCO_PROFILE, initBindings={"occ": CSR})}
    assert len(rows) == 38
    assert {k for _, k in rows} == {"essential", "optional"}
    assert sum(k == "essential" for _, k in rows) == 24
    assert rows == {(str(s), k) for s, k in
                    [(s, "essential") for s in g.objects(CSR, ESCO.relatedEssentialSkill)]
                    + [(s, "optional") for s in g.objects(CSR, ESCO.relatedOptionalSkill)]}

    ds = Dataset()
    ds.graph(URIRef("urn:partner")).parse(FIX / "esco_published_model.ttl")
    mine = ds.graph(URIRef("urn:skillgraph"))
    for t in g:
        mine.add(t)
    rows = {(str(r.occ), str(r.occLabel), str(r.kind)) for r in ds.query(ESCO_SKILL_OCCUPATIONS)}
    assert rows == {(str(CSR), "customer service representative", "essential")}
    skills = {str(r.skill).rsplit("/", 1)[1] for r in ds.query(PARTNER_SKILL_SIDE)}
    assert skills == {"946c1229-1171-40d4-82cc-fe3f483ca100", "15a33d76-4640-438d-ae64-fdc0c1d3eebc"}
