"""The full releases built end to end, once (the session fixture `full_build` in conftest.py), and the
full-data acceptance checks of issues 3 (O*NET), 4 (ESCO + occupation crosswalk) and 5 (AEI, evidence
pack) run against the published store, with every expected figure read directly from the source files
through skillgraph.tabular (never through the mapping code).

The build itself is the check that the shapes hold on the full graphs: build() validates every graph
with pySHACL and publishes nothing on a violation.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT

from skillgraph import iri, queries
from skillgraph.query import run
from skillgraph.tabular import read_delimited, read_table

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

ONET_ID = "https://w3id.org/skillgraph/id/onet/"
CSR_SOC = "43-4051.00"
CSR_ESCO = "http://data.europa.eu/esco/occupation/13d1b2b4-99dd-44da-9734-c9f74bae18f7"
RATED = ("Skills", "Knowledge", "Work Styles", "Interests", "Work Values", "Education, Training, and Experience")
ALL_SOURCES = ["onet", "esco", "nesta", "wef", "pathsmith", "aei", "ladder", "aiwork", "safi", "jobmodel"]
PREFIXES = """PREFIX sg: <https://w3id.org/skillgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""


def py(term):
    """A query result term as a plain Python value (Decimal for numbers, str otherwise)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value.rsplit("#", 1)[-1] in (
            "decimal", "integer", "double", "float", "int", "long", "nonNegativeInteger"):
        return Decimal(term.value)
    if isinstance(term, ox.Literal) and term.datatype.value.endswith("#boolean"):
        return term.value == "true"
    return term.value


def select(st, text: str, subs: dict | None = None) -> list[dict]:
    text = PREFIXES + text if not text.lstrip().startswith("#") else text
    if subs:  # a query that is not a curated one, bound the SEP-0007 way (small answers only)
        res = st.query(text, use_default_graph_as_union=True, substitutions=subs)
    else:
        res = run(st, text)
    names = [v.value for v in res.variables]
    return [{n: py(sol[n]) for n in names} for sol in res]


def count(st, text: str) -> int:
    (row,) = select(st, text)
    return int(next(iter(row.values())))


def curated(st, name: str, args: dict | None = None) -> list[dict]:
    cq = queries.get(name)
    return select(st, cq.bind(args or {}))  # parameters inlined: fast on the full store


def g(source: str) -> str:
    return f"<{iri.graph(source)}>"


@pytest.fixture(scope="module")
def st(full_build):
    return full_build.store()


@pytest.fixture(scope="module")
def profile(st) -> list[dict]:
    """occupation_profile for 43-4051.00 on the full store, run once (the slowest curated query there)."""
    import time

    t0 = time.perf_counter()
    rows = curated(st, "occupation_profile")
    print(f"\noccupation_profile on the full store: {len(rows)} rows in {time.perf_counter() - t0:.0f} s")
    return rows


@pytest.fixture(scope="module")
def onet_dir(full_build) -> Path:
    return full_build.paths["onet"]


@pytest.fixture(scope="module")
def esco_dir(full_build) -> Path:
    return full_build.paths["esco"]


@pytest.fixture(scope="module")
def shared(full_build) -> Path:
    return full_build.paths["nesta"]


# -- the build: published, logged, validated, counted, reasoned, exported ----------------------------------

def test_build_log_timings_and_triple_counts(full_build, st):
    info = full_build.info
    print("\n".join(["", "full build log:"] + full_build.log))
    print(f"full build: {full_build.seconds:.0f} s wall, peak RSS {full_build.peak_rss_mb:.0f} MB "
          f"(build.json: {info['total_s']:.0f} s, {info['peak_rss_mb']:.0f} MB); timings {info['timings_s']}")
    print("triples per graph: " + ", ".join(f"{k} {v:,}" for k, v in info["graphs"].items()))
    assert list(info["sources"]) == ALL_SOURCES
    releases = {k: v["release"] for k, v in info["sources"].items()}
    assert (releases["onet"], releases["esco"], releases["aei"]) == (
        "30.1", "v1.1.1", "release_2025_02_10+release_2026_03_24")
    assert {k: v["path"] for k, v in info["sources"].items() if k in ("onet", "esco", "nesta")} == {
        k: str(full_build.paths[k]) for k in ("onet", "esco", "nesta")}
    # the counts the build printed are the store's
    stored = {
        r["g"]: int(r["n"])
        for r in select(st, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    }
    assert stored == {str(iri.graph(k)): n for k, n in info["graphs"].items()}
    if full_build.summary is not None:
        assert full_build.summary.graphs == info["graphs"]
        assert full_build.summary.reports["onet"]["counts"] == info["sources"]["onet"]["counts"]
    assert set(info["graphs"]) == {"ontology", *ALL_SOURCES, "crosswalk", "inferred"}
    assert info["graphs"]["onet"] > 3_000_000 and info["graphs"]["esco"] > 1_000_000
    # every mapped graph went through the shapes and conformed (the build fails otherwise)
    validated = {m.group(1) for line in full_build.log for m in [re.search(r"validated (\w+): conforms", line)] if m}
    if full_build.summary is not None:
        assert validated == {*ALL_SOURCES, "crosswalk"}
    printed = {m.group(1): int(m.group(2).replace(",", "")) for line in full_build.log
               for m in [re.search(r"mapped (\w+) \(.*?\) from .*?: ([\d,]+) triples", line)] if m}
    if full_build.summary is not None:
        assert set(printed) == set(ALL_SOURCES)


def test_inferred_graph_and_exports_for_every_graph(full_build, st):
    info = full_build.info
    assert info["graphs"]["inferred"] > 0 and sum(info["inferred_by_rule"].values()) > 0
    assert (
        count(st, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g('inferred')} {{ ?s ?p ?o }} }}")
        == info["graphs"]["inferred"]
    )
    exports = full_build.path / "exports"
    for key, n in info["graphs"].items():
        ttl = exports / f"{key}.ttl"
        assert ttl.is_file() and ttl.stat().st_size > 0, ttl
        with ttl.open("rb") as fh:
            assert sum(1 for _ in ox.parse(fh, ox.RdfFormat.TURTLE)) == n, ttl
    with (exports / "skillgraph.nq").open("rb") as fh:
        assert sum(1 for line in fh if line.strip()) == sum(info["graphs"].values())
    assert (exports / "skillgraph.trig").stat().st_size > 0
    sssom = (exports / "crosswalk.sssom.tsv").read_text(encoding="utf-8")
    assert "subject_id" in sssom and sssom.count("\n") > 100


# -- issue 3: O*NET 30.1 -------------------------------------------------------------------------------------


def test_onet_entities_and_every_rating_row(full_build, st, onet_dir):
    counts = full_build.info["sources"]["onet"]["counts"]
    occ = {r["O*NET-SOC Code"] for r in read_table(onet_dir / "Occupation Data.xlsx")}
    tasks = {r["Task ID"] for r in read_table(onet_dir / "Task Statements.xlsx")}
    assert (len(occ), len(tasks)) == (1016, 18796)
    assert counts["occupations"] == 1016 and counts["tasks"] == 18796
    got_occ = {
        r["o"][len(ONET_ID + "occupation/") :]
        for r in select(st, f"SELECT ?o WHERE {{ GRAPH {g('onet')} {{ ?o a sg:Occupation }} }}")
    }
    got_tasks = {
        r["t"][len(ONET_ID + "task/") :]
        for r in select(st, f"SELECT ?t WHERE {{ GRAPH {g('onet')} {{ ?t a sg:Task }} }}")
    }
    assert got_occ == occ
    assert got_tasks == {str(int(float(t))) for t in tasks}
    # every rating row of every rating table present in the release, per table
    table_of: dict[str, str] = {}
    expected = Counter()
    for t in RATED:
        for r in read_table(onet_dir / f"{t}.xlsx"):
            table_of[r["Element ID"]] = t
            expected[t] += 1
    per_element = select(
        st,
        f"SELECT ?e (COUNT(?r) AS ?n) WHERE {{ GRAPH {g('onet')} {{ ?r a sg:Rating ; sg:ratedElement ?e }} }} "
        "GROUP BY ?e",
    )
    got = Counter()
    for r in per_element:
        got[table_of[r["e"][len(ONET_ID + "element/"):]]] += int(r["n"])
    print("\nO*NET rating rows per table:", dict(expected))
    assert got == expected
    assert {t: counts[f"ratings: {t}"] for t in RATED} == dict(expected)
    assert sorted(full_build.info["sources"]["onet"]["tables_skipped"]) == [
        "Abilities",
        "Task Ratings",
        "Work Activities",
        "Work Context",
    ]
    # technology and tools rows, task-DWA links
    tech = sum(1 for _ in read_table(onet_dir / "Technology Skills.xlsx"))
    tools = sum(1 for _ in read_table(onet_dir / "Tools Used.xlsx"))
    assert (counts["Technology Skills rows"], counts["Tools Used rows"]) == (tech, tools)
    assert (
        count(
            st, f"SELECT (COUNT(?u) AS ?n) WHERE {{ GRAPH {g('onet')} {{ ?u a sg:TechnologyUse ; sg:technology ?t }} }}"
        )
        == tech + tools
    )
    dwa = {(r["Task ID"], r["DWA ID"]) for r in read_table(onet_dir / "Tasks to DWAs.xlsx")}
    assert count(st, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g('onet')} {{ ?t sg:hasWorkActivity ?d }} }}") == len(
        dwa
    )


def _csr_rows(path: Path) -> list:
    return [r for r in read_table(path) if r["O*NET-SOC Code"] == CSR_SOC]


def test_occupation_profile_43_4051_00(profile, onet_dir):
    rows = profile
    by = defaultdict(list)
    for r in rows:
        by[r["aspect"]].append(r)
    onet_graph = str(iri.graph("onet"))
    # all 13 tasks
    tasks = {r["Task"] for r in _csr_rows(onet_dir / "Task Statements.xlsx")}
    assert len(tasks) == 13
    assert {r["label"] for r in by["task"] if r["graph"] == onet_graph} == tasks
    # all 35 skills, IM and LV exactly as the source rows
    src: dict[str, dict] = defaultdict(dict)
    names = {}
    for r in _csr_rows(onet_dir / "Skills.xlsx"):
        src[r["Element ID"]][r["Scale ID"]] = Decimal(r["Data Value"])
        names[r["Element ID"]] = r["Element Name"]
    assert len(src) == 35
    expected = {(names[e], v["IM"], v["LV"]) for e, v in src.items()}
    got = {(r["label"], r["importance"], r["level"]) for r in by["skill"]}
    assert got == expected
    # the job zone
    (jz,) = [r["Job Zone"] for r in _csr_rows(onet_dir / "Job Zones.xlsx")]
    assert {(r["item"], r["value"]) for r in by["job zone"]} == {
        (f"{ONET_ID}job-zone/{int(float(jz))}", str(int(float(jz))))
    }
    # technology skills with O*NET's hot-technology (and in-demand) flags
    tech = {(r["Example"], ("hot technology" if r["Hot Technology"] == "Y" else "")
             + ("; " if r["Hot Technology"] == "Y" and r["In Demand"] == "Y" else "")
             + ("in demand" if r["In Demand"] == "Y" else ""))
            for r in _csr_rows(onet_dir / "Technology Skills.xlsx")}
    assert {(r["label"], r["flag"]) for r in by["technology"]} == tech
    assert any("hot technology" in f for _, f in tech)


# -- issue 4: ESCO v1.1.1 and the occupation crosswalk --------------------------------------------------------


def test_esco_counts_against_the_source_files(full_build, st, esco_dir):
    rep = full_build.info["sources"]["esco"]
    counts, details = rep["counts"], rep["details"]
    occ = sum(1 for _ in read_delimited(esco_dir / "occupations_en.csv.gz"))
    skills = list(read_delimited(esco_dir / "skills_en.csv.gz"))
    rels = list(read_delimited(esco_dir / "occupationSkillRelations.csv.gz"))
    assert (occ, len(skills), len(rels)) == (3007, 13896, 123855)
    esco = g("esco")
    assert count(st, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH {esco} {{ ?o a esco:Occupation }} }}") == occ
    assert count(st, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH {esco} {{ ?s a esco:Skill }} }}") == len(skills)
    assert count(st, f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH {esco} {{ ?r a sg:SkillRelation }} }}") == len(
        rels
    )
    assert counts["occupations"] == occ and counts["occupation-skill relations"] == len(rels)
    ess = sum(1 for r in rels if r["relationType"] == "essential")
    assert count(st, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {esco} {{ ?o esco:relatedEssentialSkill ?s }} }}") == ess
    assert (
        count(st, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {esco} {{ ?o esco:relatedOptionalSkill ?s }} }}")
        == len(rels) - ess
    )
    # exact figures of ESCO v1.1.1, in both directions as ESCO's own RDF states them
    assert (ess, len(rels) - ess) == (64946, 58909)
    for prop, n in (("esco:relatedEssentialSkill", 64946), ("esco:relatedOptionalSkill", 58909),
                    ("esco:isEssentialSkillFor", 64946), ("esco:isOptionalSkillFor", 58909)):
        assert count(st, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {esco} {{ ?a {prop} ?b }} }}") == n, prop
    for fwd, inv in (("esco:relatedEssentialSkill", "esco:isEssentialSkillFor"),
                     ("esco:relatedOptionalSkill", "esco:isOptionalSkillFor")):
        assert count(st, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {esco} {{ ?o {fwd} ?s "
                         f"FILTER NOT EXISTS {{ ?s {inv} ?o }} }} }}") == 0
    # the 5 relations with an empty skillType: kept in the graph and reported
    empty = [r for r in rels if not r["skillType"].strip()]
    assert len(empty) == 5
    assert len(details["occupation-skill relations with empty skillType"]) == 5
    assert (counts["occupation-skill relations (essential, empty skillType)"]
            + counts["occupation-skill relations (optional, empty skillType)"]) == 5
    assert any("empty skillType" in w for w in rep["warnings"])
    for r in empty:
        prop = "esco:relatedEssentialSkill" if r["relationType"] == "essential" else "esco:relatedOptionalSkill"
        assert run(st, f"{PREFIXES} ASK {{ GRAPH {esco} {{ <{r['occupationUri']}> {prop} <{r['skillUri']}> }} }}")
    empty_skills = [r for r in skills if not r["skillType"].strip()]
    assert len(details["skills with empty skillType"]) == len(empty_skills) == counts["skills with empty skillType"]


def test_csr_v111_profile_22_essential_14_optional(st, esco_dir):
    rels = [r for r in read_delimited(esco_dir / "occupationSkillRelations.csv.gz") if r["occupationUri"] == CSR_ESCO]
    src = Counter(r["relationType"] for r in rels)
    assert src == {"essential": 22, "optional": 14}
    rows = select(st, f"""SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH {g('esco')} {{
        {{ <{CSR_ESCO}> esco:relatedEssentialSkill ?s BIND("essential" AS ?kind) }}
        UNION {{ <{CSR_ESCO}> esco:relatedOptionalSkill ?s BIND("optional" AS ?kind) }} }} }} GROUP BY ?kind""")
    assert {r["kind"]: int(r["n"]) for r in rows} == dict(src)


def test_crosswalk_maps_csr_to_43_4051_00_with_confidence_and_provenance(st, shared):
    (row,) = [
        r
        for r in read_delimited(shared / "crosswalks" / "nesta_esco_onet_2020" / "esco_onet_crosswalk_Nov2020.csv")
        if r["concept_uri"] == CSR_ESCO
    ]
    assert row["onet_code"] == CSR_SOC
    rows = select(st, f"""SELECT ?target ?conf ?raw ?just ?method ?rowId ?from ?to ?kind ?graph WHERE {{
        GRAPH ?graph {{ <{CSR_ESCO}> skos:closeMatch ?target .
          ?a a sg:Alignment ; owl:annotatedSource <{CSR_ESCO}> ; owl:annotatedProperty skos:closeMatch ;
             owl:annotatedTarget ?target ; sssom:confidence ?conf ; sg:sourceConfidence ?raw ;
             sssom:mapping_justification ?just ; sg:method ?method ;
             prov:wasDerivedFrom ?src ; prov:wasGeneratedBy ?step .
          ?src dcterms:identifier ?rowId .
          ?step sg:fromCode ?from ; sg:toCode ?to ; sg:stepKind ?kind . }} }}""")
    assert len(rows) == 1
    (r,) = rows
    assert r["target"] == f"{ONET_ID}occupation/{CSR_SOC}" and r["graph"] == str(iri.graph("nesta"))
    assert r["raw"] == Decimal(row["confidence"]) and r["conf"] == Decimal(row["confidence"]) / 2
    assert 0 < r["conf"] <= 1 and r["just"].endswith("ManualMappingCuration") and "Nesta" in r["method"]
    assert (r["rowId"], r["from"], r["to"], r["kind"]) == (row["id"], CSR_SOC, CSR_SOC, "unchanged")
    # every ESCO occupation Nesta maps to 43-4051.00 is crosswalked to it in the graph
    esco_for_csr = {
        x["concept_uri"]
        for x in read_delimited(shared / "crosswalks" / "nesta_esco_onet_2020" / "esco_onet_crosswalk_Nov2020.csv")
        if x["onet_code"] == CSR_SOC
    }
    got = {
        x["e"]
        for x in select(
            st,
            f"""SELECT ?e WHERE {{ ?e skos:closeMatch <{ONET_ID}occupation/{CSR_SOC}>
        FILTER(STRSTARTS(STR(?e), "http://data.europa.eu/esco/occupation/")) }}""",
        )
    }
    assert got == esco_for_csr and len(got) == 4


# The ESCO profile of one ESCO occupation, from the esco graph. occupation_profile lists the ESCO skills
# of every ESCO occupation crosswalked to the O*NET one (four in the full crosswalk, one in the embedded
# sample) without naming which, so the per-ESCO-occupation comparison needs this query.
ESCO_PROFILE = """SELECT ?occ ?gr ?label ?kind WHERE { GRAPH ?gr {
  { ?occ esco:relatedEssentialSkill ?skill BIND("essential" AS ?kind) }
  UNION { ?occ esco:relatedOptionalSkill ?skill BIND("optional" AS ?kind) }
  ?skill skos:prefLabel ?label . FILTER(LANGMATCHES(LANG(?label), "en")) } }"""


def test_embedded_sample_and_full_esco_profiles_differ_and_the_query_shows_how(st, embedded_store, profile):
    subs = {ox.Variable("occ"): ox.NamedNode(CSR_ESCO), ox.Variable("gr"): ox.NamedNode(str(iri.graph("esco")))}
    emb = {(r["label"], r["kind"]) for r in select(embedded_store, ESCO_PROFILE, subs)}
    full = {(r["label"], r["kind"]) for r in select(st, ESCO_PROFILE, subs)}
    print(f"\nCSR ESCO profile: embedded {Counter(k for _, k in emb)}, full {Counter(k for _, k in full)}")
    print("only in the embedded sample (seed, v1.2):", sorted(emb - full))
    print("only in the full v1.1.1 graph:", sorted(full - emb))
    assert Counter(k for _, k in full) == {"essential": 22, "optional": 14}
    assert emb - full == {("identify customer's needs", "essential"), ("knowledge base", "essential")}
    assert full - emb == set()
    # the curated side-by-side query: on each store its "ESCO skill" rows hold that store's CSR profile
    for rows_, prof in ((curated(embedded_store, "occupation_profile"), emb), (profile, full)):
        rows = {(r["label"], r["flag"]) for r in rows_ if r["aspect"] == "ESCO skill"}
        assert prof <= rows


# -- issue 5: AEI join, usage on the occupation's tasks, the evidence pack ------------------------------------

JOIN = {"task-id": 0, "exact": 2932, "normalised": 182, "fuzzy": 151, "ambiguous": 1, "unmatched": 247}


def test_aei_join_report_on_the_full_data(full_build, st, onet_dir):
    first = full_build.paths["aei"]  # the release folder, given as --aei
    rep = full_build.info["sources"]["aei"]["details"]["join"]["release_2025_02_10"]
    print("\nAEI release_2025_02_10 join vs O*NET 30.1:", rep)
    assert rep["onet_tasks"] == 18796 and rep["not_task_rows"] == 1
    assert rep["texts"] == JOIN  # the figures of scripts/aei_join_report.py
    # from the source files: distinct task texts, and how many match an O*NET 30.1 statement exactly (case-folded)
    aei = {r["task_name"] for r in read_delimited(first / "onet_task_mappings.csv")} - {"none"}
    onet = {r["Task"].casefold() for r in read_table(onet_dir / "Task Statements.xlsx")}
    assert len(aei) == sum(JOIN.values()) == 3513
    assert sum(1 for t in aei if t.casefold() in onet) == JOIN["exact"]
    # in the graph: one flagged evidence node per text, by method; unmatched and ambiguous rows kept, not joined
    rows = select(st, f"""SELECT ?m (COUNT(DISTINCT ?text) AS ?n) WHERE {{ GRAPH {g('aei')} {{
        ?e a sg:AIUsageEvidence ; sg:taskText ?text ; sg:joinMethod ?m ;
           dcterms:source <{iri.instance("aei", "release", "release_2025_02_10")}> }} }}
        GROUP BY ?m""")
    assert {r["m"]: int(r["n"]) for r in rows} == {k: v for k, v in JOIN.items() if v}
    assert (
        count(
            st,
            f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g("aei")} {{ ?e sg:joinMethod ?m ; sg:aboutTask ?t
        FILTER(?m IN ("unmatched", "ambiguous")) }} }}""",
        )
        == 0
    )
    amb = select(
        st,
        f"""SELECT ?e (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH {g("aei")} {{ ?e sg:joinMethod "ambiguous" ;
        sg:joinCandidate ?c }} }} GROUP BY ?e""",
    )
    assert len(amb) == 1 and all(int(r["n"]) >= 2 for r in amb)
    outcome = select(st, f"""SELECT ?m ?n WHERE {{ GRAPH {g('aei')} {{ ?a a prov:Activity ; dcterms:hasPart ?p .
        ?p sg:joinMethod ?m ; void:entities ?n . FILTER(CONTAINS(STR(?a), "release_2025_02_10")) }} }}""")
    assert {r["m"]: int(r["n"]) for r in outcome} == rep["rows"]


