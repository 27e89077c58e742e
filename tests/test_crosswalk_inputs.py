"""The crosswalk's inputs: one SPARQL file per kind of input (src/skillgraph/crosswalk/queries/*.rq), each
run over a store of small source graphs and compared with what it must select, as unordered sets; and the
Inputs gathered from the embedded build's store, compared with what the rdflib walker they replace gathered.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from skillgraph import iri
from skillgraph.crosswalk import gather, gather_from_store, input_queries, store_of
from skillgraph.crosswalk.inputs import select
from skillgraph.ontology import ESCO, SG

GOLDEN = Path(__file__).parent / "fixtures" / "crosswalk" / "inputs" / "embedded.json"

PREFIXES = f"""
@prefix sg: <{SG}> .
@prefix skos: <{SKOS}> .
@prefix rdfs: <{RDFS}> .
@prefix dcterms: <{DCTERMS}> .
@prefix esco: <{ESCO}> .
@prefix occ: <{iri.onet.SCHEME.base}occupation/> .
@prefix task: <{iri.onet.SCHEME.base}task/> .
@prefix el: <{iri.onet.SCHEME.base}element/> .
@prefix onet: <{iri.onet.SCHEME.base}> .
@prefix sk: <{iri.esco.PUBLISHER_BASE}skill/> .
@prefix eocc: <{iri.esco.PUBLISHER_BASE}occupation/> .
@prefix escopub: <{iri.esco.PUBLISHER_BASE}> .
@prefix escoid: <{iri.esco.SCHEME.base}> .
@prefix ps: <{iri.pathsmith.SCHEME.base}> .
@prefix aiw: <{iri.aiwork.SCHEME.base}> .
@prefix aei: <{iri.aei.SCHEME.base}> .
@prefix wef: <{iri.wef.SCHEME.base}> .
@prefix graph: <{iri.GRAPH_BASE}> .
"""

# One small graph per source, with a case for every rule of the queries: what is selected and what is not.
SOURCES = {
    "onet": """
occ:43-4051.00 a sg:Occupation ; sg:socCode "43-4051.00" ; skos:prefLabel "Customer Service Representatives"@en ;
    skos:altLabel "Call Center Agent"@en , "Agent de service"@fr ; skos:definition "Interact with customers."@en ;
    sg:jobZone onet:job-zone\\/2 ; sg:hasTask task:2 .
occ:43-4171.00 a sg:Occupation ; sg:socCode "43-4171.00" ; rdfs:label "Receptionists" .
onet:occupation-group\\/43-0000 a sg:OccupationGroup ; sg:socCode "43-0000" ; skos:prefLabel "Office"@en .
task:1 a sg:Task ; skos:prefLabel "Resolve complaints."@en , "Résoudre les plaintes."@fr ; sg:taskOf occ:43-4051.00 ;
    sg:hasWorkActivity onet:dwa\\/A , onet:dwa\\/B .
task:2 a sg:Task ; rdfs:label "Keep records." .
task:3 a sg:EmergingTask ; skos:prefLabel "Chat with bots."@en ; sg:taskOf occ:43-4051.00 .
el:2.A.1.b a sg:Skill , sg:ContentModelElement ; skos:prefLabel "Active Listening"@en ;
    skos:definition "Giving full attention."@en .
el:2.C.1.b a sg:Knowledge ; skos:prefLabel "Customer and Personal Service"@en ; dcterms:description "Principles."@en .
el:1.A.1.a.1 a sg:Ability ; skos:prefLabel "Oral Comprehension"@en .
onet:rating\\/im a sg:Rating ; sg:scale onet:scale\\/IM ; sg:occupation occ:43-4051.00 ; sg:ratedElement el:2.A.1.b ;
    sg:value 4.12 .
onet:rating\\/lv a sg:Rating ; sg:scale onet:scale\\/LV ; sg:occupation occ:43-4051.00 ; sg:ratedElement el:2.A.1.b ;
    sg:value 3.5 .
