"""The seed frameworks (pathsmith, ladder, aiwork, safi, jobmodel, wef): embedded content as the seeds
give it, the documented table formats for other occupations, and bad tables."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from skillgraph.errors import SourceError
from skillgraph.mappings import SOURCES, BuildContext
from skillgraph.ontology import SG, load_ontology
from skillgraph.validation import load_shapes, validate

ID = "https://w3id.org/skillgraph/id/"
OCC = URIRef(ID + "onet/occupation/43-4051.00")
FRAMEWORKS = ("pathsmith", "ladder", "aiwork", "safi", "jobmodel", "wef")
SHARED = {SG.Foundational: 1, SG.Intermediate: 2, SG.Advanced: 3, SG.Expert: 4}
PREFIXES = f"""PREFIX sg: <{SG}> PREFIX skos: <{SKOS}> PREFIX xsd: <{XSD}>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def mapped(source: str, path: Path | None = None) -> Graph:
    m = SOURCES.get(source)
    res = m.map(path or m.embedded_path(), BuildContext())
    m.describe(res.graph, res.release, res.report)
    return res.graph


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    return {k: mapped(k) for k in FRAMEWORKS}


def select(g: Graph, q: str) -> set[tuple]:
    return {tuple(r) for r in g.query(PREFIXES + q)}


# -- embedded content -------------------------------------------------------------------------

def test_all_six_registered():
    assert set(FRAMEWORKS) <= set(SOURCES.keys())


@pytest.mark.parametrize("source", FRAMEWORKS)
def test_embedded_graph_conforms(graphs, source):
    res = validate(graphs[source], load_shapes([source]), load_ontology(), label=source)
    assert res.conforms, res.summary()


def test_pathsmith_domains_and_levels(graphs):
    g = graphs["pathsmith"]
    rows = select(g, f"""SELECT ?domain ?pos (COUNT(?s) AS ?n) WHERE {{
        ?s a sg:DurableSkillStatement ; sg:inDomain ?d ; sg:occupation <{OCC}> .
        ?d skos:prefLabel ?domain ; sg:position ?pos }} GROUP BY ?domain ?pos""")
    counts = [(str(d), int(n)) for d, p, n in sorted(rows, key=lambda r: int(r[1]))]
    assert counts == [("Communication", 12), ("Leadership", 8), ("Metacognition", 8), ("Critical Thinking", 8),
                      ("Collaboration", 8), ("Character", 8), ("Creativity", 8), ("Growth Mindset", 8),
                      ("Mindfulness", 8), ("Fortitude", 8)]
    assert sum(n for _, n in counts) == 84
    # every statement: its level follows from its position (Communication 3 per level, others 2)
    levels = select(g, """SELECT ?s ?pos ?n ?shared ?rank WHERE {
        ?s a sg:DurableSkillStatement ; sg:position ?pos ; sg:inDomain ?d ; sg:proficiencyLevel ?shared ;
           sg:sourceLevel ?lv . ?lv sg:rank ?rank ; sg:mapsToLevel ?shared .
        { SELECT ?d (COUNT(?x) AS ?n) WHERE { ?x sg:inDomain ?d } GROUP BY ?d } }""")
    assert len(levels) == 84
    for _s, pos, n, shared, rank in levels:
        per = int(n) // 4
        assert int(rank) == (int(pos) - 1) // per + 1 == SHARED[shared]
    assert {(label, int(c)) for label, c in select(g, """SELECT ?l (COUNT(?s) AS ?c) WHERE {
        ?s a sg:DurableSkillStatement ; sg:proficiencyLevel ?l } GROUP BY ?l""")} == {(lv, 21) for lv in SHARED}


def test_escalation_summarization_is_communication_level_3(graphs):
    rows = select(graphs["pathsmith"], """SELECT ?s ?domain ?shared ?notation ?text WHERE {
        ?s skos:prefLabel "Escalation summarization"@en ; sg:inDomain/skos:prefLabel ?domain ;
           sg:proficiencyLevel ?shared ; sg:sourceLevel/skos:notation ?notation ; sg:statementText ?text }""")
    assert len(rows) == 1
    _s, domain, shared, notation, text = rows.pop()
    assert (str(domain), shared, str(notation)) == ("Communication", SG.Advanced, "3")
    assert str(text).startswith("prepares precise verbal and written summaries of unresolved grievances")