def test_aei_usage_on_the_tasks_of_43_4051_00(full_build, st, onet_dir):
    first = full_build.paths["aei"]  # the release folder, given as --aei
    pct = {r["task_name"]: Decimal(r["pct"]) for r in read_delimited(first / "onet_task_mappings.csv")}
    tasks = {r["Task ID"]: r["Task"] for r in _csr_rows(onet_dir / "Task Statements.xlsx")}
    expected = {
        f"{ONET_ID}task/{int(float(t))}": pct[text.casefold()] for t, text in tasks.items() if text.casefold() in pct
    }
    assert len(expected) >= 6
    rows = curated(st, "tasks_by_ai_usage")
    got = {r["task"]: r["usageShare"] for r in rows if r["usageShare"] is not None}
    print("\nAEI usage share on the tasks of 43-4051.00:", {k.rsplit("/", 1)[1]: str(v) for k, v in got.items()})
    assert {r["task"] for r in rows} == {f"{ONET_ID}task/{int(float(t))}" for t in tasks}
    assert set(got) >= set(expected)
    for t, p in expected.items():
        # the graph holds AEI's percentage as a share in [0, 1]
        assert got[t] == p / 100 or abs(got[t] - p / 100) < Decimal("1e-12"), (t, got[t], p)


SEED = ROOT.parent / "shared" / "seeds" / "000_b8434f154baff6a3.txt"