onet:rating\\/cx a sg:Rating ; sg:scale onet:scale\\/CX ; sg:occupation occ:43-4051.00 ; sg:ratedElement el:2.A.1.b ;
    sg:value 2.0 .
""" + f'graph:onet a sg:SourceGraph ; sg:sourceId "onet" ; dcterms:source <{iri.onet.DATABASE}> .\n',
    "esco": """
sk:s1 a sg:Skill ; skos:prefLabel "handle complaints"@en ; skos:altLabel "deal with complaints"@en ;
    skos:definition "Handle complaints."@en ; dcterms:description [ a esco:NodeLiteral ] ;
    skos:scopeNote "Excludes refunds."@en ; esco:skillReuseLevel escopub:skill-reuse-level\\/cross-sector .
sk:s2 a sg:Knowledge ; skos:prefLabel "customer service"@en ;
    esco:skillReuseLevel escopub:skill-reuse-level\\/transversal ; esco:isOptionalSkillFor eocc:o1 .
sk:s3 a sg:Skill ; skos:prefLabel "teamwork"@en ;
    skos:inScheme escopub:concept-scheme\\/skill-transversal-groups .
sk:s4 a sg:Skill ; skos:prefLabel "think critically"@en .
sk:group a sg:Domain , skos:Concept ; skos:prefLabel "communication"@en .
escoid:collection\\/transversal-skills a skos:Collection ; skos:member sk:s4 .
eocc:o1 a sg:Occupation ; sg:iscoCode "4222" ; skos:prefLabel "contact centre clerk"@en ;
    skos:altLabel "call centre clerk"@en ; dcterms:description "Answers calls."@en ;
    esco:relatedEssentialSkill sk:s1 , sk:s4 .
escopub:isco\\/C4222 a sg:OccupationGroup ; sg:iscoCode "4222" .
escoid:skill-relation\\/r1 a sg:SkillRelation ; sg:occupation eocc:o1 ; sg:skill sk:s1 ; sg:relationType "Essential" .
""",
    "nesta": """
eocc:o1 skos:closeMatch occ:43-4051.00 , occ:99-9999.00 .
""",
    "pathsmith": f"""
ps:statement\\/1 a sg:DurableSkillStatement ; skos:prefLabel "Listening"@en ; sg:statementText "listens"@en ;
    sg:proficiencyLevel sg:Foundational ; sg:occupation occ:43-4051.00 ; sg:anchoredTo task:1 ;
    sg:cites ps:cited-source\\/onet , ps:cited-source\\/pathsmith .
ps:statement\\/2 a sg:DurableSkillStatement ; skos:definition "greets the customer"@en ;
    sg:cites ps:cited-source\\/pathsmith , ps:cited-source\\/titled-onet .
ps:statement\\/3 a sg:DurableSkillStatement ; sg:proficiencyLevel sg:Advanced .
# O*NET by the stated link, whatever its label; and a source titled O*NET with no such link, which is not
ps:cited-source\\/onet a sg:CitedSource ; rdfs:label "Resource Center"@en ;
    dcterms:isVersionOf <{iri.onet.DATABASE}> .
ps:cited-source\\/titled-onet a sg:CitedSource ; rdfs:label "O*NET v30.2"@en ; dcterms:title "O*NET"@en ;
    dcterms:alternative "onet"@en .
ps:cited-source\\/pathsmith a sg:CitedSource ; rdfs:label "Pathsmith Durable Skills"@en .
ps:anchor-set\\/43-4051.00 a skos:Collection ; skos:member task:1 , task:2 , task:99 .
""",
    "aiwork": """
aiw:statement\\/1 a sg:AIPracticeStatement ; skos:prefLabel "Logs interactions"@en ; sg:cites aei:release\\/r .
aiw:statement\\/2 a sg:AIPracticeStatement ; skos:prefLabel "Reviews drafts"@en ; sg:cites aiw:cited-source\\/x .
aiw:statement\\/3 a sg:AIPracticeStatement ; skos:prefLabel "Uses O*NET data"@en ;
    sg:cites aiw:cited-source\\/y , aiw:cited-source\\/z .
