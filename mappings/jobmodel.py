"""Competency job model -> the `jobmodel` graph: a library of competencies in clusters, and roles
with their core competencies, definitions, representative behaviours and example positions.

Read from the job model's own layout: the library as the published tab-separated grid (one
column per cluster, its competencies top to bottom), plus two documented CSV tables
(definitions.csv, roles.csv; see src/skillgraph/embedded/jobmodel/README.md).

A role is an sg:Occupation in the job model's scheme (sg:coreCompetency has that domain, so a
reasoner would infer it anyway), skos:closeMatch the O*NET occupation it describes. Its example
positions are skos:altLabel: alternative job titles under which the same role is advertised,
which is what SKOS alternative labels are for (a title equal to the role's own label is kept
only as the prefLabel, since SKOS makes prefLabel and altLabel disjoint).
"""
from __future__ import annotations

import re
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.ontology import SG
from skillgraph.tabular import Row, read_delimited, text_lines

from .base import BuildContext, MappingReport, MappingResult
from .cells import en, integer, soc_code, split_list
from .framework_files import CsvTables
from .framework_schemes import framework_graph
from .rights import UNSTATED_LICENCE, RightsNote

SRC = "jobmodel"
ROLE_COLUMNS = ("role", "title", "occupation", "core_competencies")
ROLE_ID = re.compile(r"^[a-z][a-z0-9-]*$")


def competency_iri(name: str) -> URIRef:
    """The IRI of a job-model competency, minted from its name."""
    return iri.jobmodel.mint("competency", iri.slug(name))


def cluster_iri(name: str) -> URIRef:
    """The IRI of a job-model competency cluster, minted from its name."""
    return iri.jobmodel.mint("cluster", iri.slug(name))


def read_library(path: Path) -> tuple[list[str], dict[str, tuple[str, int, Row]]]:
    """The grid: header = clusters; each column lists its cluster's competencies without gaps."""
    rows = list(read_delimited(path, delimiter="\t"))
    header = [h.strip() for h in next(text_lines(path), "").rstrip("\r\n").split("\t")]
    if any(not h for h in header):
        raise SourceError(path, "every column of the library grid needs a cluster name in the header", line=1)
    if len(set(header)) != len(header):
        raise SourceError(path, "a cluster name appears twice in the header", line=1)
    library: dict[str, tuple[str, int, Row]] = {}
    ended: set[str] = set()
    counts = {h: 0 for h in header}
    for row in rows:
        for cluster in header:
            name = row.get(cluster).strip()
            if not name:
                ended.add(cluster)
                continue
            if cluster in ended:
                raise row.error(
                    f"competency {name!r} below an empty cell: a cluster column must have no gaps", column=cluster
                )
            if name in library:
                raise row.error(
                    f"competency {name!r} is already in cluster {library[name][0]!r} (line {library[name][2].line})",
                    column=cluster,
                )
            counts[cluster] += 1
            library[name] = (cluster, counts[cluster], row)
    if not library:
        raise SourceError(path, "the library grid lists no competencies")
    return header, library


