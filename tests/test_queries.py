"""Curated queries: every .rq in queries/ loads, has a title and description, and has an
expected-result test somewhere in the suite; the occupation-across-sources query is tested here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from skillgraph.ontology import PREFIXES
from skillgraph.queries import catalog
from skillgraph.query import run

TESTS = Path(__file__).parent
SEEDS = TESTS.parent.parent / "shared" / "seeds"
OCC = "https://w3id.org/skillgraph/id/onet/occupation/43-4051.00"

CATALOG = catalog()


def test_catalog_size():
    # grows with the curated queries; a stray filter must not hollow the suite out
    assert len(CATALOG) >= 5


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_query_is_documented_and_has_an_expected_result_test(name):
    cq = CATALOG[name]
    assert cq.title and cq.description
    referenced = [p for p in TESTS.glob("test_*.py") if p.name != "test_queries.py"
                  and re.search(rf"\b{re.escape(name)}\b", p.read_text(encoding="utf-8"))]
    here = re.search(rf"def test_{re.escape(name)}\w*\(", Path(__file__).read_text(encoding="utf-8"))
    assert referenced or here, f"queries/{name}.rq has no expected-result test"


def _rows(store, name, **params):
    cq = CATALOG[name]
    res = run(store, cq.bind(params))
    names = [v.value for v in res.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in res]


def seed_skills() -> dict[str, tuple[float, float]]:
    text = (SEEDS / "002_1170e806783f0c0d.txt").read_text(encoding="utf-8")
    pat = re.compile(r"^- (.+?) \(Importance: ([\d.]+)/5 \| Level: ([\d.]+)/7\)$", re.M)
    return {m[1]: (float(m[2]), float(m[3])) for m in pat.finditer(text)}


def test_occupation_profile_on_the_embedded_build(embedded_store):
    rows = _rows(embedded_store, "occupation_profile", occupation=f"<{OCC}>")
    def by(aspect):
        return [r for r in rows if r["aspect"] == aspect]
    tasks = {r["label"] for r in by("task")}
    assert len(tasks) == 13
    assert "Refer unresolved customer grievances to designated departments for further investigation." in tasks
    skills = {r["label"]: (float(r["importance"]), float(r["level"])) for r in by("skill")}
    assert len(skills) == 35
    if SEEDS.is_dir():
        assert skills == seed_skills()
    assert skills["Service Orientation"] == (4.0, 3.62)
    zone = by("job zone")
    assert [(z["label"], z["value"]) for z in zone] == [("Job Zone Two: Some Preparation Needed", "2")]
    tech = {r["label"]: r["flag"] for r in by("technology")}
    assert len(tech) >= 100
    assert "hot technology" in tech["Microsoft Excel"]
    esco = {(r["label"], r["flag"]) for r in by("ESCO skill")}
    assert ("perform escalation procedure", "essential") in esco
    assert {r["graph"].rsplit("/", 1)[-1] for r in rows} >= {
        "onet",
        "esco",
        "aei",
        "safi",
        "wef",
        "pathsmith",
        "ladder",
        "aiwork",
    }
    safi = by("SAFI")
    assert [(float(s["value"]), s["label"], s["flag"]) for s in safi] == [
        (57.3, "Service Orientation", "category_estimate")
    ]
    assert [r["label"] for r in by("WEF cluster")] == ["Human-Technology Interaction"]
    stmts = by("statement")
    assert len({r["item"] for r in stmts}) == 84 + 40 + 12
    pack = [r for r in by("AI usage") if "observations 6032" in (r["value"] or "")]
    assert len(pack) == 1 and "augmentation 0.95" in pack[0]["value"] and "autonomy 2.71" in pack[0]["value"]


def _solutions(res) -> tuple[list[str], set]:
    names = [v.value for v in res.variables]
    return names, {tuple(str(s[n]) if s[n] is not None else None for n in names) for s in res}


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_inlined_parameters_give_the_substituted_answers(name, embedded_store):
    """bind() writes parameters into the WHERE clause (fast); the answers are those of substitutions=."""
    cq = CATALOG[name]
    inlined = _solutions(run(embedded_store, cq.bind({})))
    substituted = _solutions(embedded_store.query(cq.text, use_default_graph_as_union=True, prefixes=PREFIXES,
                                                 substitutions=cq.substitutions({})))
    assert inlined == substituted
    assert inlined[1], f"{name} has no answers on the embedded build with its defaults"


def test_inline_skips_strings_iris_and_comments():
    import pyoxigraph as ox

    from skillgraph.queries import inline

    text = 'SELECT ?x WHERE { # ?x in a comment\n ?s <urn:?x> ?x . FILTER(?x != "?x") }'
    out = inline(text, {"x": ox.NamedNode("urn:a")})
    assert out.startswith("SELECT ?x WHERE {")
    assert "# ?x in a comment" in out and "<urn:?x>" in out and '"?x"' in out
    assert "?s <urn:?x> <urn:a> ." in out and "BIND(<urn:a> AS ?x)" in out
