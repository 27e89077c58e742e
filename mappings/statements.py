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
Cells, citations, rights, file lookup and schemes live in their own modules (cells, citations, rights,
framework_files, framework_schemes), which the safi, jobmodel and wef mappings share.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.ontology import SG
from skillgraph.tabular import Row, read_delimited

from .base import BuildContext, MappingReport, MappingResult, Origins
from .cells import check_task_id, en, integer, soc_code, split_list, task_id
from .citations import Citation, add_citation, read_all_citations
from .framework_files import CsvTables, locate
from .framework_schemes import SHARED_LEVELS, add_levels, framework_graph, level_by_position, scheme_iri
from .rights import RightsNote

DOMAIN_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
STATEMENT_COLUMNS = ("occupation", "level", "position", "label", "text")
OPTIONAL_STATEMENT_COLUMNS = ("domain", "citations", "anchor_task_ids")
DOMAIN_COLUMNS = ("domain", "label")
ANCHOR_COLUMNS = ("occupation", "task_id")


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
            check_task_id(row, "anchor_task_ids", a)
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
    return iri.scheme(source).mint("statement", "-".join(parts))


def anchor_set_iri(source: str, occupation: str) -> URIRef:
    """The IRI of the set of tasks a publisher lists as anchors for an occupation's statements."""
    return iri.scheme(source).mint("anchor-set", occupation)


class StatementFrameworkMapping(RightsNote, CsvTables):
    """A statement framework read from the documented table format; subclasses set `spec`."""

    spec: ClassVar[FrameworkSpec]
    embedded_release: ClassVar[str] = ""

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Read a framework's statement tables, levels, domains and citations into one graph."""
        spec = self.spec
        embedded = self.embedded_path()
        inputs = locate(Path(path), embedded)
        report = MappingReport()
        citations = read_all_citations(inputs, spec.source)
        domains = read_domains(inputs.aux.get("domains.csv", [])) if spec.has_domains else {}
        if spec.has_domains and not domains:
            raise SourceError(path, "no domains.csv found (needed: this framework has domains)")
        scheme = scheme_iri(spec.source, spec.scheme_id)
        g = framework_graph(scheme, self, spec.title, spec.description)
        levels = add_levels(g, spec.source, spec.level_label, spec.level_scheme_title, spec.level_rule, spec.levels)
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
            g.add((node, SG.occupation, iri.onet.occupation(s.occupation)))
            g.add((node, SKOS.inScheme, scheme))
            if s.domain:
                g.add((node, SG.inDomain, domain_iris[s.domain]))
            for c in s.citations:
                g.add((node, SG.cites, citations[c].iri))
                used.add(c)
            for t in s.anchors:
                g.add((node, SG.anchoredTo, iri.onet.task(t)))
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
            node = iri.scheme(self.spec.source).mint("domain", d)
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
                tid = task_id(row, "task_id")
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
            g.add((c, SG.occupation, iri.onet.occupation(occ)))
            g.add((c, SKOS.scopeNote, en(
                "The O*NET tasks the publisher lists as grounding this occupation's statements, without saying "
                "which statement goes with which task; statement-task anchors are derived by the crosswalk.")))
            for tid in members:
                g.add((c, SKOS.member, iri.onet.task(tid)))
            report.count("anchor-set tasks", len(members))
            report.count("anchor sets")
