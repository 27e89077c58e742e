"""The closing check of a build: every cross-graph reference resolves in the union of the mapped graphs.

Each graph is validated with its own shapes, which cannot see the other graphs; a task whose
occupation is missing from the O*NET graph, a statement anchored to a task that no graph holds, an
alignment pointing at nothing, or AEI evidence about an unknown task would all "conform". This module
runs, after mapping and aligning, one graph query per kind of reference (predicate -> the class its
object must have in the graph that owns it) and lists every dangling IRI. A reference is checked only
when the graph that would hold its target is in the build (with --only, the others stay unjoined).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SKOS, NamespaceManager
from rdflib.term import Node

from skillgraph import iri
from skillgraph.ontology import PREFIXES, SG

_NS = NamespaceManager(Graph(bind_namespaces="none"))
for _p, _n in PREFIXES.items():
    _NS.bind(_p, _n)



@dataclass(frozen=True)
class Reference:
    """Objects of `predicate` in the `holders` graphs (all when empty) must be typed `target_class` in `owner`.

    owner None: the graph that owns the target's IRI (id/<source>/..., ESCO's IRIs: esco), any type.
    """

    name: str
    predicate: URIRef
    owner: str | None
    target_class: URIRef | None
    holders: tuple[str, ...] = ()


REFERENCES: tuple[Reference, ...] = (
    Reference("task -> occupation", SG.taskOf, "onet", SG.Occupation),
    Reference("statement -> anchor task", SG.anchoredTo, "onet", SG.Task),
    Reference("AEI evidence -> task", SG.aboutTask, "onet", SG.Task, ("aei",)),
    Reference("AEI evidence -> candidate task", SG.joinCandidate, "onet", SG.Task, ("aei",)),
    Reference("record -> occupation", SG.occupation, None, None),
    Reference("collection -> member (e.g. an anchor-set task)", SKOS.member, None, None),
)


@dataclass
class Dangling:
    """Links of one kind in one graph whose target is missing: (subject, target) pairs, and the targets."""

    reference: str
    graph: str
    predicate: str
    links: list[tuple[str, str]]

    @property
    def targets(self) -> list[str]:
        """The distinct missing targets, for a short error message."""
        return sorted({t for _s, t in self.links})


class Owner(Protocol):
    """What `check` asks of the graph that owns a reference's target: whether it holds a triple."""

    def __contains__(self, triple: object) -> bool: ...


class StoreGraph:
    """One named graph of a pyoxigraph store as an Owner: the build checks the crosswalk's references
    against the source graphs once they are in the staging store (their rdflib copies are gone)."""

    def __init__(self, store: ox.Store, key: str):
        self.store, self.name = store, ox.NamedNode(str(iri.graph(key)))

    def __contains__(self, triple: object) -> bool:
        from skillgraph.reasoning import rdflib_to_ox

        s, p, o = (None if t is None else rdflib_to_ox(t) for t in triple)  # type: ignore[attr-defined]
        return next(iter(self.store.quads_for_pattern(s, p, o, self.name)), None) is not None


def _owner_of(node: Node) -> str | None:
    """The source graph that holds an entity, from its IRI."""
    return iri.source_of(node)


def check(graphs: Mapping[str, Graph], allowed: frozenset[str] = frozenset(),
          owners: Mapping[str, Owner | Graph] | None = None) -> list[Dangling]:
    """Every dangling cross-graph reference in these graphs (source id -> graph); empty when all resolve.

    `allowed`: target IRIs a source's release references without describing them (reported by its mapping).
    `owners`: the graphs targets are looked up in (source id -> graph or StoreGraph), when not `graphs` itself.
    """
    owners = graphs if owners is None else owners
    out: list[Dangling] = []
    for ref in REFERENCES:
        if ref.owner is not None and ref.owner not in owners:
            continue
        for key, g in graphs.items():
            if ref.holders and key not in ref.holders:
                continue
            resolves: dict = {}
            missing = []
            for s, o in g.subject_objects(ref.predicate):
                ok = resolves.get(o)
                if ok is None:
                    owner = owners.get(ref.owner or _owner_of(o) or "")
                    ok = resolves[o] = (owner is None or str(o) in allowed
                                        or (o, RDF.type, ref.target_class) in owner)
                if not ok:
                    missing.append((str(s), str(o)))
            if missing:
                out.append(Dangling(ref.name, key, ref.predicate.n3(_NS), sorted(missing)))
    out.extend(_alignments(graphs, owners))
    return out


def _alignments(graphs: Mapping[str, Graph], owners: Mapping[str, Owner | Graph]) -> Iterable[Dangling]:
    """An alignment's source and target must be an entity (a subject with a type) of the graph that owns it."""
    resolves: dict[Node, bool] = {}  # ends repeat (a task is the target of ~10 alignments): look each up once
    for key, g in graphs.items():
        missing: set[tuple[str, str]] = set()
        for al in g.subjects(RDF.type, SG.Alignment):
            for p in (OWL.annotatedSource, OWL.annotatedTarget):
                for end in g.objects(al, p):
                    ok = resolves.get(end)
                    if ok is None:
                        owner = owners.get(_owner_of(end) or "")
                        ok = resolves[end] = owner is None or (end, RDF.type, None) in owner
                    if not ok:
                        missing.add((str(al), str(end)))
        if missing:
            yield Dangling(
                "alignment -> source or target", key, "owl:annotatedSource/owl:annotatedTarget", sorted(missing)
            )


def describe(dangling: list[Dangling], limit: int = 50) -> str:
    """The dangling references as text for the user: which link, in which graph, which IRIs."""
    lines = []
    for d in dangling:
        lines.append(f"{len(d.links)} dangling link(s) {d.reference} ({d.predicate} in graph {d.graph}) "
                     f"to {len(d.targets)} IRI(s) no graph of this build holds: {', '.join(d.targets[:limit])}"
                     + (f" ... and {len(d.targets) - limit} more" if len(d.targets) > limit else ""))
        lines += [f"  <{s}> -> <{t}>" for s, t in d.links[:limit]]
        if len(d.links) > limit:
            lines.append(f"  ... and {len(d.links) - limit} more")
    return "\n".join(lines)
