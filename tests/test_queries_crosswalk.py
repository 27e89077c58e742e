"""The flagship and the crosswalk curated queries, run on a pyoxigraph store holding the sample graphs
(hand-written fixtures in the mappings' conventions) and the crosswalk computed from them, one named
graph each, queried with the union of named graphs as default graph. Results compared as sets.

When the real embedded mappings are registered, the flagship acceptance is also checked on them.
"""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from skillgraph import iri, views
from skillgraph.crosswalk import align
from skillgraph.ontology import load_ontology
from skillgraph.queries import load, queries_dir

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
SAMPLE = Path(__file__).parent / "fixtures" / "crosswalk" / "sample"

ONET = "https://w3id.org/skillgraph/id/onet/"
ESCO = "http://data.europa.eu/esco/skill/"
SG = "https://w3id.org/skillgraph/ontology#"
TASK_2582_TEXT = "Refer unresolved customer grievances to designated departments for further investigation."
ESCALATION = ESCO + "946c1229-1171-40d4-82cc-fe3f483ca100"
CUSTOMER_SERVICE = ESCO + "15a33d76-4640-438d-ae64-fdc0c1d3eebc"
CHARGES = ESCO + "1954f68c-74be-4727-b127-1025ab39bfcc"
UPSELL = ESCO + "306a1555-9fa2-47af-b996-a0a8833cbe81"
RECORDS = ESCO + "8b7409b0-e18e-4dfc-9ad9-8ddbcce38849"
CONTACT = ESCO + "81513fdf-5ea9-4375-9bc4-67ad959ac5de"
COMMUNICATE = ESCO + "0da516ee-e70e-4384-be13-f5ff80be8127"

CROSSWALK_QUERIES = (
    "esco_skills_for_task_at_level",
    "statements_at_level",
    "tasks_by_ai_usage",
    "augmentation_by_esco_skill",
)

# The exact answers below are those of the lexical v3 method, worked through by hand; the build's default
# (the re-ranked hybrid where the dense extra is installed) is tested for its properties in test_default_method.py
LEXICAL = "lexical"


def store_from(graphs: dict[str, Graph]) -> ox.Store:
    """Map-all-sources helper (the lead may move it to a shared fixture): one named graph per source, the
    ontology's (as a build loads it: the flagship reads the levels' ranks there), and the views the curated
    queries read materialised into the inferred graph, as the build does."""
    st = ox.Store()
    for key, g in {"ontology": load_ontology(), **graphs}.items():
        st.load(g.serialize(format="nt").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES,
                to_graph=ox.NamedNode(str(iri.graph(key))))
    views.materialise(st, ox.NamedNode(str(iri.graph("inferred"))))
    return st


@pytest.fixture(scope="module")
def sample_store() -> ox.Store:
    graphs = {f.stem: Graph().parse(f) for f in sorted(SAMPLE.glob("*.ttl"))}
    assert len(graphs) == 5
    cw, _ = align(graphs, LEXICAL)
    graphs["crosswalk"] = cw
    return store_from(graphs)


def run(store: ox.Store, name: str, **args) -> list[dict[str, str]]:
    q = load(QUERIES / f"{name}.rq")
    # the parameters inlined, as the endpoint and the CLI run a curated query
    res = store.query(q.bind({k: str(v) for k, v in args.items()}), use_default_graph_as_union=True)
    names = [v.value for v in res.variables]
    return [{n: (r[n].value if r[n] is not None else None) for n in names} for r in res]


def test_every_crosswalk_query_loads_with_header():
    for name in CROSSWALK_QUERIES:
        q = load(QUERIES / f"{name}.rq")
        assert q.title and q.description, name
        assert all(p.default is not None for p in q.params), name  # runnable with no arguments


# -- flagship ------------------------------------------------------------------------------------


def test_flagship_acceptance(sample_store):
    rows = run(sample_store, "esco_skills_for_task_at_level")  # defaults: task 2582, sg:Advanced
    by_skill = {r["skill"]: r for r in rows}
    assert ESCALATION in by_skill
    r = by_skill[ESCALATION]
    assert r["skillLabel"] == "perform escalation procedure"
    assert 0 < float(r["confidence"]) <= 1
    assert r["statementLabel"] == "Escalation summarization"
    assert r["relationType"] == "essential"
    assert r["justification"] == "https://w3id.org/semapv/vocab/CompositeMatching"
    assert r["method"].startswith("skill-supports-task v3")
    assert "Escalation summarization" in r["evidencePath"] and "essential" in r["evidencePath"]