def test_pathsmith_citations_and_anchor_set(graphs):
    g = graphs["pathsmith"]
    cites = select(g, """SELECT ?title (COUNT(?s) AS ?n) WHERE { ?s sg:cites ?c . ?c a sg:CitedSource ;
        dcterms:title ?title } GROUP BY ?title""")
    by = {str(t): int(n) for t, n in cites}
    assert set(by) == {"Pathsmith Durable Skills Framework — America Succeeds + CompTIA",
                       "O*NET Resource Center — Occupational Information Network, v30.2 (Sept 2025)"}
    assert by["Pathsmith Durable Skills Framework — America Succeeds + CompTIA"] == 79
    assert by["O*NET Resource Center — Occupational Information Network, v30.2 (Sept 2025)"] == 39
    assert not select(g, "SELECT ?s WHERE { ?s a sg:DurableSkillStatement FILTER NOT EXISTS { ?s sg:cites ?c } }")
    members = {str(m)[len(ID + "onet/task/"):] for (m,) in select(g, f"""SELECT ?m WHERE {{
        <{ID}pathsmith/anchor-set/43-4051.00> a skos:Collection ; sg:occupation <{OCC}> ; skos:member ?m }}""")}
    assert members == {"18565", "2578", "2580", "2581", "2582", "2583", "2584"}
    assert not list(g.triples((None, SG.anchoredTo, None)))  # the page pairs no statement with a task


def test_crosswalk_reads_pathsmith(graphs):
    from skillgraph.crosswalk.inputs import gather

    inp = gather({"onet": mapped("onet"), "pathsmith": graphs["pathsmith"]})  # anchor sets: tasks of the O*NET graph
    assert len(inp.statements) == 84
    assert sum(1 for s in inp.statements.values() if s.cites_onet) == 39
    assert all(s.occupations == {OCC} and s.level in SHARED for s in inp.statements.values())
    (members,) = inp.anchor_sets["pathsmith"].values()
    assert len(members) == 7


def test_ladder_40_statements_10_per_tier(graphs):
    g = graphs["ladder"]
    per = select(g, f"""SELECT ?l (COUNT(?s) AS ?n) WHERE {{ ?s a sg:MasteryStatement ; sg:proficiencyLevel ?l ;
        sg:occupation <{OCC}> }} GROUP BY ?l""")
    assert {(level, int(n)) for level, n in per} == {(lv, 10) for lv in SHARED}
    first = select(g, """SELECT ?label ?text ?l WHERE { ?s a sg:MasteryStatement ; sg:position 1 ;
        skos:prefLabel ?label ; sg:statementText ?text ; sg:proficiencyLevel ?l }""")
    assert first == {(Literal("Account lookups and identity verification", lang="en"),
                      Literal("perform per company script across the standard contact channels.", lang="en"),
                      SG.Foundational)}
    assert select(
        g, 'SELECT ?l WHERE { ?s skos:prefLabel "Team supervision (10–20 reps)"@en ; sg:proficiencyLevel ?l }'
    ) == {(SG.Expert,)}


def test_aiwork_12_statements_3_per_level_with_citations(graphs):
    g = graphs["aiwork"]
    per = select(
        g, "SELECT ?l (COUNT(?s) AS ?n) WHERE { ?s a sg:AIPracticeStatement ; sg:proficiencyLevel ?l } GROUP BY ?l"
    )
    assert {(level, int(n)) for level, n in per} == {(lv, 3) for lv in SHARED}
    cites = {
        str(t): int(n)
        for t, n in select(
            g,
            """SELECT ?t (COUNT(?s) AS ?n) WHERE {
        ?s a sg:AIPracticeStatement ; sg:cites ?c . ?c rdfs:label ?t } GROUP BY ?t""",
        )
    }
    assert cites == {
        "Anthropic Economic Index — release_2026_03_24": 9,
        "Skill Automation Feasibility Index — Jadhav & Danve, 2026 (arXiv:2604.06906)": 4,
        "WEF Skills Taxonomy 2021 — Building a Common Language for Skills at Work": 3,
    }
    # the AEI citation is the aei graph's own release IRI, so the two graphs join
    assert (URIRef(ID + "aei/release/release_2026_03_24"), RDF.type, SG.CitedSource) in g


