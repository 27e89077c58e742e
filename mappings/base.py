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
from skillgraph.errors import SourceError
from skillgraph.ontology import PREFIXES, SCHEMA, SG
from skillgraph.sourceconfig import SourceConfig, config_class


@dataclass
class MappingReport:
    """What a mapping did: entity counts, tables read or skipped, warnings for the user."""

    counts: dict[str, int] = field(default_factory=dict)
    tables_read: list[str] = field(default_factory=list)
    tables_skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    skipped_why: dict[str, str] = field(default_factory=dict)  # table -> why it was not read

    def count(self, key: str, n: int = 1) -> None:
        """Count something the mapping produced, for the build report."""
        self.counts[key] = self.counts.get(key, 0) + n

    def skip(self, table: str, why: str) -> None:
        """Record a table left out and why, so a partial build says what it lacks."""
        self.tables_skipped.append(table)
        self.skipped_why[table] = why


@dataclass
class MappingResult:
    """What a mapping returns: its graph, release and report, ready for validation and loading."""
    graph: Graph
    release: str
    report: MappingReport


class Origins:
    """Map-back index: node IRI -> the source file and line(s) it was made from.

    Kept beside the graph (not in it) and used only to say where a SHACL result came from;
    files are interned, so an entry costs one int per node.
    """

    def __init__(self) -> None:
        self._files: list[str] = []
        self._file_ids: dict[str, int] = {}
        self._where: dict[str, int | list[int]] = {}

    def add(self, node: object, path: str, line: int) -> None:
        """Record the file and line a node was mapped from, so validation errors can point at the input."""
        fid = self._file_ids.get(path)
        if fid is None:
            fid = self._file_ids[path] = len(self._files)
            self._files.append(path)
        code = (line << 16) | fid
        key = str(node)
        old = self._where.get(key)
        if old is None:
            self._where[key] = code
        elif isinstance(old, list):
            if code not in old:
                old.append(code)
        elif old != code:
            self._where[key] = [old, code]

    def row(self, node: object, row: Any) -> None:
        """Record a tabular Row (anything with .path and .line) as the origin of `node`."""
        self.add(node, row.path, row.line)

    def get(self, node: object) -> list[str]:
        """'file:line' for every place `node` was made from (several for a duplicate key)."""
        v = self._where.get(str(node))
        if v is None:
            return []
        return [f"{self._files[c & 0xFFFF]}:{c >> 16}" for c in (v if isinstance(v, list) else [v])]

    def __len__(self) -> int:
        return len(self._where)


@dataclass
class BuildContext:
    """Graphs already mapped in this build, by source id, for mappings that join to them (e.g. AEI to O*NET tasks).

    `origins` collects, per source id, where each node came from (see Origins); `embedded` names the
    sources read from their embedded default (which holds only the tables its README lists).
    """

    graphs: dict[str, Graph] = field(default_factory=dict)
    config: dict[str, SourceConfig] = field(default_factory=dict)  # source id -> its typed configuration
    origins: dict[str, Origins] = field(default_factory=dict)

    def source_config(self, source: str) -> Any:
        """The typed configuration of a source (skillgraph.sourceconfig), its defaults when none was given."""
        return self.config.get(source) or config_class(source)()

    def origin(self, source: str) -> Origins:
        """The origin table of one source, created on first use."""
        return self.origins.setdefault(source, Origins())


def build_time() -> _dt.datetime:
    """When the graph was made: SOURCE_DATE_EPOCH when set (reproducible builds), else now (UTC, whole seconds)."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
        except ValueError:
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970") from None
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


def new_graph() -> Graph:
    """An empty graph with SkillGraph's prefixes bound, so every mapping serializes alike."""
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
        """The named graph this source's triples go into."""
        return iri.graph(self.id)

    def embedded_path(self) -> Path:
        """The embedded default dataset of this source, shipped inside the package."""
        return Path(str(resources.files("skillgraph").joinpath("embedded", self.id)))

    #: True for sources given several times side by side (one path per release); `map` then gets a list
    multiple: ClassVar[bool] = False

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Map the source at a path into a graph; each source implements this."""
        raise NotImplementedError

    def preflight(self, path: Path, config: Any) -> None:
        """Cheap checks of the input's path, layout and required files, run for every source before any is
        mapped; raise SourceError. The default only checks that the path exists."""
        for p in (path if isinstance(path, list) else [path]):
            if not Path(p).exists():
                raise SourceError(p, f"input for source {self.id!r} does not exist")

    def table_names(self) -> list[str]:
        """The tables `--allow-missing` may name for this source (none unless the mapping has required tables)."""
        return []

    def is_embedded(self, path: Path) -> bool:
        """Whether the path is the embedded sample shipped with the package (recorded as such)."""
        try:
            return Path(path).resolve() == self.embedded_path().resolve()
        except OSError:
            return False

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