def test_flagship_expected_result(sample_store):
    rows = run(sample_store, "esco_skills_for_task_at_level", task=f"<{ONET}task/2582>", level=f"<{SG}Advanced>")
    got = {(r["skillLabel"], r["confidence"], r["statementLabel"], r["relationType"], r["levelEvidence"])
           for r in rows}
    # regenerated for crosswalk v2 (v1: 0.2555): the statement-skill similarity now counts only words
    # that are specific within the occupation ("escalation"; "customer" is in most of its texts), and
    # the path through the statement is anchor confidence x similarity (see skillgraph/crosswalk/align.py)
    assert got == {("perform escalation procedure", "0.1317", "Escalation summarization", "essential",
                    "task-statement")}


def test_flagship_gives_the_task_text(sample_store):
    rows = run(sample_store, "esco_skills_for_task_at_level", task=f"<{ONET}task/2582>", level=f"<{SG}Advanced>")
    assert {(r["matchedTask"], r["taskText"], r["skill"]) for r in rows} == {(ONET + "task/2582", TASK_2582_TEXT,
                                                                               ESCALATION)}


def test_flagship_other_level_uses_rating_evidence(sample_store):
    rows = run(sample_store, "esco_skills_for_task_at_level", task=f"<{ONET}task/18565>", level=f"<{SG}Expert>")
    got = {(r["skillLabel"], r["statementLabel"], frozenset(r["evidenceKinds"].split(", ")), r["requiredLevel"],
            r["levelEvidence"]) for r in rows}
    # the O*NET Level rating (Customer and Personal Service, 5.3 for the occupation) set the level: the
    # flagship names the kind of evidence; the rating itself is the alignment's sg:evidence
    assert got == {("customer service", None, frozenset({"lexical", "essential-relation", "rating"}), SG + "Expert",
                    "onet-element-level")}


def test_flagship_level_at_or_above_the_required_level(sample_store):
    """A skill needed at Advanced supports the task at Advanced and Expert (a person at Expert can use it)."""
    for level in ("Advanced", "Expert"):
        rows = run(sample_store, "esco_skills_for_task_at_level", task=f"<{ONET}task/2582>", level=f"<{SG}{level}>")
        assert {(r["skill"], r["requiredLevel"], r["levelEvidence"]) for r in rows} == {
            (ESCALATION, SG + "Advanced", "task-statement")}


def test_flagship_answers_every_task_at_every_level(sample_store):
    """Never silently empty: below a task's entry level its entry-level skills answer, and say they need more."""
    tasks = [r["t"].value for r in sample_store.query(
        "SELECT DISTINCT ?t WHERE { ?t a <https://w3id.org/skillgraph/ontology#Task> }",
        use_default_graph_as_union=True)]
    assert len(tasks) == 8
    levels = ("Foundational", "Intermediate", "Advanced", "Expert")
    for t in tasks:
        for level in levels:
            assert run(sample_store, "esco_skills_for_task_at_level", task=f"<{t}>", level=f"<{SG}{level}>"), (t, level)
    rows = run(sample_store, "esco_skills_for_task_at_level", task=f"<{ONET}task/2586>", level=f"<{SG}Foundational>")
    assert {(r["skillLabel"], r["requiredLevel"], r["levelEvidence"]) for r in rows} == {
        ("upsell products", SG + "Foundational", "default")}
    rows = run(sample_store, "esco_skills_for_task_at_level", task=f"<{ONET}task/2582>", level=f"<{SG}Foundational>")
    assert {(r["skill"], r["requiredLevel"]) for r in rows} == {(ESCALATION, SG + "Advanced")}  # entry level Advanced


# -- the other crosswalk queries -------------------------------------------------------------------


def test_statements_at_level(sample_store):
    rows = run(sample_store, "statements_at_level", level=f"<{SG}Advanced>")
    got = {(r["label"], r["domain"], r["task"], r["anchorConfidence"]) for r in rows}
    # anchor confidence regenerated for crosswalk v2 (v1: 0.5532): specificity-weighted similarity 0.3026
    assert got == {("Escalation summarization", "Communication", ONET + "task/2582", "0.4185"),
                   ("Transparent escalation", "Character", None, None)}
    rows = run(sample_store, "statements_at_level", level=f"<{SG}Foundational>")
    assert {(r["label"], r["task"]) for r in rows} == {("Complaint intake", ONET + "task/2578"),
                                                     ("Internal referral", ONET + "task/2582")}