def test_safi_figures_as_in_the_seed(graphs):
    rows = select(
        graphs["safi"],
        f"""SELECT ?score ?skill ?precision ?paper WHERE {{
        ?a a sg:AutomationFeasibility ; sg:occupation <{OCC}> ; sg:safiScore ?score ; sg:topSkill ?skill ;
           sg:precision ?precision ; sg:cites ?c . ?c dcterms:title ?paper }}""",
    )
    assert len(rows) == 1
    score, skill, precision, paper = rows.pop()
    assert score.datatype == XSD.decimal and Decimal(str(score)) == Decimal("57.3")
    assert skill == URIRef(ID + "onet/element/2.B.1.f")
    assert str(precision) == "category_estimate"
    assert str(paper) == "Skill Automation Feasibility Index — Jadhav & Danve, 2026 (arXiv:2604.06906)"


def test_jobmodel_core_and_library(graphs):
    g = graphs["jobmodel"]
    role = URIRef(ID + "jobmodel/role/customer-service-representative")
    core = {str(label) for (label,) in select(g, f"SELECT ?l WHERE {{ <{role}> sg:coreCompetency/skos:prefLabel ?l }}")}
    assert core == {
        "Service Focus",
        "Accountability",
        "Composure and Resiliency",
        "Professionalism",
        "Time Management",
        "Communicating",
    }
    assert len(select(g, f"SELECT ?c WHERE {{ <{role}> sg:coreCompetency ?c . ?c skos:definition ?d }}")) == 6
    sizes = {
        str(c): int(n)
        for c, n in select(
            g,
            """SELECT ?c (COUNT(?x) AS ?n) WHERE {
        ?x a sg:JobModelCompetency ; sg:inDomain/skos:prefLabel ?c } GROUP BY ?c""",
        )
    }
    assert sizes == {
        "Leading": 12,
        "Active Communication": 6,
        "Interpersonal Dynamics": 7,
        "Making Decisions": 5,
        "Solving Problems": 5,
        "Managing Processes": 9,
        "Self-Management": 12,
    }
    assert (role, SKOS.closeMatch, OCC) in g and (role, RDF.type, SG.Occupation) in g
    alt = {str(a) for a in g.objects(role, SKOS.altLabel)}
    assert alt == {"Customer Service Agent", "Client Services Representative", "Customer Care Representative",
                   "Sales Coordinator", "Claims Representative"}  # the sixth equals the prefLabel
    assert len(set(g.objects(role, SG.representativeBehavior))) == 6


def test_wef_attested_cluster_only(graphs):
    g = graphs["wef"]
    cluster = URIRef(ID + "wef/cluster/human_technology_interaction")
    assert select(g, f"SELECT ?l ?n WHERE {{ <{cluster}> a sg:Domain ; skos:prefLabel ?l ; skos:notation ?n }}") == {
        (Literal("Human-Technology Interaction", lang="en"), Literal("human_technology_interaction"))
    }
    assert (OCC, SG.skillCluster, cluster) in g
    assert not list(g.subjects(RDF.type, SG.DurableSkill))  # no invented taxonomy entries


@pytest.mark.parametrize("source", FRAMEWORKS)
def test_graph_does_not_depend_on_where_the_tables_are(tmp_path, source):
    m = SOURCES.get(source)
    copy = tmp_path / source
    shutil.copytree(m.embedded_path(), copy, ignore=shutil.ignore_patterns("README.md"))
    a = m.map(m.embedded_path(), BuildContext()).graph
    b = m.map(copy, BuildContext()).graph
    assert isomorphic(a, b)


