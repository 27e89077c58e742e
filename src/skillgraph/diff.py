"""What changed between two builds or releases: concepts, labels, ratings and alignments.

Either side may be a build folder (its CURRENT build), one build (builds/<id>), a release
folder (its skillgraph.nq) or an N-Quads file. The comparison is by IRI: a concept is added or
removed; a preferred label (per language), a rating's value, or an alignment's confidence, level
or endpoints changed. An alignment of the new side whose source or target the new side no longer
describes (no statement has it as subject) is flagged as dangling, with whether the old side
described it. The report prints as text and writes as TriG: graphs <…/diff#added>,
<…/diff#removed> and <…/diff#dangling> holding the statements concerned (a changed value is
one removed and one added statement).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from skillgraph import store as store_mod
from skillgraph.ontology import PREFIXES, SERIALIZATION_PREFIXES

DIFF = "https://w3id.org/skillgraph/diff#"
SKOS, SG, OWL, SSSOM = PREFIXES["skos"], PREFIXES["sg"], PREFIXES["owl"], PREFIXES["sssom"]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def open_side(path: str | Path) -> ox.Store:
    """A store for one side of the comparison (see the module docstring for what `path` may be)."""
    p = Path(path)
    if (p / "CURRENT").is_file():
        return store_mod.open_read_only(p)
    if (p / "store").is_dir():
        return ox.Store.read_only(str(p / "store"))
    nq = p / "skillgraph.nq" if p.is_dir() else p
    if nq.is_file() and nq.suffix == ".nq":
        st = ox.Store()
        st.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
        return st
    raise ValueError(f"{path}: not a build folder (CURRENT), a build (store/), a release folder (skillgraph.nq) "
                     "or an N-Quads file")


def _rows(st: ox.Store, query: str) -> list[tuple]:
    res = cast(ox.QuerySolutions, st.query(query, use_default_graph_as_union=True))
    names = [v.value for v in res.variables]
    return [tuple(s[n] for n in names) for s in res]


@dataclass
class Snapshot:
    """What a build says about concepts, labels and alignments, reduced to plain sets for comparison."""
    concepts: set[str]
    labels: dict[tuple[str, str], set[ox.Literal]]  # (concept, lang) -> prefLabels
    ratings: dict[str, set[ox.Literal]]  # rating -> values
    alignments: dict[str, tuple]  # alignment -> (source, property, target, confidence, level)
    described: set[str] = field(default_factory=set)  # alignment endpoints that are subjects of a statement


def snapshot(st: ox.Store) -> Snapshot:
    """Read the parts of a build that the diff compares into a Snapshot."""
    concepts = {c.value for (c,) in _rows(st, f"SELECT DISTINCT ?c WHERE {{ ?c a <{SKOS}Concept> FILTER(isIRI(?c)) }}")}
    labels: dict = {}
    for c, lab in _rows(
        st, f"SELECT DISTINCT ?c ?l WHERE {{ ?c a <{SKOS}Concept> ; <{SKOS}prefLabel> ?l FILTER(isIRI(?c)) }}"
    ):
        labels.setdefault((c.value, lab.language or ""), set()).add(lab)
    ratings: dict = {}
    for r, v in _rows(st, f"SELECT DISTINCT ?r ?v WHERE {{ ?r a <{SG}Rating> ; <{SG}value> ?v FILTER(isIRI(?r)) }}"):
        ratings.setdefault(r.value, set()).add(v)
    alignments = {}
    for a, s, p, t, conf, lvl in _rows(st, f"""SELECT DISTINCT ?a ?s ?p ?t ?conf ?lvl WHERE {{
            ?a a <{SG}Alignment> ; <{OWL}annotatedSource> ?s ; <{OWL}annotatedProperty> ?p ; <{OWL}annotatedTarget> ?t .
            OPTIONAL {{ ?a <{SSSOM}confidence> ?conf }} OPTIONAL {{ ?a <{SG}proficiencyLevel> ?pl }}
            OPTIONAL {{ ?a <{SG}requiredLevel> ?req }}
            BIND(COALESCE(?req, ?pl) AS ?lvl)  # a v3 support alignment has several levels: its required one
            FILTER(isIRI(?a)) }}""",
    ):
        alignments[a.value] = (s, p, t, conf, lvl)
    ends = {x.value for (s, _, t, _, _) in alignments.values() for x in (s, t) if isinstance(x, ox.NamedNode)}
    described = {
        e for e in ends if next(iter(st.quads_for_pattern(ox.NamedNode(e), None, None, None)), None) is not None
    }
    return Snapshot(concepts, labels, ratings, alignments, described)


@dataclass
class Report:
    """What changed between two builds, per kind of change, for review before publishing."""
    concepts_added: list[str]
    concepts_removed: list[str]
    labels_changed: list[tuple[str, str, list[str], list[str]]]  # concept, lang, old, new
    ratings_added: list[str]
    ratings_removed: list[str]
    ratings_changed: list[tuple[str, list[str], list[str]]]
    alignments_added: list[str]
    alignments_removed: list[str]
    alignments_changed: list[tuple[str, tuple, tuple]]
    dangling: list[tuple[str, str, bool]]  # alignment, endpoint, described on the old side
    old: Snapshot
    new: Snapshot

    def counts(self) -> dict[str, int]:
        """The number of changes of each kind, for the summary line."""
        return {k: len(v) for k, v in self.__dict__.items() if isinstance(v, list)}


def compare(old: Snapshot, new: Snapshot) -> Report:
    """Compare two snapshots into a Report of added, removed and changed items."""
    lab_keys = sorted(set(old.labels) & set(new.labels) | {k for k in new.labels if k[0] in old.concepts})
    labels = [
        (
            c,
            lang,
            sorted(x.value for x in old.labels.get((c, lang), ())),
            sorted(x.value for x in new.labels.get((c, lang), ())),
        )
        for c, lang in lab_keys
        if old.labels.get((c, lang), set()) != new.labels.get((c, lang), set())
    ]
    ratings = [
        (r, sorted(str(x) for x in old.ratings[r]), sorted(str(x) for x in new.ratings[r]))
        for r in sorted(set(old.ratings) & set(new.ratings))
        if old.ratings[r] != new.ratings[r]
    ]
    changed = [
        (a, old.alignments[a], new.alignments[a])
        for a in sorted(set(old.alignments) & set(new.alignments))
        if old.alignments[a] != new.alignments[a]
    ]
    dangling = []
    for a, (s, _, t, _, _) in sorted(new.alignments.items()):
        for e in (s, t):
            if isinstance(e, ox.NamedNode) and e.value not in new.described:
                dangling.append((a, e.value, e.value in old.described))
    return Report(sorted(new.concepts - old.concepts), sorted(old.concepts - new.concepts), labels,
                  sorted(set(new.ratings) - set(old.ratings)), sorted(set(old.ratings) - set(new.ratings)), ratings,
                  sorted(set(new.alignments) - set(old.alignments)), sorted(set(old.alignments) - set(new.alignments)),
                  changed, dangling, old, new)


def diff(old_path: str | Path, new_path: str | Path) -> Report:
    """Compare two builds (folders, stores or N-Quads files) given by path."""
    return compare(snapshot(open_side(old_path)), snapshot(open_side(new_path)))


def _al(t: tuple) -> str:
    s, p, o, conf, lvl = t
    return f"{s.value} {p.value} {o.value} confidence {conf.value if conf else '-'} level {lvl.value if lvl else '-'}"


def text(r: Report, limit: int = 20) -> str:
    """The report for people: counts, then up to `limit` entries per section."""
    out = ["changes: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.counts().items())]

    def section(title: str, items: list, fmt) -> None:
        if not items:
            return
        out.append(f"\n{title} ({len(items)}):")
        out.extend("  " + fmt(x) for x in items[:limit])
        if len(items) > limit:
            out.append(f"  ... and {len(items) - limit} more")

    section("concepts added", r.concepts_added, str)
    section("concepts removed", r.concepts_removed, str)
    section("labels changed", r.labels_changed, lambda x: f"{x[0]} @{x[1] or '-'}: {x[2]} -> {x[3]}")
    section("ratings added", r.ratings_added, str)
    section("ratings removed", r.ratings_removed, str)
    section("ratings changed", r.ratings_changed, lambda x: f"{x[0]}: {x[1]} -> {x[2]}")
    section("alignments added", r.alignments_added, lambda a: f"{a}: {_al(r.new.alignments[a])}")
    section("alignments removed", r.alignments_removed, lambda a: f"{a}: {_al(r.old.alignments[a])}")
    section("alignments changed", r.alignments_changed, lambda x: f"{x[0]}: {_al(x[1])} -> {_al(x[2])}")
    section(
        "DANGLING alignments (an endpoint is not described on the new side)",
        r.dangling,
        lambda x: (
            f"{x[0]}: {x[1]}"
            + (" (disappeared: described on the old side)" if x[2] else " (described on neither side)")
        ),
    )
    return "\n".join(out) + "\n"


def _alignment_triples(a: str, t: tuple) -> list[ox.Triple]:
    n = ox.NamedNode(a)
    s, p, o, conf, lvl = t
    out = [
        ox.Triple(n, ox.NamedNode(RDF_TYPE), ox.NamedNode(SG + "Alignment")),
        ox.Triple(n, ox.NamedNode(OWL + "annotatedSource"), s),
        ox.Triple(n, ox.NamedNode(OWL + "annotatedProperty"), p),
        ox.Triple(n, ox.NamedNode(OWL + "annotatedTarget"), o),
    ]
    if conf is not None:
        out.append(ox.Triple(n, ox.NamedNode(SSSOM + "confidence"), conf))
    if lvl is not None:
        out.append(ox.Triple(n, ox.NamedNode(SG + "proficiencyLevel"), lvl))
    return out


def quads(r: Report) -> list[ox.Quad]:
    """The report as statements in the graphs diff#added, diff#removed and diff#dangling."""
    added, removed, dangling = (ox.NamedNode(DIFF + g) for g in ("added", "removed", "dangling"))
    q: list[ox.Quad] = []
    concept = ox.NamedNode(SKOS + "Concept")
    q += [ox.Quad(ox.NamedNode(c), ox.NamedNode(RDF_TYPE), concept, added) for c in r.concepts_added]
    q += [ox.Quad(ox.NamedNode(c), ox.NamedNode(RDF_TYPE), concept, removed) for c in r.concepts_removed]
    pref = ox.NamedNode(SKOS + "prefLabel")
    for c, lang, _, _ in r.labels_changed:
        q += [ox.Quad(ox.NamedNode(c), pref, v, removed) for v in r.old.labels.get((c, lang), ())]
        q += [ox.Quad(ox.NamedNode(c), pref, v, added) for v in r.new.labels.get((c, lang), ())]
    val = ox.NamedNode(SG + "value")
    for rating in r.ratings_added + [x[0] for x in r.ratings_changed]:
        q += [ox.Quad(ox.NamedNode(rating), val, v, added) for v in r.new.ratings[rating]]
    for rating in r.ratings_removed + [x[0] for x in r.ratings_changed]:
        q += [ox.Quad(ox.NamedNode(rating), val, v, removed) for v in r.old.ratings[rating]]
    for a in r.alignments_added:
        q += [ox.Quad(t.subject, t.predicate, t.object, added) for t in _alignment_triples(a, r.new.alignments[a])]
    for a in r.alignments_removed:
        q += [ox.Quad(t.subject, t.predicate, t.object, removed) for t in _alignment_triples(a, r.old.alignments[a])]
    for a, before, after in r.alignments_changed:
        old_t, new_t = set(_alignment_triples(a, before)), set(_alignment_triples(a, after))
        q += [ox.Quad(t.subject, t.predicate, t.object, removed) for t in old_t - new_t]
        q += [ox.Quad(t.subject, t.predicate, t.object, added) for t in new_t - old_t]
    for a, _, _ in r.dangling:
        q += [ox.Quad(t.subject, t.predicate, t.object, dangling) for t in _alignment_triples(a, r.new.alignments[a])]
    return sorted(set(q), key=lambda x: (str(x.graph_name), str(x.subject), str(x.predicate), str(x.object)))


def write_trig(r: Report, path: str | Path) -> None:
    """Write the report as TriG so the changes can be loaded and queried as RDF."""
    # pyoxigraph's stub types serialize() as bytes | None; with no output argument it returns bytes
    Path(path).write_bytes(ox.serialize(quads(r), format=ox.RdfFormat.TRIG, prefixes=SERIALIZATION_PREFIXES))  # type: ignore[arg-type]