def test_aei_given_as_a_release_keeps_the_seed_evidence_pack_exactly(full_build, st):
    """`--aei .../release_2025_02_10` adds that release beside the embedded seed release; nothing is lost."""
    from skillgraph.mappings import source

    aei = full_build.info["sources"]["aei"]
    assert full_build.paths["aei"].name == "release_2025_02_10"  # the full_build fixture passes --aei
    assert aei["path"] == [str(full_build.paths["aei"]), str(source("aei").embedded_path())]
    assert aei["release"] == "release_2025_02_10+release_2026_03_24"
    rows = select(st, f"""SELECT ?n ?aug ?ts ?ai ?rel WHERE {{ GRAPH {g('aei')} {{ ?e a sg:AIUsageEvidence ;
        sg:occupation <{ONET_ID}occupation/{CSR_SOC}> ; sg:observationCount ?n ; sg:augmentationShare ?aug ;
        sg:timeSavedShare ?ts ; sg:aiAutonomy ?ai ; dcterms:source/<https://schema.org/version> ?rel }} }}""")
    assert [(r["n"], r["aug"], r["ts"], r["ai"], r["rel"]) for r in rows] == [
        (6032, Decimal("0.95"), Decimal("0.888"), Decimal("2.71"), "release_2026_03_24")]
    assert full_build.info["sources"]["onet"]["tables_skipped_why"] == {
        t: "absent; allowed by --allow-missing"
        for t in ("Abilities", "Task Ratings", "Work Activities", "Work Context")
    }