@pytest.mark.slow
def test_embedded_tables_match_the_seeds(tmp_path, monkeypatch):
    """The generator, run on the seeds, writes exactly the committed embedded tables."""
    from tests.conftest import ROOT, require_shared

    seeds = require_shared(ROOT.parent / "shared" / "seeds")
    onet = require_shared(ROOT.parent / "shared" / "data" / "onet" / "30.1" / "Task Statements.xlsx").parent
    import importlib.util

    spec = importlib.util.spec_from_file_location("mef", ROOT / "scripts" / "make_embedded_frameworks.py")
    mef = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mef)
    monkeypatch.setattr(mef, "EMBEDDED", tmp_path)
    monkeypatch.setattr(mef, "ROOT", tmp_path.parent)
    mef.main(["--seeds", str(seeds), "--onet", str(onet)])
    embedded = ROOT / "src" / "skillgraph" / "embedded"
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == 15
    for rel in written:
        assert (tmp_path / rel).read_text(encoding="utf-8") == (embedded / rel).read_text(encoding="utf-8"), rel


# -- other occupations in the documented formats ----------------------------------------------


def test_pathsmith_other_occupation(fixtures_dir):
    g = mapped("pathsmith", fixtures_dir / "pathsmith" / "other-occupation")
    other = URIRef(ID + "onet/occupation/41-2031.00")
    levels = select(
        g, f"SELECT ?label ?l WHERE {{ ?s sg:occupation <{other}> ; skos:prefLabel ?label ; sg:proficiencyLevel ?l }}"
    )
    assert len(levels) == 8
    assert (Literal("Stock check", lang="en"), SG.Foundational) in levels
    assert (Literal("Sales culture building", lang="en"), SG.Expert) in levels
    assert select(g, 'SELECT ?t WHERE { ?s skos:prefLabel "Cross-store liaison"@en ; sg:anchoredTo ?t }') == {
        (URIRef(ID + "onet/task/11111"),),
        (URIRef(ID + "onet/task/22222"),),
    }
    # embedded domains and citations apply; the folder's citations.csv adds its own key
    assert select(g, f"SELECT ?d WHERE {{ ?s sg:occupation <{other}> ; sg:inDomain/skos:prefLabel ?d }}") == {
        (Literal("Collaboration", lang="en"),)
    }
    assert (URIRef(ID + "pathsmith/cited-source/test-retail-guide"), RDF.type, SG.CitedSource) in g
    assert not list(g.subjects(SG.occupation, OCC))  # only the given table's statements
    res = validate(g, load_shapes(["pathsmith"]), load_ontology())
    assert res.conforms, res.summary()


def test_a_citation_is_o_net_by_its_url_never_by_its_title(tmp_path):
    """A user's citations.csv: the row on O*NET's publisher site cites O*NET whatever its label; the row
    titled and labelled O*NET, published elsewhere, does not. The crosswalk reads only the stated link."""
    from skillgraph import iri
    from skillgraph.crosswalk.inputs import gather

    (tmp_path / "citations.csv").write_text(
        "key,label,title,publisher,version,url,rights,iri\n"
        "db,Occupational database,Database of work,A public agency,29,https://www.onetonline.org/,,\n"
        "page,O*NET v30.2,O*NET enrichment page,A site,,https://example.org/onet-enrichment,,\n", encoding="utf-8")
    (tmp_path / "statements.csv").write_text(
        HEADER + "43-4051.00,1,communication,1,Listening,listens,db,\n"
        "43-4051.00,2,communication,2,Greeting,greets the customer,page,\n", encoding="utf-8")
    g = mapped("pathsmith", tmp_path)
    cited = URIRef(ID + "pathsmith/cited-source/")
    assert set(g.subject_objects(DCTERMS.isVersionOf)) == {(URIRef(cited + "db"), iri.onet.DATABASE)}
    assert validate(g, load_shapes(["pathsmith"]), load_ontology()).conforms
    statements = gather({"onet": mapped("onet"), "pathsmith": g}).statements
    assert {str(s).rsplit("-", 1)[1]: st.cites_onet for s, st in statements.items()} == {"1": True, "2": False}


