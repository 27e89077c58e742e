"""Cited sources of the framework tables (citations.csv): read, checked, and described as PROV entities.

What a cited source is, when the crosswalk needs to know, is stated here once as a triple, from a
structured cell of its row: a row whose `url` is on O*NET's publisher site (iri.onet.is_publisher_url)
cites an O*NET release, stated as `dcterms:isVersionOf` the O*NET database (iri.onet.DATABASE, the
`onet` graph's dcterms:source); a row whose `iri` is a release of the `aei` graph cites the AEI.
Titles and labels are for readers only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from skillgraph import iri
from skillgraph.ontology import SCHEMA, SG
from skillgraph.tabular import Row, read_delimited

from .base import Origins
from .cells import en
from .framework_files import Inputs

CITATION_COLUMNS = ("key", "title")
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_HTTP = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Citation:
    """A source a framework cites for its statements, read from citations.csv.

    Its IRI is the row's `iri` cell when given, else one minted in the citing source's namespace;
    `version_of`: the source dataset it is a release of, when its row says so (see the module's docstring).
    """

    key: str
    iri: URIRef
    label: str
    title: str
    publisher: str = ""
    version: str = ""
    url: str = ""
    rights: str = ""
    version_of: URIRef | None = None
    row: Row | None = field(default=None, compare=False, repr=False)  # where it was read (for SHACL results)


def read_citations(path: Path, source: str) -> dict[str, Citation]:
    """citations.csv: key, title required; label (the citation chip), publisher, version, url, rights, iri optional."""
    out: dict[str, Citation] = {}
    for row in read_delimited(path, CITATION_COLUMNS):
        key = row.required("key")
        if not KEY.match(key):
            raise row.error(f"citation key {key!r} must be letters, digits, '.', '_' or '-'", column="key")
        if key in out:
            raise row.error(f"citation key {key!r} appears twice", column="key")
        given = row.get("iri").strip()
        if given and not _HTTP.match(given):
            raise row.error(f"{given!r} is not an http(s) IRI", column="iri")
        url = row.get("url").strip()
        if url and not _HTTP.match(url):
            raise row.error(f"{url!r} is not an http(s) URL", column="url")
        title = row.required("title")
        out[key] = Citation(key, URIRef(given) if given else iri.scheme(source).mint("cited-source", key),
                            row.get("label").strip() or title, title, row.get("publisher").strip(),
                            row.get("version").strip(), url, row.get("rights").strip(), version_of(url), row)
    return out


def version_of(url: str) -> URIRef | None:
    """The source dataset a cited source is a release of, recognised by its URL; None when it is none we map."""
    return iri.onet.DATABASE if url and iri.onet.is_publisher_url(url) else None


def read_all_citations(inputs: Inputs, source: str) -> dict[str, Citation]:
    """Read every citations.csv of a source, keyed by citation key."""
    out: dict[str, Citation] = {}
    for p in inputs.aux.get("citations.csv", []):
        out.update(read_citations(p, source))
    return out


def add_citation(g: Graph, c: Citation, origins: Origins | None = None) -> URIRef:
    """A cited source as a PROV entity, described in the citing graph so that graph validates alone."""
    if origins is not None and c.row is not None:
        origins.row(c.iri, c.row)
    g.add((c.iri, RDF.type, SG.CitedSource))
    g.add((c.iri, RDFS.label, en(c.title)))
    g.add((c.iri, DCTERMS.title, en(c.title)))
    if c.label != c.title:
        g.add((c.iri, DCTERMS.alternative, en(c.label)))
    if c.publisher:
        g.add((c.iri, DCTERMS.publisher, Literal(c.publisher)))
    if c.version:
        g.add((c.iri, SCHEMA.version, Literal(c.version)))
    if c.url:
        g.add((c.iri, SCHEMA.url, URIRef(c.url)))
    if c.rights:
        g.add((c.iri, DCTERMS.rights, Literal(c.rights)))
    if c.version_of is not None:
        g.add((c.iri, DCTERMS.isVersionOf, c.version_of))
    return c.iri
