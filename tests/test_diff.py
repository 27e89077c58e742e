"""`skillgraph diff OLD NEW` between the embedded build and an edited copy of it."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from skillgraph import store as store_mod
from skillgraph.cli import main
from skillgraph.diff import DIFF

SKILL = ox.NamedNode("http://data.europa.eu/esco/skill/946c1229-1171-40d4-82cc-fe3f483ca100")
TASK = ox.NamedNode("https://w3id.org/skillgraph/id/onet/task/2582")
RATING = ox.NamedNode("https://w3id.org/skillgraph/id/onet/rating/43-4051.00_2.B.5.a_IM")
ALIGNMENT = ox.NamedNode("https://w3id.org/skillgraph/id/crosswalk/alignment/65eddbcfddea752e")  # v3: one per pair
NEW_CONCEPT = ox.NamedNode("https://w3id.org/skillgraph/id/test/concept/new")
SKOS = "http://www.w3.org/2004/02/skos/core#"
SG = "https://w3id.org/skillgraph/ontology#"
CONF = ox.NamedNode("https://w3id.org/sssom/confidence")


@pytest.fixture(scope="module")
def edited(embedded_build, tmp_path_factory):
    """The embedded build as N-Quads with one concept removed, one added, one label, rating and confidence changed."""
    st = store_mod.open_read_only(embedded_build[0])
    quads = []
    for q in st.quads_for_pattern(None, None, None, None):
        if q.subject == SKILL:
            continue  # the ESCO skill disappears
        if q.subject == TASK and q.predicate.value == SKOS + "prefLabel":
            q = ox.Quad(q.subject, q.predicate, ox.Literal("Refer unresolved grievances.", language="en"), q.graph_name)
        if q.subject == RATING and q.predicate.value == SG + "value":
            q = ox.Quad(
                q.subject,
                q.predicate,
                ox.Literal("4.5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
                q.graph_name,
            )
        if q.subject == ALIGNMENT and q.predicate == CONF:
            q = ox.Quad(
                q.subject,
                q.predicate,
                ox.Literal("0.9", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
                q.graph_name,
            )
        quads.append(q)
    g = ox.NamedNode("https://w3id.org/skillgraph/graph/onet")
    quads.append(
        ox.Quad(
            NEW_CONCEPT,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode(SKOS + "Concept"),
            g,
        )
    )
    path = tmp_path_factory.mktemp("diff") / "edited.nq"
    path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    # the alignments that name the skill: they dangle once it is gone
    res = st.query(f"SELECT DISTINCT ?a WHERE {{ ?a a <{SG}Alignment> . "
                   f"{{ ?a <http://www.w3.org/2002/07/owl#annotatedSource> <{SKILL.value}> }} UNION "
                   f"{{ ?a <http://www.w3.org/2002/07/owl#annotatedTarget> <{SKILL.value}> }} }}",
                   use_default_graph_as_union=True)
    return path, {s["a"].value for s in res}


def test_a_build_against_itself_and_its_release(embedded_build, tmp_path, capsys):
    assert main(["diff", str(embedded_build[0]), str(embedded_build[0])]) == 0
    out = capsys.readouterr().out
    assert out.startswith("changes: concepts added 0, concepts removed 0, labels changed 0, ratings added 0, "
                          "ratings removed 0, ratings changed 0, alignments added 0, alignments removed 0, "
                          "alignments changed 0, dangling 0")


def test_changes_are_reported(embedded_build, edited, tmp_path, capsys):
    from skillgraph.diff import diff

    path, naming_skill = edited
    assert len(naming_skill) == 20  # 5 supportsTask (the default: re-ranked hybrid) + 15 statement/element relatedMatch
    r = diff(embedded_build[0], path)
    assert r.concepts_added == [NEW_CONCEPT.value]
    assert r.concepts_removed == [SKILL.value]
    assert r.labels_changed == [
        (
            TASK.value,
            "en",
            ["Refer unresolved customer grievances to designated departments for further investigation."],
            ["Refer unresolved grievances."],
        )
    ]
    assert [x[0] for x in r.ratings_changed] == [RATING.value]
    assert r.ratings_changed[0][2] == ['"4.5"^^<http://www.w3.org/2001/XMLSchema#decimal>']
    assert [x[0] for x in r.alignments_changed] == [ALIGNMENT.value]
    assert r.ratings_added == r.ratings_removed == r.alignments_added == r.alignments_removed == []
    assert r.dangling == [(a, SKILL.value, True) for a in sorted(naming_skill)]

    rdf = tmp_path / "diff.trig"
    assert main(["diff", str(embedded_build[0]), str(path), "--rdf", str(rdf)]) == 0
    out = capsys.readouterr().out
    assert "DANGLING alignments" in out and "(disappeared: described on the old side)" in out
    ds = ox.Store()
    ds.load(rdf.read_bytes(), format=ox.RdfFormat.TRIG)
    added, removed, dangling = (ox.NamedNode(DIFF + g) for g in ("added", "removed", "dangling"))
    pref = ox.NamedNode(SKOS + "prefLabel")
    assert {q.object.value for q in ds.quads_for_pattern(TASK, pref, None, added)} == {"Refer unresolved grievances."}
    assert len(list(ds.quads_for_pattern(TASK, pref, None, removed))) == 1
    assert {q.object.value for q in ds.quads_for_pattern(ALIGNMENT, CONF, None, added)} == {"0.9"}
    assert {q.subject.value for q in ds.quads_for_pattern(None, None, None, dangling)} == naming_skill