@pytest.mark.parametrize("source,path,occupation,count", [
    ("ladder", "ladder/other-occupation.csv", "41-2031.00", 4),
    ("aiwork", "aiwork/other-occupation.csv", "41-2031.00", 4),
])
def test_statement_tables_other_occupation(fixtures_dir, source, path, occupation, count):
    g = mapped(source, fixtures_dir / path)
    rows = select(
        g, f"SELECT ?s ?l WHERE {{ ?s sg:occupation <{ID}onet/occupation/{occupation}> ; sg:proficiencyLevel ?l }}"
    )
    assert len(rows) == count and {label for _, label in rows} == set(SHARED)
    res = validate(g, load_shapes([source]), load_ontology())
    assert res.conforms, res.summary()


def test_safi_other_occupation(fixtures_dir):
    g = mapped("safi", fixtures_dir / "safi" / "other-occupation")
    rows = select(
        g,
        "SELECT ?o ?score ?skill WHERE { ?a a sg:AutomationFeasibility ; sg:occupation ?o ; sg:safiScore "
        "?score ; sg:topSkill ?skill }",
    )
    assert rows == {
        (
            URIRef(ID + "onet/occupation/41-2031.00"),
            Literal("42.5", datatype=XSD.decimal),
            URIRef(ID + "onet/element/2.B.1.e"),
        )
    }
    assert validate(g, load_shapes(["safi"]), load_ontology()).conforms


def test_jobmodel_other_role(fixtures_dir):
    g = mapped("jobmodel", fixtures_dir / "jobmodel" / "other-role")
    sizes = {str(c): int(n) for c, n in select(g, """SELECT ?c (COUNT(?x) AS ?n) WHERE {
        ?x a sg:JobModelCompetency ; sg:inDomain/skos:prefLabel ?c } GROUP BY ?c""")}
    assert sizes == {"Selling": 2, "Serving": 3}
    role = URIRef(ID + "jobmodel/role/retail-sales-associate")
    assert {
        str(label) for (label,) in select(g, f"SELECT ?l WHERE {{ <{role}> sg:coreCompetency/skos:prefLabel ?l }}")
    } == {
        "Persuading",
        "Helping",
    }
    assert validate(g, load_shapes(["jobmodel"]), load_ontology()).conforms


def test_wef_user_table(fixtures_dir):
    g = mapped("wef", fixtures_dir / "wef" / "user-table")
    rows = select(
        g,
        "SELECT ?id ?cluster ?cat WHERE { ?s a sg:DurableSkill ; skos:notation ?id ; sg:inDomain/skos:notation "
        "?cluster ; dcterms:type ?cat }",
    )
    assert {tuple(map(str, r)) for r in rows} == {
        ("test-skill-1", "human_technology_interaction", "skill"),
        ("test-skill-2", "test_cluster", "attitude"),
    }
    assert (OCC, SG.skillCluster, URIRef(ID + "wef/cluster/human_technology_interaction")) in g
    assert (URIRef(ID + "onet/occupation/41-2031.00"), SG.skillCluster, URIRef(ID + "wef/cluster/test_cluster")) in g
    assert validate(g, load_shapes(["wef"]), load_ontology()).conforms
    from skillgraph.crosswalk.inputs import gather

    assert set(gather({"wef": g}).wef_entries) == {
        URIRef(ID + "wef/skill/test-skill-1"),
        URIRef(ID + "wef/skill/test-skill-2"),
    }


# -- bad tables -------------------------------------------------------------------------------

HEADER = "occupation,level,domain,position,label,text,citations,anchor_task_ids\n"
GOOD = "43-4051.00,1,communication,1,Greeting,greets the customer,pathsmith,\n"