class JobModelMapping(RightsNote, CsvTables):
    """Maps a competency job model: roles, their core competencies and behaviours."""
    id = SRC
    title = "Competency job model"
    publisher = "Publisher not stated in the source document"
    homepage = str(iri.jobmodel.mint("scheme", "competency-library"))
    license = UNSTATED_LICENCE
    credit_line = (
        "Customer Service Representative Job Model (competency library in seven clusters, core competencies, "
        "representative behaviours); publisher and licence not stated in the source document."
    )
    modification_notice = (
        "Transcribed by SkillGraph: the library grid kept as published; core-competency definitions, "
        "behaviours and example positions moved into documented tables; wording unchanged."
    )
    embedded_release = "Customer Service Representative Job Model (seed 004)"

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Read the job model's files and map roles, competencies and statements into one graph."""
        path = Path(path)
        folder = path if path.is_dir() else path.parent
        grids = sorted(folder.glob("*.tsv"))
        if not grids:
            raise SourceError(path, "no library grid (*.tsv) found")
        report = MappingReport()
        scheme = iri.jobmodel.mint("scheme", "competency-library")
        g = framework_graph(scheme, self, "Competency job model library",
                            "A library of competencies grouped in clusters, from which a role's job model names "
                            "its core competencies.")
        library: dict[str, tuple[str, int, Row]] = {}
        clusters: list[str] = []
        origins = ctx.origin(self.id)  # node -> file:line, for SHACL results
        for grid in grids:
            header, lib = read_library(grid)
            for name, v in lib.items():
                if name in library and library[name][0] != v[0]:
                    raise v[2].error(f"competency {name!r} is in cluster {library[name][0]!r} in another grid")
            library.update(lib)
            for c in header:
                if c not in clusters:
                    origins.add(cluster_iri(c), str(grid), 1)  # a cluster is a header cell of the grid
            clusters += [c for c in header if c not in clusters]
            report.tables_read.append(str(grid))
        for i, c in enumerate(clusters, 1):
            node = cluster_iri(c)
            g.add((node, RDF.type, SG.Domain))
            g.add((node, SKOS.prefLabel, en(c)))
            g.add((node, SG.position, integer(i)))
            g.add((node, SKOS.inScheme, scheme))
            g.add((node, SKOS.topConceptOf, scheme))
        for name, (cluster, pos, row) in library.items():
            node = competency_iri(name)
            origins.row(node, row)
            g.add((node, RDF.type, SG.JobModelCompetency))
            g.add((node, SKOS.prefLabel, en(name)))
            g.add((node, SG.inDomain, cluster_iri(cluster)))
            g.add((node, SKOS.broader, cluster_iri(cluster)))
            g.add((node, SG.position, integer(pos)))
            g.add((node, SKOS.inScheme, scheme))
            report.count(f"competencies in {cluster}")
        report.counts["competencies"] = len(library)
        report.counts["clusters"] = len(clusters)
        if (folder / "definitions.csv").is_file():
            report.tables_read.append(str(folder / "definitions.csv"))
            for row in read_delimited(folder / "definitions.csv", ("competency", "definition")):
                name = row.required("competency")
                if name not in library:
                    raise row.error(f"competency {name!r} is not in the library grid", column="competency")
                g.add((competency_iri(name), SKOS.definition, en(row.required("definition"))))
                origins.row(competency_iri(name), row)
                report.count("definitions")
        if (folder / "roles.csv").is_file():
            report.tables_read.append(str(folder / "roles.csv"))
            for row in read_delimited(folder / "roles.csv", ROLE_COLUMNS):
                self._role(g, scheme, row, library, report)
                origins.row(iri.jobmodel.mint("role", row.required("role")), row)
        release = self.embedded_release if path.resolve() == self.embedded_path().resolve() else f"tables: {path.name}"
        return MappingResult(g, release, report)

    def _role(self, g, scheme, row: Row, library, report: MappingReport) -> None:
        rid = row.required("role")
        if not ROLE_ID.match(rid):
            raise row.error(f"role id {rid!r} must be lower-case letters, digits and '-'", column="role")
        title = row.required("title")
        node = iri.jobmodel.mint("role", rid)
        g.add((node, RDF.type, SG.Occupation))
        g.add((node, SKOS.prefLabel, en(title)))
        g.add((node, RDFS.label, en(f"{title} Job Model")))
        g.add((node, SKOS.inScheme, scheme))
        g.add((node, SKOS.closeMatch, iri.onet.occupation(soc_code(row))))
        if row.get("description").strip():
            g.add((node, SKOS.definition, en(row.get("description").strip())))
        for p in split_list(row.get("example_positions")):
            if p != title:
                g.add((node, SKOS.altLabel, en(p)))
            report.count("example positions")
        core = split_list(row.required("core_competencies"))
        for name in core:
            if name not in library:
                raise row.error(f"core competency {name!r} is not in the library grid", column="core_competencies")
            g.add((node, SG.coreCompetency, competency_iri(name)))
        report.count("core competencies", len(core))
        for b in split_list(row.get("representative_behaviors")):
            g.add((node, SG.representativeBehavior, en(b)))
            report.count("representative behaviours")
        report.count("roles")


MAPPING = JobModelMapping()
