"""Levelled statement frameworks (Pathsmith, mastery ladder, AI-at-Work): one table format, one code path.

No publisher ships these frameworks as data, so SkillGraph defines a documented CSV layout
(src/skillgraph/embedded/<source>/README.md) and reads the embedded sample and a user's tables the
same way. A source folder holds:

  <statements>.csv  one or more statement tables (any other *.csv, and statements/*.csv)
  citations.csv     key,label,title,publisher,version,url,rights,iri   (cited sources)
  domains.csv       domain,position,label,definition                   (frameworks with domains)
  anchors.csv       occupation,task_id,position,task_text              (published O*NET anchor sets)

Auxiliary tables of a user's folder extend the embedded ones (same key: the user's row wins), so
a user can pass just a statement table for another occupation. Levels: each framework's own four
levels map one-to-one onto the shared SkillGraph levels. When a publisher lists statements in
level order without labelling levels, the `level` cell may be left empty for a whole
(occupation, domain) group and the level is derived from the position (see `level_by_position`).
The helpers for citations, licences and schemes are shared with the safi, jobmodel and wef mappings.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.ontology import SCHEMA, SG
from skillgraph.sourceconfig import SourceConfig
from skillgraph.tabular import Row, read_delimited

from .base import BuildContext, MappingReport, MappingResult, Origins, SourceMapping, new_graph

# A licence IRI of our own for sources whose publisher states none (documented in the embedded READMEs).
UNSTATED_LICENCE = "https://w3id.org/skillgraph/licence/unstated"
UNSTATED_RIGHTS = "Licence not stated by the publisher; reproduced for research with attribution."

SHARED_LEVELS = (SG.Foundational, SG.Intermediate, SG.Advanced, SG.Expert)
SOC_CODE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
TASK_ID = re.compile(r"^\d+$")
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DOMAIN_ID = re.compile(r"^[a-z][a-z0-9_-]*$")

STATEMENT_COLUMNS = ("occupation", "level", "position", "label", "text")
OPTIONAL_STATEMENT_COLUMNS = ("domain", "citations", "anchor_task_ids")
CITATION_COLUMNS = ("key", "title")
DOMAIN_COLUMNS = ("domain", "label")
ANCHOR_COLUMNS = ("occupation", "task_id")
AUX_FILES = ("citations.csv", "domains.csv", "anchors.csv")


def occupation_iri(code: str) -> URIRef:
    """The O*NET occupation IRI a statement refers to."""
    return iri.instance("onet", "occupation", code)


def task_iri(task_id: str) -> URIRef:
    """The O*NET task IRI a statement is anchored to."""
    return iri.instance("onet", "task", task_id)


def element_iri(element_id: str) -> URIRef:
    """The O*NET element IRI a statement refers to."""
    return iri.instance("onet", "element", element_id)


def en(text: str) -> Literal:
    """An English literal, the language of the frameworks' texts."""
    return Literal(text, lang="en")


def integer(n: int) -> Literal:
    """An xsd:integer literal, for positions and levels."""
    return Literal(n, datatype=XSD.integer)


def split_list(value: str) -> list[str]:
    """A ';'-separated cell as a list of stripped, non-empty items."""
    return [v.strip() for v in value.split(";") if v.strip()]


def soc_code(row: Row, column: str = "occupation") -> str:
    """A column holding an O*NET-SOC code, checked so a bad code fails with its line."""
    code = row.required(column)
    if not SOC_CODE.match(code):
        raise row.error(f"{code!r} is not an O*NET-SOC code (NN-NNNN.NN)", column=column)
    return code


def level_by_position(position: int, group_size: int, levels: int = 4) -> int:
    """The level of the position-th statement of a group listed in level order, equally many per level.

    Pathsmith lists each domain's statements in level order (Communication: 12 = 3 per level;
    the other domains: 8 = 2 per level); AI-at-Work lists its 12 statements 3 per level.
    """
    per = group_size // levels
    return (position - 1) // per + 1