@pytest.mark.parametrize(
    "source,body,line,words",
    [
        (
            "pathsmith",
            "occupation,level,position,label,text\n" + "43-4051.00,1,1,A,b\n",
            1,
            "missing required column(s) 'domain'",
        ),
        (
            "pathsmith",
            HEADER + GOOD + "43-4051.00,5,communication,2,Closing,closes the call,pathsmith,\n",
            3,
            "level 5",
        ),
        (
            "pathsmith",
            HEADER + GOOD + "43-4051.00,2,negotiation,2,Deal,makes a deal,pathsmith,\n",
            3,
            "unknown domain 'negotiation'",
        ),
        ("pathsmith", HEADER + GOOD + "43-4051.00,2,communication,3,X,y,nosuchkey,\n", 3, "unknown citation key"),
        ("pathsmith", HEADER + "43-4051,1,communication,1,X,y,pathsmith,\n", 2, "not an O*NET-SOC code"),
        ("pathsmith", HEADER + GOOD + "43-4051.00,2,communication,1,Again,y,pathsmith,\n", 3, "position 1"),
        ("pathsmith", HEADER + GOOD + "43-4051.00,2,communication,2,X,y,pathsmith,T-1\n", 3, "not an O*NET Task ID"),
        (
            "pathsmith",
            HEADER + "43-4051.00,,communication,1,A,b,,\n43-4051.00,,communication,2,C,d,,\n"
            "43-4051.00,,communication,3,E,f,,\n",
            2,
            "cannot derive levels",
        ),
        ("pathsmith", HEADER + GOOD + "43-4051.00,2,communication,two,X,y,,\n", 3, "not a number"),
        ("ladder", "occupation,level,position,label,text\n43-4051.00,1,1,A,b\n43-4051.00,2,2,,b\n", 3, "empty value"),
        ("ladder", "occupation,level,domain,position,label,text\n43-4051.00,1,communication,1,A,b\n", 2, "no domains"),
        ("aiwork", "occupation,level,position,label,text\n43-4051.00,0,1,A,b\n", 2, "level 0"),
    ],
)
def test_bad_statement_table(tmp_path, source, body, line, words):
    bad = tmp_path / "bad.csv"
    bad.write_text(body, encoding="utf-8")
    with pytest.raises(SourceError) as e:
        mapped(source, bad)
    assert e.value.path == str(bad) and e.value.line == line
    assert words in e.value.problem
    assert f"{bad}:{line}" in str(e.value)


@pytest.mark.parametrize(
    "source,name,body,line,words",
    [
        (
            "safi",
            "safi.csv",
            "occupation,score,top_skill_element_id,precision,source\n43-4051.00,120,2.B.1.f,category_estimate,safi-2026\n",
            2,
            "outside [0, 100]",
        ),
        (
            "safi",
            "safi.csv",
            "occupation,score,top_skill_element_id,precision,source\n43-4051.00,57.3,Service "
            "Orientation,category_estimate,safi-2026\n",
            2,
            "not an O*NET Element ID",
        ),
        (
            "safi",
            "safi.csv",
            "occupation,score,precision,source\n43-4051.00,57.3,category_estimate,safi-2026\n",
            1,
            "top_skill_element_id",
        ),
        (
            "wef",
            "occupation_clusters.csv",
            "occupation,cluster_id,source\n43-4051.00,no_such_cluster,\n",
            2,
            "unknown cluster",
        ),
        (
            "wef",
            "extra.csv",
            "cluster_id,cluster_label,skill_id,skill_label,category,definition\nc1,Cluster,,Orphan label,,\n",
            2,
            "needs a skill_id",
        ),
        (
            "jobmodel",
            "roles.csv",
            "role,title,occupation,core_competencies\nrep,Rep,43-4051.00,Telepathy\n",
            2,
            "not in the library",
        ),
        ("jobmodel", "library.tsv", "A\tB\nx\ty\nz\tx\n", 3, "already in cluster"),
        ("jobmodel", "library.tsv", "A\tB\nx\t\n\ty\n", 3, "below an empty cell"),
        ("jobmodel", "library.tsv", "A\tB\nx\ty\tz\n", 2, "expected 2 fields"),
    ],
)
def test_bad_other_tables(tmp_path, source, name, body, line, words):
    m = SOURCES.get(source)
    folder = tmp_path / source
    shutil.copytree(m.embedded_path(), folder, ignore=shutil.ignore_patterns("README.md"))
    (folder / name).write_text(body, encoding="utf-8")
    with pytest.raises(SourceError) as e:
        m.map(folder, BuildContext())
    assert e.value.path.endswith(name) and e.value.line == line, str(e.value)
    assert words in e.value.problem