aei:release\\/r a sg:CitedSource ; rdfs:label "A release"@en .
aiw:cited-source\\/x a sg:CitedSource ; dcterms:title "Anthropic Economic Index — 2025"@en .
# titled O*NET, stated as a version of another source's dataset: not O*NET
aiw:cited-source\\/y a sg:CitedSource ; dcterms:title "O*NET enrichment page"@en ;
    dcterms:isVersionOf <urn:example:site> .
aiw:cited-source\\/z a sg:CitedSource ; dcterms:title "A survey"@en ; dcterms:isVersionOf <urn:example:aei-data> .
graph:aiwork a sg:SourceGraph ; sg:sourceId "aiwork" ; dcterms:source <urn:example:site> .
""",
    "aei": """
aei:release\\/r a sg:CitedSource ; rdfs:label "Anthropic Economic Index release"@en .
aei:task-usage\\/1 a sg:AIUsageEvidence ; sg:aboutTask task:1 .
graph:aei a sg:SourceGraph ; sg:sourceId "aei" ; dcterms:source <urn:example:aei-data> .
""",
    "wef": """
wef:skill\\/empathy a sg:DurableSkill ; skos:prefLabel "Empathy"@en ; skos:altLabel "compassion"@en ;
    skos:definition "Understands others."@en .
wef:cluster\\/c a sg:Domain , skos:Concept ; skos:prefLabel "Interpersonal"@en .
wef:statement\\/s a sg:DurableSkillStatement ; skos:prefLabel "Shows empathy"@en .
""",
    # a derived graph: the crosswalk's own links and typings are never inputs
    "crosswalk": """
