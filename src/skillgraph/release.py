"""Release folders: the current build written so that the same inputs give the same bytes.

    skillgraph-<name>/
      graphs/<graph>.ttl        one Turtle file per named graph
      sssom/<graph>.sssom.tsv   the SSSOM mapping sets (each graph holding sg:Alignment nodes)
      skillgraph.nq             the whole dataset as N-Quads
      void.ttl                  VoID + DCAT: graphs, triples, licences, credit lines, files and checksums
      SHA256SUMS                sha256sum format, every file above

Reproducible: statements are written sorted; blank nodes get labels computed from what they
say and what points at them (a few rounds of neighbourhood hashing), never the store's random
ones; the release date is SOURCE_DATE_EPOCH when set (the builds take their dcterms:created
from it too, see mappings/base.py), and nothing else in the folder depends on the clock.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
from collections import defaultdict
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Graph, Literal

from skillgraph import __version__, void
from skillgraph.ontology import SERIALIZATION_PREFIXES, SG

RELEASE_BASE = "https://w3id.org/skillgraph/releases/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ROUNDS = 4


def release_date() -> str:
    """The release date, from SOURCE_DATE_EPOCH when set so that releases are reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            when = _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
        except ValueError:
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970") from None
    else:
        when = _dt.datetime.now(_dt.UTC)
    return when.date().isoformat()


def _h(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def canonical_quads(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads with blank nodes relabelled from their neighbourhoods, sorted."""
    edges: dict[ox.BlankNode, list[tuple]] = defaultdict(list)
    for q in quads:
        g = str(q.graph_name)
        if isinstance(q.subject, ox.BlankNode):
            edges[q.subject].append(("out", str(q.predicate), q.object, g))
        if isinstance(q.object, ox.BlankNode):
            edges[q.object].append(("in", str(q.predicate), q.subject, g))
    if not edges:
        return sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    label = {b: "" for b in edges}
    for _ in range(ROUNDS):  # each round folds in the neighbours' labels of the round before
        label = {b: _h(*sorted("|".join((d, p, "_:" + label[o] if isinstance(o, ox.BlankNode) else str(o), g))
                               for d, p, o, g in es)) for b, es in edges.items()}
    seen: dict[str, int] = defaultdict(int)
    names = {}
    for b in sorted(edges, key=lambda b: label[b]):  # equal labels: interchangeable nodes, numbered in turn
        lab = label[b][:24]
        names[b] = ox.BlankNode(f"b{lab}{'n' + str(seen[lab]) if seen[lab] else ''}")
        seen[lab] += 1

    def m(t):
        return names.get(t, t) if isinstance(t, ox.BlankNode) else t

    out = {ox.Quad(m(q.subject), q.predicate, m(q.object), q.graph_name) for q in quads}
    return sorted(out, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


class StoreLabels:
    """rdflib-like `objects(subject, predicate)` over a store, for the SSSOM writer's label look-ups."""

    def __init__(self, st: ox.Store):
        self.st = st

    def objects(self, s, p):
        """rdflib's objects(subject, predicate) over the store, all the SSSOM writer needs for labels."""
        for q in self.st.quads_for_pattern(ox.NamedNode(str(s)), ox.NamedNode(str(p)), None, None):
            o = q.object
            if isinstance(o, ox.Literal):
                yield Literal(o.value, lang=o.language) if o.language else Literal(o.value)


def _rdflib(quads: list[ox.Quad]) -> Graph:
    g = Graph()
    g.parse(
        data=ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES),
        format="nt",
    )
    return g


def write_release(st: ox.Store, out_dir: str | Path, name: str | None = None) -> Path:
    """Write the release folder for the build in `st`; return its path."""
    from skillgraph.crosswalk.sssom import write_sssom
    from skillgraph.licensing import sssom_licence, terms_of

    name = name or __version__
    issued = release_date()
    folder = Path(out_dir) / f"skillgraph-{name}"
    (folder / "graphs").mkdir(parents=True, exist_ok=True)
    (folder / "sssom").mkdir(exist_ok=True)
    quads = canonical_quads([q for q in st.quads_for_pattern(None, None, None, None)
                             if isinstance(q.graph_name, ox.NamedNode)])
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        by_graph[cast(ox.NamedNode, q.graph_name).value].append(q)
    files: list[tuple[str, str, str | None]] = []  # (relative path, media type, graph)
    for giri, gq in sorted(by_graph.items()):
        key = giri.rsplit("/", 1)[-1]
        rel = f"graphs/{key}.ttl"
        (folder / rel).write_bytes(
            # pyoxigraph's stub types serialize() as bytes | None; with no output argument it returns bytes
            ox.serialize(  # type: ignore[arg-type]
                [ox.Triple(q.subject, q.predicate, q.object) for q in gq],
                format=ox.RdfFormat.TURTLE,
                prefixes=SERIALIZATION_PREFIXES,
            )
        )
        files.append((rel, "text/turtle", giri))
        if any(q.predicate == RDF_TYPE and q.object == ox.NamedNode(str(SG.Alignment)) for q in gq):
            g = _rdflib(gq)
            lic, other = sssom_licence(g, giri)
            rel = f"sssom/{key}.sssom.tsv"
            title = terms_of(g, giri).title
            write_sssom(g, folder / rel, labels=[StoreLabels(st)], mapping_set_id=giri, license=lic, other=other,
                        description=None if key == "crosswalk" else f"The alignments of the graph {title or giri}.")
            files.append((rel, "text/tab-separated-values", giri))
    # pyoxigraph's stub types serialize() as bytes | None; with no output argument it returns bytes
    (folder / "skillgraph.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))  # type: ignore[arg-type]
    files.append(("skillgraph.nq", "application/n-quads", None))
    sums = {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest() for rel, _, _ in files}
    base = f"{RELEASE_BASE}{name}/"
    dists = [void.Distribution(rel.replace("/", "-"), base + rel, mt, g, sums[rel]) for rel, mt, g in files]
    counts = {g: len(q) for g, q in sorted(by_graph.items())}
    desc = void.Description(counts, version=name, issued=issued, distributions=dists)
    (folder / "void.ttl").write_bytes(
        # pyoxigraph's stub types serialize() as bytes | None; with no output argument it returns bytes
        ox.serialize(void.describe(st, desc), format=ox.RdfFormat.TURTLE, prefixes=void.PREFIXES_OUT)  # type: ignore[arg-type]
    )
    sums["void.ttl"] = hashlib.sha256((folder / "void.ttl").read_bytes()).hexdigest()
    (folder / "SHA256SUMS").write_text("".join(f"{h}  {rel}\n" for rel, h in sorted(sums.items())), encoding="utf-8")
    return folder
