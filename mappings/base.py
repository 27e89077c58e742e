"""What every source mapping provides, and the context it runs in.

A mapping reads one source release in the publisher's own file format and returns the
triples of that source's named graph. The build adds the graph's provenance description
(release, licence, credit line) from the mapping's class attributes and the release it reports.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from skillgraph import iri
from skillgraph.ontology import PREFIXES, SCHEMA, SG


@dataclass
class MappingReport:
    """What a mapping did: entity counts, tables read or skipped, warnings for the user."""

    counts: dict[str, int] = field(default_factory=dict)
    tables_read: list[str] = field(default_factory=list)
    tables_skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


@dataclass
class MappingResult:
    graph: Graph
    release: str
    report: MappingReport


@dataclass
class BuildContext:
    """Graphs already mapped in this build, by source id, for mappings that join to them (e.g. AEI to O*NET tasks)."""

    graphs: dict[str, Graph] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


def build_time() -> _dt.datetime:
    """When the graph was made: SOURCE_DATE_EPOCH when set (reproducible builds), else now (UTC, whole seconds)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
        except ValueError:
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970") from None
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


class SourceMapping:
    """Base class: subclasses set the attributes and implement `map`."""

    id: ClassVar[str]
    title: ClassVar[str]
    publisher: ClassVar[str]
    homepage: ClassVar[str]
    license: ClassVar[str]          # licence IRI
    credit_line: ClassVar[str]      # attribution text the publisher asks for
    modification_notice: ClassVar[str] = (
        "Converted to RDF by SkillGraph: identifiers turned into IRIs, table rows into resources of the "
        "SkillGraph ontology; values unchanged."
    )
    requires: ClassVar[tuple[str, ...]] = ()  # source ids whose graphs `map` reads from the context

    @property
    def graph_iri(self) -> URIRef:
        return iri.graph(self.id)

    def embedded_path(self) -> Path:
        """The embedded default dataset of this source, shipped inside the package."""
        return Path(str(resources.files("skillgraph").joinpath("embedded", self.id)))

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        raise NotImplementedError

    def describe(self, g: Graph, release: str, report: MappingReport) -> None:
        """Add the graph's provenance description (inside the graph itself, so exports carry it)."""
        gi = self.graph_iri
        g.add((gi, RDF.type, SG.SourceGraph))
        g.add((gi, SG.sourceId, Literal(self.id)))
        g.add((gi, DCTERMS.title, Literal(self.title, lang="en")))
        g.add((gi, DCTERMS.publisher, Literal(self.publisher)))
        g.add((gi, DCTERMS.license, URIRef(self.license)))
        g.add((gi, SG.creditLine, Literal(self.credit_line)))
        g.add((gi, SG.modificationNotice, Literal(self.modification_notice)))
        g.add((gi, SCHEMA.version, Literal(release)))
        g.add((gi, DCTERMS.source, URIRef(self.homepage)))
        g.add((gi, DCTERMS.created, Literal(build_time(), datatype=XSD.dateTime)))
        g.add((gi, PROV.wasAttributedTo, Literal(self.publisher)))
        g.add((gi, RDFS.label, Literal(f"{self.title} ({release})", lang="en")))
