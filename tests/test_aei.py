"""AEI: the three release layouts, the task join (exact / normalised / fuzzy / ambiguous / unmatched),
occupation evidence and aggregates, the embedded evidence pack, and errors naming file and line."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.mappings import BuildContext, source
from skillgraph.mappings.aei_join import Joiner, TaskIndex, normalise
from skillgraph.mappings.aei_read import Release, discover, layout_of, read_metrics, read_v1_tasks, read_v3
from skillgraph.ontology import PREFIXES, SG, load_ontology
from skillgraph.validation import load_shapes, validate

FIX = Path(__file__).parent / "fixtures" / "aei"
CSR = "43-4051.00"

# A tiny O*NET-like task graph: one text shared by two occupations (not ambiguous), two texts
# equal after normalisation (ambiguous), two texts equally close to one AEI text (ambiguous).
TASKS = [
    ("1001", CSR, "Confer with customers by telephone or in person to provide information."),
    ("1002", "43-4051.03", "Confer with customers by telephone or in person to provide information."),
    ("1003", CSR, "Keep records of customer interactions, recording details of inquiries."),
    ("1004", "11-1111.00", "Prepare reports, or direct others."),
    ("1005", "11-1111.00", "Prepare reports or, direct others."),
    ("1006", "43-5053.00", "Sort the mail for delivery"),
    ("1007", "43-5053.00", "Sort all mail for delivery"),
    ("1008", CSR, "Review insurance policy terms to determine whether a particular loss is covered by insurance."),
    ("1009", CSR, "Refer unresolved customer grievances to designated departments for further investigation."),
]


def task(tid: str) -> URIRef:
    return iri.instance("onet", "task", tid)


def occ(soc: str) -> URIRef:
    return iri.instance("onet", "occupation", soc)


@pytest.fixture(scope="module")
def onet() -> Graph:
    g = Graph()
    for tid, soc, text in TASKS:
        g.add((task(tid), RDF.type, SG.Task))
        g.add((task(tid), SKOS.prefLabel, Literal(text, lang="en")))
        g.add((task(tid), SKOS.notation, Literal(tid)))
        g.add((task(tid), SG.taskOf, occ(soc)))
    return g


def run(path: Path, onet: Graph | None):
    graphs = {"onet": onet} if onet is not None else {}
    return source("aei").map(path, BuildContext(graphs=graphs))


def select(g: Graph, q: str) -> set[tuple]:
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    return {tuple(r) for r in g.query(prefixes + q)}


def conforms(result) -> None:
    m = source("aei")
    m.describe(result.graph, result.release, result.report)
    res = validate(result.graph, load_shapes(["aei"]), load_ontology())
    assert res.conforms, res.summary()


# -- layouts ---------------------------------------------------------------------------------

def test_layout_detection_by_file_and_header():
    assert layout_of(FIX / "v1" / "release_2025_02_10" / "onet_task_mappings.csv") == "2025-02-10"
    assert layout_of(FIX / "v1" / "release_2025_02_10" / "automation_vs_augmentation.csv") == "2025-02-10-patterns"
    assert layout_of(FIX / "v3" / "aei_raw_test_2025-08-04_to_2025-08-11.csv") == "v3"
    assert layout_of(FIX / "metrics" / "release_2026_03_24" / "aei_metrics.csv") == "metrics"
    assert layout_of(FIX / "bad" / "v1_pct.csv") == "2025-02-10"  # detected by header too
    rels = discover(FIX / "v1")
    assert [(r.name, r.layout) for r in rels] == [("release_2025_02_10", "2025-02-10")]
    assert [(r.name, r.layout) for r in discover(FIX / "metrics")] == [("release_2026_03_24", "metrics")]


def test_not_an_aei_file_is_refused(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(SourceError) as e:
        discover(p)
    assert str(p) in str(e.value) and "not an Anthropic Economic Index file" in str(e.value)


# -- the join --------------------------------------------------------------------------------

def test_normalise_folds_case_quotes_punctuation_and_space():
    assert normalise("Resolve customers\u2019  service\u2014billing, complaints.") == normalise(
        "resolve customers' service-billing complaints"
    )


def test_join_methods_on_small_graph(onet):
    j = Joiner(TaskIndex.from_graph(onet), threshold=0.90)
    m = j.join("confer with customers by telephone or in person to provide information.")
    assert (m.method, m.tasks) == ("exact", (task("1001"), task("1002")))  # same statement, two occupations
    m = j.join("keep records of customer interactions recording details of inquiries")
    assert (m.method, m.tasks) == ("normalised", (task("1003"),))
    m = j.join("prepare reports or direct others.")
    assert (m.method, m.tasks, set(m.candidates)) == ("ambiguous", (), {task("1004"), task("1005")})
    m = j.join("sort mail for delivery")
    assert (m.method, m.tasks, set(m.candidates)) == ("ambiguous", (), {task("1006"), task("1007")})
    m = j.join("review insurance policy terms to determine whether a loss is covered by insurance.")
    assert m.method == "fuzzy" and m.tasks == (task("1008"),) and 0.9 <= m.score < 1
    m = j.join("operate a forklift to move pallets.")
    assert m.method == "unmatched" and m.tasks == () and m.score < 0.9
    assert j.join("x", task_id="1009").method == "task-id"
    assert j.counts() == {"task-id": 1, "exact": 1, "normalised": 1, "fuzzy": 1, "ambiguous": 2, "unmatched": 1}


def test_fuzzy_threshold_is_respected(onet):
    strict = Joiner(TaskIndex.from_graph(onet), threshold=0.99)
    assert (
        strict.join("review insurance policy terms to determine whether a loss is covered by insurance.").method
        == "unmatched"
    )
    with pytest.raises(ValueError):
        Joiner(TaskIndex.from_graph(onet), threshold=1.5)


# -- 2025-02-10 layout -------------------------------------------------------------------------


def test_first_release_layout_maps_with_join_flags(onet):
    r = run(FIX / "v1", onet)
    g = r.graph
    join = r.report.details["join"]["release_2025_02_10"]
    assert join["rows"] == {"task-id": 0, "exact": 1, "normalised": 1, "fuzzy": 1, "ambiguous": 2, "unmatched": 1}
    assert join["not_task_rows"] == 1  # the 'none' row is usage with no task
    rows = select(g, """SELECT ?text ?method ?share WHERE {
        ?e sg:taskText ?text ; sg:joinMethod ?method ; sg:usageShare ?share }""")
    assert {(str(t), str(m), Decimal(str(s))) for t, m, s in rows} == {
        ("confer with customers by telephone or in person to provide information.", "exact", Decimal("0.025")),
        ("keep records of customer interactions recording details of inquiries", "normalised", Decimal("0.015")),
        ("prepare reports or direct others.", "ambiguous", Decimal("0.01")),
        ("sort mail for delivery", "ambiguous", Decimal("0.005")),
        (
            "review insurance policy terms to determine whether a loss is covered by insurance.",
            "fuzzy",
            Decimal("0.03"),
        ),
        ("operate a forklift to move pallets.", "unmatched", Decimal("0.0025")),
    }
    about = select(g, "SELECT ?text ?t WHERE { ?e sg:taskText ?text ; sg:aboutTask ?t }")
    assert {(str(a)[:12], b) for a, b in about} == {
        ("confer with ", task("1001")), ("confer with ", task("1002")), ("keep records", task("1003")),
        ("review insur", task("1008"))}
    cands = select(g, "SELECT ?t WHERE { ?e sg:joinMethod 'ambiguous' ; sg:joinCandidate ?t }")
    assert cands == {(task(x),) for x in ("1004", "1005", "1006", "1007")}
    # outcome counts on the graph too
    outcome = select(g, """SELECT ?m ?n WHERE { ?a a prov:Activity ; dcterms:hasPart ?p .
        ?p sg:joinMethod ?m ; void:entities ?n }""")
    assert {(str(m), int(n)) for m, n in outcome} == {
        ("task-id", 0), ("exact", 1), ("normalised", 1), ("fuzzy", 1), ("ambiguous", 2), ("unmatched", 1)}
    conforms(r)


def test_first_release_overall_patterns_and_occupation_aggregates(onet):
    g = run(FIX / "v1", onet).graph
    split = select(
        g,
        """SELECT ?auto ?aug WHERE { ?e a sg:AIUsageEvidence ; sg:automationShare ?auto ;
        sg:augmentationShare ?aug ; dcterms:source ?r . ?r schema:version 'release_2025_02_10' }""",
    )
    assert {(Decimal(str(a)), Decimal(str(b))) for a, b in split} == {
        (Decimal("0.4210526316"), Decimal("0.5789473684"))
    }
    kinds = select(
        g, "SELECT ?name ?kind WHERE { ?p a sg:InteractionPattern ; skos:prefLabel ?name ; sg:countsAs ?kind }"
    )
    assert {(str(a), str(b)) for a, b in kinds} == {
        ("directive", "automation"),
        ("feedback loop", "automation"),
        ("task iteration", "augmentation"),
        ("learning", "augmentation"),
        ("validation", "augmentation"),
    }
    shares = select(
        g,
        "SELECT ?name ?s WHERE { ?x a sg:PatternShare ; sg:interactionPattern/skos:prefLabel ?name ; "
        "sg:usageShare ?s }",
    )
    assert len(shares) == 6 and (Literal("none", lang="en"), Literal("0.05", datatype=XSD.decimal)) in shares
    # occupation usage share: the shared text's 2.5% is split between its two occupations
    agg = select(g, "SELECT ?o ?s ?m WHERE { ?e sg:occupation ?o ; sg:usageShare ?s ; sg:method ?m }")
    assert {(o, Decimal(str(s))) for o, s, _ in agg} == {
        (occ(CSR), Decimal("0.0575")),
        (occ("43-4051.03"), Decimal("0.0125")),
    }
    assert all("1/n" in str(m) for _, _, m in agg)


def test_without_onet_graph_every_row_is_unmatched_and_flagged():
    r = run(FIX / "v1", None)
    assert r.report.details["join"]["release_2025_02_10"]["rows"]["unmatched"] == 6
    assert any("no O*NET graph" in w for w in r.report.warnings)
    conforms(r)


# -- v3 long layout ----------------------------------------------------------------------------


def test_v3_layout_with_task_pattern_intersections(onet):
    rel = Release("t", "v3")
    read_v3(FIX / "v3" / "aei_raw_test_2025-08-04_to_2025-08-11.csv", rel)
    (s,) = rel.slices.values()
    assert (s.platform, s.geo, s.start, s.end) == ("1P API", "GLOBAL", "2025-08-04", "2025-08-11")
    (t,) = s.tasks.values()
    assert (t.count, t.pct) == (40, Decimal("4.0"))
    assert {n: (p.count, p.pct) for n, p in t.patterns.items()} == {
        "directive": (10, Decimal("25.0")), "validation": (20, Decimal("50.0")),
        "task iteration": (6, Decimal("15.0")), "not_classified": (4, Decimal("10.0"))}

    r = run(FIX / "v3", onet)
    g = r.graph
    row = select(
        g,
        """SELECT ?n ?s ?auto ?aug ?m ?t WHERE { ?e sg:taskText ?x ; sg:observationCount ?n ; sg:usageShare ?s ;
        sg:automationShare ?auto ; sg:augmentationShare ?aug ; sg:joinMethod ?m ; sg:aboutTask ?t ;
        sg:platform '1P API' ; sg:periodStart '2025-08-04'^^xsd:date ; sg:periodEnd '2025-08-11'^^xsd:date }""")
    assert {(int(n), Decimal(str(s)), Decimal(str(a)), Decimal(str(b)), str(m), t) for n, s, a, b, m, t in row} == {
        (40, Decimal("0.04"), Decimal("0.2777777778"), Decimal("0.7222222222"), "exact", task("1009"))
    }
    per_task = select(
        g,
        """SELECT ?name ?n WHERE { ?p a sg:PatternShare ; dcterms:isPartOf/sg:taskText ?x ;
        sg:interactionPattern/skos:notation ?name ; sg:observationCount ?n }""",
    )
    assert {(str(a), int(b)) for a, b in per_task} == {
        ("directive", 10),
        ("validation", 20),
        ("task iteration", 6),
        ("not_classified", 4),
    }
    agg = select(
        g,
        "SELECT ?s ?n ?aug WHERE { ?e sg:occupation ?o ; sg:usageShare ?s ; sg:observationCount ?n ; "
        "sg:augmentationShare ?aug }",
    )
    assert {(Decimal(str(s)), int(n), Decimal(str(a))) for s, n, a in agg} == {
        (Decimal("0.04"), 40, Decimal("0.7222222222"))
    }
    assert r.report.details["join"]["v3"]["not_task_rows"] == 1  # the task "none"
    conforms(r)


# -- metrics layout (later releases) -----------------------------------------------------------


def test_metrics_layout_task_and_occupation_rows(onet):
    r = run(FIX / "metrics", onet)
    g = r.graph
    tasks = select(g, """SELECT ?m ?t ?n ?s ?aug ?auto ?ts ?ai WHERE { ?e sg:joinMethod ?m ; sg:aboutTask ?t ;
        sg:observationCount ?n ; sg:usageShare ?s ;
        OPTIONAL { ?e sg:augmentationShare ?aug ; sg:automationShare ?auto ;
                      sg:timeSavedShare ?ts ; sg:aiAutonomy ?ai } }""",
    )
    norm = {tuple(None if v is None else (v if isinstance(v, URIRef) else str(v)) for v in row) for row in tasks}
    assert norm == {
        ("task-id", task("1003"), "1200", "0.0002", "0.8", "0.2", "0.755", "3.1"),
        ("exact", task("1009"), "300", "0.00005", None, None, None, None)}
    conforms(r)


def test_metrics_layout_out_of_range_autonomy_names_file_and_line():
    p = FIX / "bad" / "metrics_autonomy.csv"
    with pytest.raises(SourceError) as e:
        read_metrics(p, Release("bad", "metrics"))
    assert (e.value.path, e.value.line, e.value.column) == (str(p), 3, "ai_autonomy")
    assert "outside [1, 5]" in str(e.value)


@pytest.mark.parametrize("name,reader,line,column,text", [
    ("v1_pct.csv", read_v1_tasks, 2, "pct", "is not a number"),
    ("v1_duplicate.csv", read_v1_tasks, 3, "task_name", "listed twice"),
    ("v3_intersection.csv", read_v3, 2, "cluster_name", "task::pattern"),
])
def test_bad_rows_name_file_line_and_problem(name, reader, line, column, text):
    p = FIX / "bad" / name
    with pytest.raises(SourceError) as e:
        reader(p, Release("bad", "x"))
    assert (e.value.path, e.value.line, e.value.column) == (str(p), line, column)
    assert text in str(e.value) and f"{p}:{line}" in str(e.value)


# -- the embedded sample: the seed's evidence pack, exactly -------------------------------------

SEED_TASKS = [  # the 13 O*NET tasks of 43-4051.00 (seed 002) with their Task IDs
    (
        "18565",
        "Confer with customers by telephone or in person to provide information about products or services, "
        "take or enter orders, cancel accounts, or obtain details of complaints.",
    ),
    (
        "2578",
        "Keep records of customer interactions or transactions, recording details of inquiries, complaints, or "
        "comments, as well as actions taken.",
    ),
    ("2580", "Check to ensure that appropriate changes were made to resolve customers' problems."),
    (
        "2581",
        "Contact customers to respond to inquiries or to notify them of claim investigation results or any "
        "planned adjustments.",
    ),
    ("2583", "Determine charges for services requested, collect deposits or payments, or arrange for billing."),
    (
        "2584",
        "Complete contract forms, prepare change of address records, or issue service discontinuance orders, "
        "using computers.",
    ),
    ("2582", "Refer unresolved customer grievances to designated departments for further investigation."),
    (
        "2579",
        "Resolve customers' service or billing complaints by performing activities such as exchanging "
        "merchandise, refunding money, or adjusting bills.",
    ),
    ("2587", "Review insurance policy terms to determine whether a particular loss is covered by insurance."),
    ("2586", "Solicit sales of new or additional services or products."),
    (
        "2589",
        "Compare disputed merchandise with original requisitions and information from invoices and prepare "
        "invoices for returned goods.",
    ),
    (
        "2585",
        "Obtain and examine all relevant information to assess validity of complaints and to determine "
        "possible causes, such as extreme weather conditions that could increase utility bills.",
    ),
    (
        "2591",
        "Recommend improvements in products, packaging, shipping, service, or billing methods and procedures "
        "to prevent future problems.",
    ),
]


@pytest.fixture(scope="module")
def embedded():
    g = Graph()
    for tid, text in SEED_TASKS:
        g.add((task(tid), RDF.type, SG.Task))
        g.add((task(tid), SKOS.prefLabel, Literal(text, lang="en")))
        g.add((task(tid), SKOS.notation, Literal(tid)))
        g.add((task(tid), SG.taskOf, occ(CSR)))
    m = source("aei")
    return m.map(m.embedded_path(), BuildContext(graphs={"onet": g}))


def test_embedded_evidence_pack_figures_exactly(embedded):
    rows = select(embedded.graph, """SELECT ?e ?n ?aug ?ts ?ai ?rel WHERE {
        ?e a sg:AIUsageEvidence ; sg:occupation ?o ; sg:observationCount ?n ; sg:augmentationShare ?aug ;
           sg:timeSavedShare ?ts ; sg:aiAutonomy ?ai ; dcterms:source/schema:version ?rel }""")
    assert {r[1:] for r in rows} == {(
        Literal(6032, datatype=XSD.integer), Literal("0.95", datatype=XSD.decimal),
        Literal("0.888", datatype=XSD.decimal), Literal("2.71", datatype=XSD.decimal), Literal("release_2026_03_24"))}
    ((e, *_),) = rows
    assert e == iri.instance("aei", "occupation-evidence", f"release_2026_03_24-{CSR}")
    assert (e, SG.occupation, occ(CSR)) in embedded.graph


def test_embedded_task_usage_joins_six_tasks_exactly(embedded):
    rows = select(embedded.graph, "SELECT ?t ?m WHERE { ?e sg:aboutTask ?t ; sg:joinMethod ?m }")
    assert rows == {(task(t), Literal("exact")) for t in ("18565", "2578", "2581", "2582", "2579", "2587")}
    total = (
        Decimal("0.030488202108115856")
        + Decimal("0.002866412164010892")
        + Decimal("0.007296321872027726")
        + Decimal("0.0035178694740133683")
        + Decimal("0.02501596070409506")
        + Decimal("0.01889226199007179")
    )
    (agg,) = select(
        embedded.graph,
        "SELECT ?s WHERE { ?e sg:occupation ?o ; sg:method ?m ; sg:usageShare ?s . FILTER(CONTAINS(?m, '1/n')) }",
    )
    assert Decimal(str(agg[0])) == (total / 100).quantize(Decimal("1e-14"))
    assert embedded.release == "release_2025_02_10+release_2026_03_24"
    conforms(embedded)


# -- several releases side by side ---------------------------------------------------------------

EVIDENCE_PACK = """SELECT ?n ?aug ?ts ?ai ?rel WHERE {
    ?e a sg:AIUsageEvidence ; sg:occupation ?o ; sg:observationCount ?n ; sg:augmentationShare ?aug ;
       sg:timeSavedShare ?ts ; sg:aiAutonomy ?ai ; dcterms:source/schema:version ?rel }"""
SEED_PACK = (
    Literal(6032, datatype=XSD.integer),
    Literal("0.95", datatype=XSD.decimal),
    Literal("0.888", datatype=XSD.decimal),
    Literal("2.71", datatype=XSD.decimal),
    Literal("release_2026_03_24"),
)


def _seed_onet() -> Graph:
    g = Graph()
    for tid, text in SEED_TASKS:
        g.add((task(tid), RDF.type, SG.Task))
        g.add((task(tid), SKOS.prefLabel, Literal(text, lang="en")))
        g.add((task(tid), SG.taskOf, occ(CSR)))
    return g


def _texts(path: Path) -> set[str]:
    from skillgraph.tabular import read_delimited

    return {r["task_name"] for r in read_delimited(path / "onet_task_mappings.csv")} - {"none"}


def test_a_given_release_lives_beside_the_embedded_seed_release(shared_data):
    real = shared_data / "aei" / "release_2025_02_10"
    m = source("aei")
    res = m.map([real, m.embedded_path()], BuildContext(graphs={"onet": _seed_onet()}))
    assert res.release == "release_2025_02_10+release_2026_03_24"
    assert select(res.graph, EVIDENCE_PACK) == {SEED_PACK}  # the seed's evidence pack is kept
    by_release = select(res.graph, """SELECT ?rel (COUNT(DISTINCT ?t) AS ?n) WHERE { ?e a sg:AIUsageEvidence ;
        sg:taskText ?t ; dcterms:source/schema:version ?rel } GROUP BY ?rel""")
    # every task text of the given release, with its release on the record; the embedded sample of
    # the same release (six of its rows) is not read a second time
    assert by_release == {(Literal("release_2025_02_10"), Literal(len(_texts(real)), datatype=XSD.integer))}
    assert len(_texts(real)) == 3513
    assert set(res.report.details["join"]) == {"release_2025_02_10", "release_2026_03_24"}


def test_the_same_release_given_replaces_the_embedded_one(tmp_path):
    m = source("aei")
    mine = tmp_path / "release_2026_03_24"
    shutil.copytree(m.embedded_path() / "release_2026_03_24", mine)
    f = mine / "aei_metrics.csv"
    f.write_text(f.read_text(encoding="utf-8").replace(",6032,", ",7000,"), encoding="utf-8")
    res = m.map([mine, m.embedded_path()], BuildContext(graphs={"onet": _seed_onet()}))
    assert res.release == "release_2025_02_10+release_2026_03_24"
    assert select(res.graph, EVIDENCE_PACK) == {(Literal(7000, datatype=XSD.integer),) + SEED_PACK[1:]}
    with pytest.raises(SourceError, match="release release_2026_03_24 is given twice"):
        m.map([mine, mine, m.embedded_path()], BuildContext(graphs={"onet": _seed_onet()}))


def test_aei_is_repeatable_on_the_command_line_and_in_the_config(tmp_path):
    from skillgraph import store
    from skillgraph.cli import main
    from skillgraph.query import run as query

    real = tmp_path / "given" / "release_2025_02_10"  # a first-release layout folder given instead of the embedded one
    shutil.copytree(FIX / "v1", real)
    samples = tmp_path / "release_2025_09_15"
    shutil.copytree(FIX / "v3", samples)
    d = tmp_path / "build"
    assert main(["build", "--store", str(d), "--only", "onet,aei", "--aei", str(real), "--aei", str(samples)]) == 0
    info = store.build_info(d)["sources"]["aei"]
    assert info["release"] == "release_2025_02_10+release_2025_09_15+release_2026_03_24"
    assert info["path"] == [str(real), str(samples), str(source("aei").embedded_path())]
    rows = query(store.open_read_only(d), """SELECT ?n ?aug ?ts ?ai WHERE { GRAPH ?g { ?e a sg:AIUsageEvidence ;
        sg:occupation <https://w3id.org/skillgraph/id/onet/occupation/43-4051.00> ; sg:observationCount ?n ;
        sg:augmentationShare ?aug ; sg:timeSavedShare ?ts ; sg:aiAutonomy ?ai } }""",
    )
    assert [(r["n"].value, r["aug"].value, r["ts"].value, r["ai"].value) for r in rows] == [
        ("6032", "0.95", "0.888", "2.71")
    ]
    cfg = tmp_path / "skillgraph.toml"
    cfg.write_text(f'[sources]\naei = ["{real}", "release_2025_09_15"]\n', encoding="utf-8")
    assert main(["build", "--store", str(d), "--only", "onet,aei", "--config", str(cfg)]) == 0
    assert (
        store.build_info(d)["sources"]["aei"]["release"] == "release_2025_02_10+release_2025_09_15+release_2026_03_24"
    )
