"""The curated-query loader, on temporary .rq files (not the shipped queries)."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from skillgraph.errors import SourceError
from skillgraph.queries import catalog, get

XSD = "http://www.w3.org/2001/XMLSchema#"


def test_header_params_and_typed_substitutions(tmp_path):
    (tmp_path / "by_level.rq").write_text(
        "# title: Statements at a level\n"
        "# description: The statements of one framework\n"
        "#   at one level.\n"
        "# param: ?framework (iri) — the framework\n"
        "# param: ?label literal default \"Escalation summarization\"@en — a statement label\n"
        "# param: ?level (integer) default 2 — the level\n"
        "# param: ?min decimal [default 0.5] — minimum confidence\n"
        "SELECT ?framework ?label ?level ?min ?s WHERE { ?s ?p ?label }\n", encoding="utf-8")
    cq = catalog(tmp_path)["by_level"]
    assert cq.title == "Statements at a level"
    assert cq.description == "The statements of one framework at one level."
    assert [(p.name, p.type, p.default) for p in cq.params] == [
        ("framework", "iri", None), ("label", "literal", '"Escalation summarization"@en'),
        ("level", "integer", "2"), ("min", "decimal", "0.5")]
    subs = cq.substitutions({"framework": "https://example.org/fw", "level": "3"})
    assert subs == {
        ox.Variable("framework"): ox.NamedNode("https://example.org/fw"),
        ox.Variable("label"): ox.Literal("Escalation summarization", language="en"),
        ox.Variable("level"): ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")),
        ox.Variable("min"): ox.Literal("0.5", datatype=ox.NamedNode(XSD + "decimal")),
    }
    with pytest.raises(ValueError, match="needs parameter 'framework'"):
        cq.substitutions({})
    with pytest.raises(ValueError, match="'level'.*not an integer"):
        cq.substitutions({"framework": "https://example.org/fw", "level": "two"})
    with pytest.raises(ValueError, match="not an absolute IRI"):
        cq.substitutions({"framework": "fw"})
    # the substitutions bind in pyoxigraph as declared
    st = ox.Store()
    st.add(ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"),
                   ox.Literal("Escalation summarization", language="en")))
    rows = list(st.query(cq.text, substitutions=cq.substitutions({"framework": "https://example.org/fw"})))
    assert [r["s"].value for r in rows] == ["https://example.org/s"]


def test_unknown_names_and_bad_headers(tmp_path):
    (tmp_path / "a.rq").write_text("# title: A\nASK { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(ValueError, match="valid names are: a"):
        get("b", tmp_path)
    assert get("a", tmp_path).params == ()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.rq").write_text("# title: X\n# description: d\n# param: ?x (number) — what\nASK { ?x ?p ?o }\n",
                              encoding="utf-8")
    with pytest.raises(SourceError, match=r"x\.rq:3: unknown parameter type 'number'"):
        catalog(bad)
    (bad / "x.rq").write_text("# description: no title\nASK { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no '# title:' line"):
        catalog(bad)
    (bad / "x.rq").write_text("# title: X\n# param: ?x iri — x\nSELECT ?y WHERE { ?x ?p ?y }\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"x\.rq:2: parameter \?x is not in the SELECT projection"):
        catalog(bad)


def test_level_parameter_is_bound_as_its_shared_level(tmp_path):
    """A `level` parameter is inlined as the shared level itself: a shared level as given, a framework level as
    the one it sg:mapsToLevel (looked up in the build), anything else a ValueError naming the valid levels."""
    from skillgraph.queries import shared_levels, store_levels

    sg = "https://w3id.org/skillgraph/ontology#"
    names = ("Foundational", "Intermediate", "Advanced", "Expert")
    assert [lv.value for lv in shared_levels()] == [sg + n for n in names]
    (tmp_path / "at.rq").write_text(
        "# title: At a level\n# param: ?level level default <https://w3id.org/skillgraph/ontology#Advanced> — a level\n"
        "SELECT ?level ?s WHERE { ?s <https://example.org/at> ?level }\n", encoding="utf-8")
    cq = get("at", tmp_path)
    assert cq.params[0].type == "level"
    fw = ox.NamedNode("https://example.org/fw/level/2")
    st = ox.Store()
    st.add(ox.Quad(fw, ox.NamedNode(sg + "mapsToLevel"), ox.NamedNode(sg + "Intermediate"), ox.NamedNode("https://g")))
    assert cq.substitutions({}, store_levels(st)) == {ox.Variable("level"): ox.NamedNode(sg + "Advanced")}
    assert cq.substitutions({"level": "sg:Expert"}) == {ox.Variable("level"): ox.NamedNode(sg + "Expert")}
    assert cq.substitutions({"level": f"<{fw.value}>"}, store_levels(st)) == {
        ox.Variable("level"): ox.NamedNode(sg + "Intermediate")}
    assert f"<{sg}Intermediate>" in cq.bind({"level": fw.value}, store_levels(st))
    for value, lookup in ((fw.value, None), ("https://example.org/fw/level/9", store_levels(st))):
        with pytest.raises(ValueError, match=r"query 'at', parameter 'level': .* is neither a shared level nor a "
                           r"framework level .*; valid levels: sg:Foundational, sg:Intermediate, sg:Advanced, "
                           r"sg:Expert"):
            cq.substitutions({"level": value}, lookup)