def test_statements_at_level_other_framework_is_empty(sample_store):
    assert run(sample_store, "statements_at_level", framework="<https://w3id.org/skillgraph/graph/ladder>") == []


def test_tasks_by_ai_usage(sample_store):
    rows = run(sample_store, "tasks_by_ai_usage", minConfidence="0.5")
    got = {(r["task"].rsplit("/", 1)[1], r["usageShare"], r["augmentationShare"], r["skill"]) for r in rows}
    assert got == {
        ("18565", "0.02", "0.95", CUSTOMER_SERVICE),
        ("2578", "0.012", "0.4", RECORDS),
        ("2582", "0.004", "0.8", None),
        ("2580", None, None, None),
        ("2581", None, None, CONTACT),
        ("2583", None, None, CHARGES),
        ("2583", None, None, CUSTOMER_SERVICE),
        ("2586", None, None, CUSTOMER_SERVICE),
    }
    # ranked by usage share: tasks with AEI evidence first, highest share first
    order = [r["task"].rsplit("/", 1)[1] for r in rows]
    assert order[:3] == ["18565", "2578", "2582"]


def test_augmentation_by_esco_skill(sample_store):
    rows = run(sample_store, "augmentation_by_esco_skill", minAugmentation="0.5", minConfidence="0.3")
    got = {(r["skillLabel"], r["occupationLabel"], r["tasks"], r["augmentationShare"]) for r in rows}
    # crosswalk v2: "customer service" supports task 18565 (information about products or services) but
    # no longer task 2582 (grievances to departments), and "determine charges" / "upsell products" no
    # longer support 18565: in v1 all three rested on words generic for the occupation (customer, service, product)
    assert got == {("customer service", "Customer Service Representatives", "1", "0.95")}
    rows = run(sample_store, "augmentation_by_esco_skill", minAugmentation="0.9", minConfidence="0.45")
    assert {(r["skill"], r["tasks"]) for r in rows} == {(CUSTOMER_SERVICE, "1")}
    assert (
        run(sample_store, "augmentation_by_esco_skill", minAugmentation="0.9", minConfidence="0.6") == []
    )  # best: 0.5523 at Expert


# -- on the real embedded graphs, once their mappings are registered ---------------------------------


def test_flagship_acceptance_on_embedded_sources(embedded_assembled):
    # the embedded sources mapped and described as the build does (the crosswalk reads their provenance too)
    graphs = {k: g for k, g in embedded_assembled.graphs.items() if k != "crosswalk"}
    cw, report = align(graphs, LEXICAL)
    assert report["statement_task_anchor"] > 0 and report["esco_skill_supports_task"] > 0
    store = store_from({**graphs, "crosswalk": cw})
    rows = run(store, "esco_skills_for_task_at_level", task=f"<{ONET}task/2582>", level=f"<{SG}Advanced>")
    hits = [r for r in rows if r["skillLabel"] == "perform escalation procedure"]
    assert hits, rows
    assert rows[0]["skillLabel"] == "perform escalation procedure"  # first at Advanced
    # needed at Advanced: of the statements anchored to the task that reach it (the Foundational "Issue
    # identification" through the word "issue", the Advanced "Escalation summarization"), the one that reaches
    # it best sets its level; the lowest of them made every skill sharing a word with a Foundational statement
    # "needed at Foundational" (on the full releases, all ten answers of this task)
    assert float(hits[0]["confidence"]) > 0 and hits[0]["statementLabel"] == "Escalation summarization"
    assert (hits[0]["requiredLevel"], hits[0]["levelEvidence"]) == (SG + "Advanced", "task-statement")


def test_flagship_ranks_match_the_ontology():
    """The flagship writes the shared scale's ranks as values (a join on sg:rank made Oxigraph start from the
    scale): they must be the ontology's."""
    from rdflib.namespace import SKOS

    from skillgraph.ontology import SG as sg

    ont = load_ontology()
    ranks = {str(lv): int(ont.value(lv, sg.rank)) for lv in ont.subjects(SKOS.inScheme, sg.ProficiencyScale)}
    assert ranks == {str(sg.Foundational): 1, str(sg.Intermediate): 2, str(sg.Advanced): 3, str(sg.Expert): 4}
    text = (Path(queries_dir()) / "esco_skills_for_task_at_level.rq").read_text()
    assert "IF(?level = sg:Foundational, 1, IF(?level = sg:Intermediate, 2, IF(?level = sg:Advanced, 3, 4)))" in text