eocc:o1 skos:relatedMatch occ:43-4171.00 .
ps:statement\\/9 a sg:DurableSkillStatement ; skos:prefLabel "Not an input"@en .
""",
}


@pytest.fixture(scope="module")
def store():
    return store_of({k: Graph().parse(data=PREFIXES + ttl, format="turtle") for k, ttl in SOURCES.items()})


SHORT = [(iri.onet.SCHEME.base, "onet:"), (iri.esco.SCHEME.base, "escoid:"), (iri.esco.PUBLISHER_BASE, "esco/"),
         (iri.ID_BASE, ""), (iri.GRAPH_BASE, "graph:"), (str(SG), "sg:"), (str(SKOS), "skos:"),
         (str(RDFS), "rdfs:"), (str(DCTERMS), "dcterms:")]


def short(v) -> str | None:
    """A row value as short text: IRIs without their base, literals as value@lang."""
    if isinstance(v, URIRef):
        s = str(v)
        for base, prefix in SHORT:
            if s.startswith(base):
                return prefix + s[len(base):]
        return s
    if isinstance(v, tuple):
        return v[0] + (f"@{v[1]}" if v[1] else "")
    return v


def rows(store, name: str) -> set[tuple]:
    return {tuple(short(v) for v in r) for r in select(store, name)}


EXPECTED: dict[str, set[tuple]] = {
    "tasks": {
        ("onet:task/1", "skos:prefLabel", "Resolve complaints.@en", None),
        ("onet:task/1", "skos:prefLabel", "Résoudre les plaintes.@fr", None),
        ("onet:task/1", None, None, "onet:occupation/43-4051.00"),
        ("onet:task/2", "rdfs:label", "Keep records.", None),
        ("onet:task/2", None, None, "onet:occupation/43-4051.00"),  # from the occupation's sg:hasTask
    },
    "task_dwas": {("onet:task/1", "onet:dwa/A"), ("onet:task/1", "onet:dwa/B")},
    "onet_elements": {
        ("onet:element/2.A.1.b", "skos:prefLabel", "Active Listening@en"),
        ("onet:element/2.A.1.b", "skos:definition", "Giving full attention.@en"),
        ("onet:element/2.C.1.b", "skos:prefLabel", "Customer and Personal Service@en"),
        ("onet:element/2.C.1.b", "dcterms:description", "Principles.@en"),
    },
    "ratings": {
        ("onet:rating/im", "onet:occupation/43-4051.00", "onet:element/2.A.1.b", "onet:scale/IM", "4.12"),
        ("onet:rating/lv", "onet:occupation/43-4051.00", "onet:element/2.A.1.b", "onet:scale/LV", "3.5"),
    },
    "esco_skills": {
        ("esco/skill/s1", "skos:prefLabel", "handle complaints@en"),
        ("esco/skill/s1", "skos:altLabel", "deal with complaints@en"),
        ("esco/skill/s1", "skos:definition", "Handle complaints.@en"),
        ("esco/skill/s1", "dcterms:description", None),  # ESCO's node literal: not text, the reader skips it
        ("esco/skill/s1", "skos:scopeNote", "Excludes refunds.@en"),
        ("esco/skill/s2", "skos:prefLabel", "customer service@en"),
        ("esco/skill/s3", "skos:prefLabel", "teamwork@en"),
        ("esco/skill/s4", "skos:prefLabel", "think critically@en"),
    },
    "esco_skill_reuse": {("esco/skill/s1", "esco/skill-reuse-level/cross-sector"),
                         ("esco/skill/s2", "esco/skill-reuse-level/transversal")},
    "esco_transversal": {("esco/skill/s2",), ("esco/skill/s3",), ("esco/skill/s4",)},
    "esco_skill_relations": {
        ("esco/occupation/o1", "esco/skill/s1", "essential", "escoid:skill-relation/r1"),
        ("esco/occupation/o1", "esco/skill/s1", "essential", None),
        ("esco/occupation/o1", "esco/skill/s4", "essential", None),
        ("esco/occupation/o1", "esco/skill/s2", "optional", None),  # stated from the skill (isOptionalSkillFor)
    },
    "occupation_links": {("onet:occupation/43-4051.00", "esco/occupation/o1")},
    "onet_occupations": {
        ("onet:occupation/43-4051.00", "43-4051.00", "skos:prefLabel", "Customer Service Representatives@en"),
        ("onet:occupation/43-4051.00", "43-4051.00", "skos:altLabel", "Call Center Agent@en"),
        ("onet:occupation/43-4051.00", "43-4051.00", "skos:altLabel", "Agent de service@fr"),
        ("onet:occupation/43-4051.00", "43-4051.00", "skos:definition", "Interact with customers.@en"),
        ("onet:occupation/43-4171.00", "43-4171.00", "rdfs:label", "Receptionists"),
    },
    "esco_occupations": {
        ("esco/occupation/o1", "4222", "skos:prefLabel", "contact centre clerk@en"),
        ("esco/occupation/o1", "4222", "skos:altLabel", "call centre clerk@en"),
        ("esco/occupation/o1", "4222", "dcterms:description", "Answers calls.@en"),
    },
    "job_zones": {("onet:occupation/43-4051.00", "onet:job-zone/2")},
    "levels": {("sg:Foundational", "1", "0", "1.75"), ("sg:Intermediate", "2", "1.75", "3.5"),
               ("sg:Advanced", "3", "3.5", "5.25"), ("sg:Expert", "4", "5.25", "7")},
    "statements": {
        ("graph:pathsmith", "pathsmith/statement/1", "skos:prefLabel", "Listening@en", None),
        ("graph:pathsmith", "pathsmith/statement/1", "sg:statementText", "listens@en", None),
        ("graph:pathsmith", "pathsmith/statement/1", "sg:proficiencyLevel", None, "sg:Foundational"),
        ("graph:pathsmith", "pathsmith/statement/1", "sg:occupation", None, "onet:occupation/43-4051.00"),
        ("graph:pathsmith", "pathsmith/statement/1", "sg:anchoredTo", None, "onet:task/1"),
        ("graph:pathsmith", "pathsmith/statement/2", "skos:definition", "greets the customer@en", None),
        ("graph:pathsmith", "pathsmith/statement/3", "sg:proficiencyLevel", None, "sg:Advanced"),
        ("graph:aiwork", "aiwork/statement/1", "skos:prefLabel", "Logs interactions@en", None),
        ("graph:aiwork", "aiwork/statement/2", "skos:prefLabel", "Reviews drafts@en", None),
        ("graph:aiwork", "aiwork/statement/3", "skos:prefLabel", "Uses O*NET data@en", None),
        ("graph:wef", "wef/statement/s", "skos:prefLabel", "Shows empathy@en", None),
    },
    "statement_citations": {
        ("pathsmith/statement/1", "onet"),  # a version of the dataset the onet graph is from; labelled otherwise
        ("aiwork/statement/1", "aei"),      # an entity of the AEI graph
        ("aiwork/statement/3", "aei"),      # a version of the dataset the aei graph is from
    },  # not statement 2 of either: titled O*NET or Anthropic Economic Index, stated as neither
    "anchor_sets": {("graph:pathsmith", "pathsmith/anchor-set/43-4051.00", "onet:task/1"),
                    ("graph:pathsmith", "pathsmith/anchor-set/43-4051.00", "onet:task/2")},
    "wef_entries": {
        ("wef/skill/empathy", "skos:prefLabel", "Empathy@en"),
        ("wef/skill/empathy", "skos:altLabel", "compassion@en"),
        ("wef/skill/empathy", "skos:definition", "Understands others.@en"),
    },
    "ai_usage": {("onet:task/1", "aei/task-usage/1")},
}


def test_every_input_query_is_tested():
    assert sorted(input_queries()) == sorted(EXPECTED)
    assert len(EXPECTED) == 18


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_input_query(store, name):
    got = rows(store, name)
    if name == "esco_skills":  # the node literal's row: its value is a blank node, shown as None
        assert ("esco/skill/s1", "dcterms:description", None) in got
    assert got == EXPECTED[name]


def test_each_query_says_what_it_feeds():
    for name, q in input_queries().items():
        assert q.title.startswith("Crosswalk input: "), name
        assert "Feeds Inputs." in q.description, name
        assert not q.params, name


def test_inputs_from_the_fixture_store(store):
    inp = gather_from_store(store)
    task1, task2 = URIRef(iri.onet.task("1")), URIRef(iri.onet.task("2"))
    occ = URIRef(iri.onet.occupation("43-4051.00"))
    assert inp.tasks == {task1: ("Resolve complaints.", {occ}), task2: ("Keep records.", {occ})}
    assert inp.task_dwas == {task1: frozenset({URIRef(iri.onet.dwa("A")), URIRef(iri.onet.dwa("B"))})}
    s1, s2, s4 = (URIRef(iri.esco.skill(k)) for k in ("s1", "s2", "s4"))
    assert inp.esco_skills[s1] == ("handle complaints",
                                   "handle complaints deal with complaints Handle complaints. Excludes refunds.")
    assert inp.skill_reuse == {s1: "cross-sector", s2: "transversal"}
    assert inp.esco_relations[URIRef(iri.esco.occupation("o1"))] == {
        s1: ("essential", URIRef(iri.esco.SCHEME.mint("skill-relation", "r1"))),  # the reified node wins
        s2: ("optional", None), s4: ("essential", None)}
    assert inp.onet_occupations[occ] == ("Customer Service Representatives",
                                         "Customer Service Representatives Call Center Agent Interact with customers.",
                                         "43-4051.00")
    assert {short(s.iri): (s.graph, s.label, s.text, short(s.level), s.cites_onet, s.cites_aei, len(s.anchored))
            for s in inp.statements.values()} == {
        "pathsmith/statement/1": ("pathsmith", "Listening", "listens", "sg:Foundational", True, False, 1),
        "pathsmith/statement/2": ("pathsmith", "", "greets the customer", None, False, False, 0),
        "aiwork/statement/1": ("aiwork", "Logs interactions", "", None, False, True, 0),
        "aiwork/statement/2": ("aiwork", "Reviews drafts", "", None, False, False, 0),  # titled AEI only
        "aiwork/statement/3": ("aiwork", "Uses O*NET data", "", None, False, True, 0),
        "wef/statement/s": ("wef", "Shows empathy", "", None, False, False, 0),
    }  # statement 3 has neither label nor text; the crosswalk graph's statement is no input
    assert inp.transversal == {URIRef(iri.esco.skill(k)) for k in ("s2", "s3", "s4")}
    assert inp.onet_to_esco == {occ: {URIRef(iri.esco.occupation("o1"))}}
    assert inp.job_zone == {occ: 2}
    anchor_set = URIRef(iri.pathsmith.SCHEME.mint("anchor-set", "43-4051.00"))
    assert inp.anchor_sets == {"pathsmith": {anchor_set: {task1, task2}}}  # task 99 is no task of the O*NET graph
    assert set(inp.wef_entries) == {URIRef(iri.wef.SCHEME.mint("skill", "empathy"))}


def test_inputs_of_the_embedded_build_equal_the_frozen_ones(embedded_store):
    """The embedded build's store (crosswalk and entailments in it too) gives the Inputs the rdflib walker gave.

    embedded.json was written from the rdflib walker's Inputs of the embedded sources (gather before
    the SPARQL files), plus task_dwas and skill_reuse, which it did not gather; regenerate it with
    scripts/gen_inputs_golden.py and review the diff.
    """
    assert gather_from_store(embedded_store).as_json() == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_align_of_rdflib_graphs_takes_the_same_path(embedded_assembled):
    graphs = {k: g for k, g in embedded_assembled.graphs.items() if k != "crosswalk"}
    assert gather(graphs).as_json() == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_unknown_query_name_lists_the_valid_ones(store):
    with pytest.raises(ValueError, match="no crosswalk input query 'task'; the queries are ai_usage, anchor_sets"):
        list(select(store, "task"))


def test_the_build_aligns_from_its_store_what_align_gives_for_the_graphs(embedded_build, embedded_store,
                                                                         embedded_assembled):
    """The build gathers the inputs from its staging store; align(graphs) from an in-memory one: one result."""
    import pyoxigraph as ox
    from rdflib.compare import isomorphic

    from skillgraph.crosswalk import align
    from skillgraph.reasoning import store_graph

    gi = iri.graph("crosswalk")
    built = store_graph(embedded_store, ox.NamedNode(str(gi)), Graph())
    for t in list(built.triples((gi, None, None))):  # the graph's self-description (licences, version)
        built.remove(t)
    graphs = {k: g for k, g in embedded_assembled.graphs.items() if k != "crosswalk"}
    # through a store too, which writes numbers in canonical form (0.2610 -> 0.261)
    aligned = store_graph(store_of({"crosswalk": align(graphs)[0]}), ox.NamedNode(str(gi)), Graph())
    assert len(built) == len(aligned) and built
    assert isomorphic(built, aligned)


def test_the_crosswalks_references_are_checked_against_the_sources_in_the_store(store):
    """The build checks the crosswalk's alignment ends against the source graphs it loaded (StoreGraph)."""
    from rdflib.namespace import OWL, RDF

    from skillgraph import references

    g = Graph()
    task1, task99 = URIRef(iri.onet.task("1")), URIRef(iri.onet.task("99"))
    for n, target in enumerate((task1, task99)):
        al = URIRef(f"urn:example:alignment:{n}")
        g.add((al, RDF.type, SG.Alignment))
        g.add((al, OWL.annotatedSource, URIRef(iri.esco.skill("s1"))))
        g.add((al, OWL.annotatedTarget, target))
    owners = {k: references.StoreGraph(store, k) for k in ("onet", "esco")}
    dangling = references.check({"crosswalk": g}, owners={**owners, "crosswalk": g})
    assert [(d.reference, d.graph, d.targets) for d in dangling] == [
        ("alignment -> source or target", "crosswalk", [str(task99)])]