def test_evidence_pack_figures_exactly_as_the_seed(full_build, st, profile):
    text = (full_build.paths["nesta"].parent / "seeds" / SEED.name).read_text(encoding="utf-8")
    m = re.search(r"Task observations: (\d+)Augment share: ([\d.]+)%Time saved: ([\d.]+)%AI autonomy: ([\d.]+)", text)
    obs, aug, saved, autonomy = (
        int(m.group(1)),
        Decimal(m.group(2)) / 100,
        Decimal(m.group(3)) / 100,
        Decimal(m.group(4)),
    )
    s = re.search(r"Top skill: (.+?)Score: ([\d.]+) / 100precision: (\w+)", text)
    line = re.search(r"- WEF cluster\n- (.+)\n", text).group(1)  # label and id run together: "Xyz Abcxyz_abc"
    (w,) = [(line[:k], line[k:]) for k in range(1, len(line)) if line[k:] == re.sub(r"[^a-z]+", "_", line[:k].lower())]
    assert (obs, aug, saved, autonomy) == (6032, Decimal("0.95"), Decimal("0.888"), Decimal("2.71"))
    rows = select(st, f"""SELECT ?n ?aug ?ts ?ai WHERE {{ GRAPH {g('aei')} {{ ?e a sg:AIUsageEvidence ;
        sg:occupation <{ONET_ID}occupation/{CSR_SOC}> ; sg:observationCount ?n ; sg:augmentationShare ?aug ;
        sg:timeSavedShare ?ts ; sg:aiAutonomy ?ai ;
        dcterms:source <{iri.instance("aei", "release", "release_2026_03_24")}> }} }}""",
    )
    assert [(r["n"], r["aug"], r["ts"], r["ai"]) for r in rows] == [(obs, aug, saved, autonomy)]
    ai = [r["value"] for r in profile if r["aspect"] == "AI usage" and "observations" in (r["value"] or "")]
    assert f"observations {obs} augmentation {aug} time saved {saved} autonomy {autonomy}" in ai
    (safi,) = [r for r in profile if r["aspect"] == "SAFI"]
    assert (safi["label"], safi["flag"]) == (s.group(1), s.group(3))
    assert safi["value"] in (Decimal(s.group(2)), Decimal(s.group(2)) / 100)
    (wef,) = [r for r in profile if r["aspect"] == "WEF cluster"]
    assert w == ("Human-Technology Interaction", "human_technology_interaction")
    assert wef["label"] == w[0] and wef["item"].endswith(w[1])


# -- the flagship on the full graph -----------------------------------------------------------------------


def test_flagship_escalation_skill_for_task_2582_at_advanced(st):
    rows = curated(st, "esco_skills_for_task_at_level", {"task": f"<{ONET_ID}task/2582>",
                                                          "level": "<https://w3id.org/skillgraph/ontology#Advanced>"})
    print(f"\nflagship on the full graph: {len(rows)} answers; top 5:",
          [(r["skillLabel"], str(r["confidence"])) for r in rows[:5]])
    hits = [r for r in rows if r["skillLabel"] == "perform escalation procedure"]
    assert hits, [r["skillLabel"] for r in rows]
    (hit,) = hits
    assert 0 < hit["confidence"] <= 1
    assert hit["evidencePath"] and hit["method"] and hit["alignment"]
    assert hit["statementLabel"] and "statement" in hit["evidencePath"]
    assert all(0 < r["confidence"] <= 1 for r in rows)
