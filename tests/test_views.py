"""Materialised views (skillgraph.views) on the embedded build: what the build wrote into the inferred
graph is what the views define, and the queries reading them answer as their documented semantics say."""
from __future__ import annotations

import re
from collections import Counter

import pyoxigraph as ox
import pytest

from skillgraph import views
from skillgraph.queries import catalog
from skillgraph.query import run

INFERRED = ox.NamedNode("https://w3id.org/skillgraph/graph/inferred")
SG = "https://w3id.org/skillgraph/ontology#"
VIEW_NAMES = ("task-augmentation", "task-best-support")


def test_normalise_and_keys_follow_the_query_text_rules():
    assert views.normalise("  De-escalation (Procedures) ") == "de escalation procedures"
    assert views.keys("Perform escalation procedure") == {"perf", "esca", "proc"}
    assert views.keys("IT & AI") == {"it", "ai"}
    assert views.keys("--") == set()


def test_the_sparql_views_are_the_packaged_files():
    assert tuple(v.name for v in views.load_views()) == VIEW_NAMES


def _labels(st: ox.Store) -> list[tuple[ox.NamedNode, ox.NamedNode, ox.Literal, ox.NamedNode]]:
    return [(q.subject, q.predicate, q.object, q.graph_name) for p in views.LABEL_PROPERTIES
            for q in st.quads_for_pattern(None, p, None, None)
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)]


def test_label_keys_index_every_labelled_resource(embedded_store):
    expected = {(s, k) for s, _p, o, _g in _labels(embedded_store) for k in views.keys(o.value)}
    got = {(q.subject, q.object.value) for q in embedded_store.quads_for_pattern(None, views.LABEL_KEY, None, None)}
    assert len(got) == len(expected) == 3254  # counted on the embedded build (3243 before the support nodes changed)
    assert got == expected
    assert {q.graph_name for q in embedded_store.quads_for_pattern(None, views.LABEL_KEY, None, None)} == {INFERRED}


def test_sparql_views_hold_what_their_queries_construct(embedded_store):
    for view in views.load_views():
        constructed = {(t.subject, t.predicate, t.object)
                       for t in embedded_store.query(view.text, use_default_graph_as_union=True)}
        pred = next(iter(constructed))[1]
        stored = {(q.subject, q.predicate, q.object)
                  for q in embedded_store.quads_for_pattern(None, pred, None, INFERRED)}
        assert stored == constructed and len(stored) == 13, view.name


def test_best_support_is_the_best_alignment_confidence(embedded_store):
    task = ox.NamedNode("https://w3id.org/skillgraph/id/onet/task/2582")
    best = [q.object.value for q in embedded_store.quads_for_pattern(task, ox.NamedNode(SG + "bestSupportConfidence"),
                                                                     None, INFERRED)]
    confs = [float(s["c"].value) for s in embedded_store.query(
        f"SELECT ?c WHERE {{ ?al <http://www.w3.org/2002/07/owl#annotatedTarget> {task} ; "
        f"<http://www.w3.org/2002/07/owl#annotatedProperty> <{SG}supportsTask> ; "
        "<https://w3id.org/sssom/confidence> ?c }", use_default_graph_as_union=True)]
    assert len(best) == 1 and float(best[0]) == max(confs)


def _search(st: ox.Store, q: str) -> Counter:
    res = run(st, catalog()["search_labels"].bind({"q": q}))
    return Counter((s["resource"].value, s["label"].value, s["labelProperty"].value, s["graph"].value) for s in res)


def _by_definition(st: ox.Store, q: str) -> Counter:
    """The documented semantics, by a scan in Python: the normalised text at a word start of the normalised
    label (a whole word when the text is one word shorter than the key)."""
    text = views.normalise(q)
    needle = " " + text + (" " if len(text) < views.KEY_LENGTH and " " not in text else "")
    return Counter((s.value, o.value, p.value, g.value) for s, p, o, g in _labels(st)
                   if text and needle in " " + views.normalise(o.value) + " ")


@pytest.mark.parametrize("q", ["escalation", "Escalat", "customer service", "de-escalation", "data", "it",
                               "manage", "'} UNION {", "--"])
def test_search_labels_answers_its_documented_semantics(embedded_store, q):
    got = _search(embedded_store, q)
    assert got == _by_definition(embedded_store, q)


def test_search_labels_finds_by_word_start_not_inside_words(embedded_store):
    esc = {label for _r, label, _p, _g in _search(embedded_store, "escalat")}
    assert "perform escalation procedure" in esc and "Escalation summarization" in esc
    assert all(" escalat" in " " + views.normalise(label) for label in esc)
    assert _search(embedded_store, "scalation") == Counter()


def test_a_derived_key_is_inlined_and_a_bad_derive_line_is_refused(tmp_path):
    from skillgraph.errors import SourceError
    from skillgraph.queries import load

    text = catalog()["search_labels"].bind({"q": "De-Escalation"})
    assert '?resource sg:labelKey "de" .' in text and 'BIND("de" AS ?key)' in text
    head = '# title: t\n# param: ?q literal default "x" — text\n'
    for line, problem in (("# derive: ?key = nope(?q)", "unknown derivation 'nope'; valid derivations are: label-key"),
                          ("# derive: ?key = label-key(?other)", "which no '# param:' line above it declares"),
                          ("# derive: ?q = label-key(?q)", "?q is a parameter")):
        f = tmp_path / "q.rq"
        f.write_text(head + line + "\nSELECT ?q WHERE { ?s ?p ?q . ?s ?p ?key }\n", encoding="utf-8")
        with pytest.raises(SourceError, match=re.escape(problem)):
            load(f)


def test_views_and_label_keys_read_together_miss_nothing_either_writes():
    """The SPARQL views run beside the label keys' reading (views.materialise): each view's triples are
    written, and a label a view writes gets its keys as a stored label does."""
    st = ox.Store()
    g = ox.NamedNode("https://w3id.org/skillgraph/graph/onet")
    target = ox.NamedNode("https://w3id.org/skillgraph/graph/inferred")
    task = ox.NamedNode("https://w3id.org/skillgraph/id/onet/task/1")
    skos = "http://www.w3.org/2004/02/skos/core#"
    st.add(ox.Quad(task, ox.NamedNode(skos + "prefLabel"), ox.Literal("Answer calls", language="en"), g))
    st.add(ox.Quad(task, ox.NamedNode(skos + "notation"), ox.Literal("Escalate complaints"), g))
    view = views.View("notation-label", f"""CONSTRUCT {{ ?t <http://www.w3.org/2000/01/rdf-schema#label> ?n }}
        WHERE {{ ?t <{skos}notation> ?n }}""")
    report = views.materialise(st, target, [view])
    assert report.triples == {"notation-label": 1, "label-keys": 4}
    got = {q.object.value for q in st.quads_for_pattern(task, views.LABEL_KEY, None, target)}
    assert got == {"answ", "call", "esca", "comp"}
