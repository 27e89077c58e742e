"""Materialised views: what the curated queries would otherwise compute over the whole store, per query.

Oxigraph plans an OPTIONAL or FILTER NOT EXISTS whose right side joins several patterns, and a join
of a UNION with the crosswalk, as hash joins over the whole store: 5-10 s each on the full releases,
whatever the query's constant. So the build materialises, into the inferred graph after the rules
ran, the few facts those queries need, and the queries start from a constant or one of these keys:

* label keys (`sg:labelKey`): per resource, the first `KEY_LENGTH` characters of each word of its
  labels (a shorter word is its own key), so `queries/search_labels.rq` is an exact-key look-up
  and then a filter on the labels of the few resources found;
* the SPARQL views in ontology/views/*.rq (CONSTRUCT queries over the union of the graphs): per task,
  the AI augmentation share that applies to it (`sg:taskAugmentationShare`) and the best confidence
  of the ESCO skills supporting it (`sg:bestSupportConfidence`).

Words are what `normalise` gives: lower-cased (as SPARQL LCASE), every run of characters other than
letters and digits a word break (as REPLACE(..., "[^\\\\p{L}\\\\p{N}]+", " ")): the query normalises its
text the same way, so a key the query computes is a key this module wrote.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from skillgraph import loading
from skillgraph.ontology import SG, views_dir

KEY_LENGTH = 4
LABEL_PROPERTIES = (
    ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
    ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
)
LABEL_KEY = ox.NamedNode(str(SG.labelKey))
_BREAK = re.compile(r"[\W_]+")  # not a letter or digit: SPARQL's [^\p{L}\p{N}]


@dataclass
class ViewReport:
    """How many triples each view wrote and how long it took, for the build report."""
    triples: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class View:
    """A SPARQL CONSTRUCT run over the union of the store's graphs; its triples go to the inferred graph."""
    name: str
    text: str


def normalise(text: str) -> str:
    """Lower-cased, each run of characters other than letters and digits one space, trimmed."""
    return _BREAK.sub(" ", text.lower()).strip()


def keys(label: str) -> set[str]:
    """The search keys of one label: the first KEY_LENGTH characters of each of its words."""
    return {w[:KEY_LENGTH] for w in normalise(label).split()}


def query_key(text: str) -> str:
    """The key a search text is looked up by: that of its first word ("" when it has none)."""
    words = normalise(text).split()
    return words[0][:KEY_LENGTH] if words else ""


def label_keys(store: ox.Store) -> Iterator[tuple[ox.NamedNode, ox.Literal]]:
    """(resource, key) for every IRI with a label in any graph; a pair may repeat."""
    for prop in LABEL_PROPERTIES:
        yield from _keys_of(store.quads_for_pattern(None, prop, None, None))


def _keys_of(statements: Iterable[ox.Quad | ox.Triple]) -> Iterator[tuple[ox.NamedNode, ox.Literal]]:
    """(resource, key) for each label statement about an IRI."""
    for q in statements:
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal):
            for k in keys(q.object.value):
                yield q.subject, ox.Literal(k)


def load_views(directory: Path | None = None) -> list[View]:
    """The SPARQL views (ontology/views/*.rq), by file name."""
    d = directory or views_dir()
    return [View(f.stem, f.read_text(encoding="utf-8")) for f in sorted(d.glob("*.rq"))]


def _count(store: ox.Store, predicate: ox.NamedNode, target: ox.NamedNode) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, predicate, None, target))


def materialise(store: ox.Store, target: ox.NamedNode, views: list[View] | None = None) -> ViewReport:
    """Write every view into `target` (the inferred graph): the SPARQL views, then the label keys.

    Everything is read before anything is written (the store is not read while it grows). The SPARQL views
    run in a second thread while this one reads the labels: Oxigraph evaluates a query outside the GIL, so
    the two overlap (on the full build 15 s of views beside 22 s of label keys). The views read no label
    key; a label a view writes gets its keys from the view's own triples."""
    report = ViewReport()
    views = views if views is not None else load_views()

    def run_views() -> list[tuple[View, list[ox.Triple], float]]:
        out = []
        for view in views:
            t = time.perf_counter()
            out.append((view, list(cast(ox.QueryTriples, store.query(view.text, use_default_graph_as_union=True))),
                        time.perf_counter() - t))
        return out

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="views") as pool:
        running = pool.submit(run_views)
        t = time.perf_counter()
        pairs = set(label_keys(store))
        keys_read = time.perf_counter() - t
        done = running.result()
    for view, triples, seconds in done:
        t = time.perf_counter()
        pairs.update(_keys_of(x for x in triples if x.predicate in LABEL_PROPERTIES))
        store.extend(ox.Quad(x.subject, x.predicate, x.object, target) for x in triples)
        report.triples[view.name] = len({(x.subject, x.predicate, x.object) for x in triples})
        report.seconds[view.name] = seconds + time.perf_counter() - t
    t = time.perf_counter()
    loading.extend(store, (ox.Quad(s, LABEL_KEY, k, target) for s, k in pairs))
    report.triples["label-keys"] = _count(store, LABEL_KEY, target)
    report.seconds["label-keys"] = keys_read + time.perf_counter() - t
    return report