# -- cited sources ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Citation:
    """A source a framework cites for its statements, read from citations.csv."""
    key: str
    iri: URIRef
    label: str
    title: str
    publisher: str = ""
    version: str = ""
    url: str = ""
    rights: str = ""
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
        if given and not re.match(r"^https?://\S+$", given):
            raise row.error(f"{given!r} is not an http(s) IRI", column="iri")
        url = row.get("url").strip()
        if url and not re.match(r"^https?://\S+$", url):
            raise row.error(f"{url!r} is not an http(s) URL", column="url")
        title = row.required("title")
        out[key] = Citation(key, URIRef(given) if given else iri.instance(source, "cited-source", key),
                            row.get("label").strip() or title, title, row.get("publisher").strip(),
                            row.get("version").strip(), url, row.get("rights").strip(), row)
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
    return c.iri


# -- input folders ----------------------------------------------------------------------------

@dataclass
class Inputs:
    """Where a framework's tables are: statement tables and auxiliary tables (embedded ones first)."""

    tables: list[Path]
    aux: dict[str, list[Path]] = field(default_factory=dict)


def locate(path: Path, embedded: Path, aux_names: Iterable[str] = AUX_FILES) -> Inputs:
    """Statement tables under `path` (a CSV file or a folder); auxiliary tables from the embedded
    folder, then from `path`'s folder (so a user's rows extend and override the embedded ones)."""
    path = Path(path)
    aux_names = tuple(aux_names)
    if path.is_file():
        tables, folder = [path], None
    elif path.is_dir():
        folder = path
        tables = sorted(p for p in path.glob("*.csv") if p.name not in aux_names)
        tables += sorted((path / "statements").glob("*.csv"))
    else:
        raise SourceError(path, "no such file or folder")
    aux: dict[str, list[Path]] = {}
    for name in aux_names:
        found = []
        for d in (embedded, folder):
            if d is not None and (d / name).is_file() and (d / name) not in found:
                found.append(d / name)
        aux[name] = list(dict.fromkeys(p.resolve() for p in found))
    return Inputs(tables, aux)


def read_all_citations(inputs: Inputs, source: str) -> dict[str, Citation]:
    """Read every citations.csv of a source, keyed by citation key."""
    out: dict[str, Citation] = {}
    for p in inputs.aux.get("citations.csv", []):
        out.update(read_citations(p, source))
    return out


# -- framework description --------------------------------------------------------------------

@dataclass(frozen=True)
class FrameworkSpec:
    """What distinguishes one statement framework from another; the table format is shared."""

    source: str
    scheme_id: str
    title: str
    description: str
    statement_class: URIRef
    level_label: str               # e.g. "Pathsmith level {n}"
    level_scheme_title: str
    level_rule: str                # how levels were read (written into the level scheme)
    has_domains: bool = False
    domain_classes: tuple[URIRef, ...] = (SG.Domain,)
    levels: int = 4


def scheme_iri(source: str, ident: str) -> URIRef:
    """The IRI of a framework's concept scheme."""
    return iri.instance(source, "scheme", ident)


def level_iri(source: str, n: int) -> URIRef:
    """The IRI of a framework's proficiency level n."""
    return iri.instance(source, "level", str(n))


def add_scheme(g: Graph, scheme: URIRef, title: str, description: str, publisher: str, homepage: str) -> None:
    """Describe a framework's concept scheme (title, description, publisher, homepage)."""
    g.add((scheme, RDF.type, SG.Framework))
    g.add((scheme, SKOS.prefLabel, en(title)))
    g.add((scheme, RDFS.label, en(title)))
    g.add((scheme, DCTERMS.title, en(title)))
    g.add((scheme, SKOS.definition, en(description)))
    g.add((scheme, DCTERMS.publisher, Literal(publisher)))
    g.add((scheme, DCTERMS.source, URIRef(homepage)))


def add_levels(g: Graph, spec: FrameworkSpec) -> list[URIRef]:
    """The framework's own levels, each mapped to the shared level of the same rank."""
    ls = iri.instance(spec.source, "scheme", "levels")
    g.add((ls, RDF.type, SKOS.ConceptScheme))
    g.add((ls, SKOS.prefLabel, en(spec.level_scheme_title)))
    g.add((ls, RDFS.label, en(spec.level_scheme_title)))
    g.add((ls, RDFS.comment, en(spec.level_rule)))
    out = []
    for n in range(1, spec.levels + 1):
        lv = level_iri(spec.source, n)
        label = spec.level_label.format(n=n)
        g.add((lv, RDF.type, SG.ProficiencyLevel))
        g.add((lv, SKOS.prefLabel, en(label)))
        g.add((lv, SKOS.notation, Literal(str(n))))
        g.add((lv, SG.rank, integer(n)))
        g.add((lv, SKOS.inScheme, ls))
        g.add((lv, SKOS.topConceptOf, ls))
        g.add((lv, SG.mapsToLevel, SHARED_LEVELS[n - 1]))
        g.add((lv, SKOS.definition, en(f"{label} as the framework publishes it; maps to the shared SkillGraph "
                                       f"level {n} ({str(SHARED_LEVELS[n - 1]).rsplit('#', 1)[1]}).")))
        out.append(lv)
    return out


# -- statements -------------------------------------------------------------------------------

@dataclass
class StatementRow:
    """One statement row of a framework table, with its parsed parts."""
    row: Row
    occupation: str
    level: int | None
    domain: str
    position: int
    label: str
    text: str
    citations: list[str]
    anchors: list[str]


def read_statements(path: Path, spec: FrameworkSpec, domains: dict[str, Row],
                    citations: dict[str, Citation]) -> list[StatementRow]:
    """One statement table, every cell checked; levels derived from position where the cell is empty."""
    required = STATEMENT_COLUMNS + (("domain",) if spec.has_domains else ())
    rows: list[StatementRow] = []
    seen: dict[tuple[str, str, int], int] = {}
    for row in read_delimited(path, required):
        occ = soc_code(row)
        level = None
        if row.get("level").strip():
            level = row.integer("level")
            if not 1 <= level <= spec.levels:
                raise row.error(f"level {level} is not one of the framework's levels 1-{spec.levels}", column="level")
        domain = row.get("domain").strip()
        if spec.has_domains:
            domain = row.required("domain")
            if domain not in domains:
                raise row.error(
                    f"unknown domain {domain!r}; the domains are {', '.join(sorted(domains))}", column="domain"
                )
        elif domain:
            raise row.error("this framework has no domains; leave the domain column empty", column="domain")
        position = row.integer("position")
        if position < 1:
            raise row.error(f"position {position} must be 1 or more", column="position")
        key = (occ, domain, position)
        if key in seen:
            raise row.error(
                f"position {position} of {occ}{' / ' + domain if domain else ''} already given on line {seen[key]}",
                column="position",
            )
        seen[key] = row.line
        cites = split_list(row.get("citations"))
        for c in cites:
            if c not in citations:
                raise row.error(
                    f"unknown citation key {c!r}; citations.csv has {', '.join(sorted(citations)) or 'none'}",
                    column="citations",
                )
        anchors = split_list(row.get("anchor_task_ids"))
        for a in anchors:
            if not TASK_ID.match(a):
                raise row.error(f"{a!r} is not an O*NET Task ID (digits)", column="anchor_task_ids")
        rows.append(StatementRow(row, occ, level, domain, position, row.required("label"), row.required("text"),
                                 cites, anchors))
    _derive_levels(rows, spec)
    return rows


def _derive_levels(rows: list[StatementRow], spec: FrameworkSpec) -> None:
    groups: dict[tuple[str, str], list[StatementRow]] = {}
    for r in rows:
        groups.setdefault((r.occupation, r.domain), []).append(r)
    for (occ, domain), grp in groups.items():
        empty = [r for r in grp if r.level is None]
        if not empty:
            continue
        where = occ + (f" / {domain}" if domain else "")
        if len(empty) != len(grp):
            raise empty[0].row.error(
                f"level is empty here but given elsewhere for {where}: fill all or none", column="level"
            )
        n = len(grp)
        positions = sorted(r.position for r in grp)
        if n % spec.levels or positions != list(range(1, n + 1)):
            raise empty[0].row.error(
                f"cannot derive levels from position for {where}: {n} statements at positions "
                f"{positions[0]}-{positions[-1]}; it needs positions 1..n with n a multiple of {spec.levels}",
                column="level",
            )
        for r in grp:
            r.level = level_by_position(r.position, n, spec.levels)


def read_domains(paths: list[Path]) -> dict[str, Row]:
    """Read the frameworks' domain tables, keyed by domain id."""
    out: dict[str, Row] = {}
    for p in paths:
        for row in read_delimited(p, DOMAIN_COLUMNS):
            d = row.required("domain")
            if not DOMAIN_ID.match(d):
                raise row.error(f"domain id {d!r} must be lower-case letters, digits, '_' or '-'", column="domain")
            row.required("label")
            if row.get("position").strip():
                row.integer("position")
            out[d] = row
    return out


def statement_iri(source: str, s: StatementRow) -> URIRef:
    """A statement's IRI from its occupation, domain and position, so it is the same in every release."""
    parts = [s.occupation] + ([s.domain] if s.domain else []) + [str(s.position)]
    return iri.instance(source, "statement", "-".join(parts))


def anchor_set_iri(source: str, occupation: str) -> URIRef:
    """The IRI of the set of tasks a publisher lists as anchors for an occupation's statements."""
    return iri.instance(source, "anchor-set", occupation)


class StatementFrameworkMapping(SourceMapping):
    """A statement framework read from the documented table format; subclasses set `spec`."""

    spec: ClassVar[FrameworkSpec]
    rights: ClassVar[str] = UNSTATED_RIGHTS
    embedded_release: ClassVar[str] = ""

    def describe(self, g: Graph, release: str, report: MappingReport) -> None:
        """Describe the framework's graph, adding its rights statement."""
        super().describe(g, release, report)
        g.add((self.graph_iri, DCTERMS.rights, Literal(self.rights)))

    def preflight(self, path: Path, config: SourceConfig) -> None:
        """A table to read (a CSV file, or a folder holding one), before anything is mapped."""
        if not locate(Path(path), self.embedded_path()).tables:
            raise SourceError(path, "no CSV table found here (expected a statement table, or a folder holding one)")

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Read a framework's statement tables, levels, domains and citations into one graph."""
        spec = self.spec
        embedded = self.embedded_path()
        inputs = locate(Path(path), embedded)
        report = MappingReport()
        g = new_graph()
        citations = read_all_citations(inputs, spec.source)
        domains = read_domains(inputs.aux.get("domains.csv", [])) if spec.has_domains else {}
        if spec.has_domains and not domains:
            raise SourceError(path, "no domains.csv found (needed: this framework has domains)")
        scheme = scheme_iri(spec.source, spec.scheme_id)
        add_scheme(g, scheme, spec.title, spec.description, self.publisher, self.homepage)
        levels = add_levels(g, spec)
        origins = ctx.origin(self.id)  # node -> file:line, for SHACL results
        domain_iris = self._domains(g, scheme, domains, origins)
        statements: list[StatementRow] = []
        for table in inputs.tables:
            statements += read_statements(table, spec, domains, citations)
            report.tables_read.append(str(table))
        if not statements:
            raise SourceError(path, "no statement table found (expected a CSV with the columns "
                                    + ", ".join(STATEMENT_COLUMNS) + ")")
        used: set[str] = set()
        for s in statements:
            node = statement_iri(spec.source, s)
            origins.row(node, s.row)
            if (node, RDF.type, spec.statement_class) in g:
                raise s.row.error(
                    f"statement {node} is given twice (another table has the same occupation, domain and position)"
                )
            g.add((node, RDF.type, spec.statement_class))
            g.add((node, SKOS.prefLabel, en(s.label)))
            g.add((node, SG.statementText, en(s.text)))
            g.add((node, SG.position, integer(s.position)))
            g.add((node, SG.sourceLevel, levels[s.level - 1]))
            g.add((node, SG.proficiencyLevel, SHARED_LEVELS[s.level - 1]))
            g.add((node, SG.occupation, occupation_iri(s.occupation)))
            g.add((node, SKOS.inScheme, scheme))
            if s.domain:
                g.add((node, SG.inDomain, domain_iris[s.domain]))
            for c in s.citations:
                g.add((node, SG.cites, citations[c].iri))
                used.add(c)
            for t in s.anchors:
                g.add((node, SG.anchoredTo, task_iri(t)))
                report.count("published task anchors")
            report.count("statements")
            report.count(f"statements at level {s.level}")
        for c in sorted(used):
            add_citation(g, citations[c], origins)
        report.counts["cited sources"] = len(used)
        occupations = {s.occupation for s in statements}
        self._anchor_sets(g, inputs.aux.get("anchors.csv", []), occupations, report, origins)
        report.counts["occupations"] = len(occupations)
        release = self.embedded_release if Path(path).resolve() == embedded.resolve() else f"tables: {Path(path).name}"
        return MappingResult(g, release, report)

    def _domains(self, g: Graph, scheme: URIRef, domains: dict[str, Row], origins: Origins) -> dict[str, URIRef]:
        out = {}
        for d, row in domains.items():
            node = iri.instance(self.spec.source, "domain", d)
            origins.row(node, row)
            for c in self.spec.domain_classes:
                g.add((node, RDF.type, c))
            g.add((node, SKOS.prefLabel, en(row.required("label"))))
            g.add((node, SKOS.notation, Literal(d)))
            g.add((node, SKOS.inScheme, scheme))
            g.add((node, SKOS.topConceptOf, scheme))
            if row.get("position").strip():
                g.add((node, SG.position, integer(row.integer("position"))))
            if row.get("definition").strip():
                g.add((node, SKOS.definition, en(row.get("definition").strip())))
            out[d] = node
        return out

    def _anchor_sets(self, g: Graph, paths: list[Path], occupations: set[str], report: MappingReport,
                     origins: Origins) -> None:
        """Published O*NET anchor sets: the tasks a publisher says ground an occupation's statements."""
        sets: dict[str, dict[str, Row]] = {}
        for p in paths:
            for row in read_delimited(p, ANCHOR_COLUMNS):
                occ = soc_code(row)
                tid = row.required("task_id")
                if not TASK_ID.match(tid):
                    raise row.error(f"{tid!r} is not an O*NET Task ID (digits)", column="task_id")
                if row.get("position").strip():
                    row.integer("position")
                sets.setdefault(occ, {})[tid] = row
        for occ, members in sets.items():
            if occ not in occupations:
                continue  # an anchor set for an occupation with no statements in this build
            c = anchor_set_iri(self.spec.source, occ)
            for row in members.values():  # the anchor rows it was made from
                origins.row(c, row)
            g.add((c, RDF.type, SKOS.Collection))
            g.add((c, SKOS.prefLabel, en(f"{self.spec.title}: O*NET task anchors for {occ}")))
            g.add((c, SG.occupation, occupation_iri(occ)))
            g.add((c, SKOS.scopeNote, en(
                "The O*NET tasks the publisher lists as grounding this occupation's statements, without saying "
                "which statement goes with which task; statement-task anchors are derived by the crosswalk.")))
            for tid in members:
                g.add((c, SKOS.member, task_iri(tid)))
            report.count("anchor-set tasks", len(members))
            report.count("anchor sets")
