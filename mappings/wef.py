"""WEF Global Skills Taxonomy 2021 -> the `wef` graph, as its own SKOS scheme.

The WEF publishes the taxonomy only as a PDF report, so SkillGraph reads it from a documented
table (cluster_id, cluster_label, skill_id, skill_label, category, definition) that a user who
holds the taxonomy can fill. The embedded default holds only what the seeds attest: the cluster
"Human-Technology Interaction" (human_technology_interaction) and the occupation's link to it.
Nothing else of the taxonomy is invented here.
"""
from __future__ import annotations

import re
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.ontology import SG
from skillgraph.tabular import Row, read_delimited

from .base import BuildContext, MappingReport, MappingResult
from .cells import en, soc_code
from .citations import add_citation, read_all_citations
from .framework_files import CsvTables, locate
from .framework_schemes import framework_graph
from .rights import UNSTATED_LICENCE, RightsNote

SRC = "wef"
TAXONOMY_COLUMNS = ("cluster_id", "cluster_label", "skill_id", "skill_label", "category", "definition")
LINK_COLUMNS = ("occupation", "cluster_id")
IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
AUX = ("citations.csv", "occupation_clusters.csv", "taxonomy.csv")


def cluster_iri(ident: str) -> URIRef:
    """The IRI of a WEF skill cluster."""
    return iri.wef.mint("cluster", ident)


def skill_iri(ident: str) -> URIRef:
    """The IRI of a WEF skill."""
    return iri.wef.mint("skill", ident)


class WEFMapping(RightsNote, CsvTables):
    """Maps the WEF Global Skills Taxonomy's clusters and skills."""
    id = SRC
    title = "WEF Global Skills Taxonomy 2021"
    publisher = "World Economic Forum"
    homepage = "https://www3.weforum.org/docs/WEF_Skills_Taxonomy_2021.pdf"
    license = UNSTATED_LICENCE
    rights = ("© World Economic Forum; no licence for reuse of the taxonomy is stated. Only the cluster the seed "
              "attests is embedded; reproduced for research with attribution.")
    credit_line = ("World Economic Forum (2021), Building a Common Language for Skills at Work: A Global Taxonomy; "
                   "occupation cluster as reported on the skillscrosswalk.com O*NET enrichment page (© 2026 EBSCOed).")
    modification_notice = "Transcribed by SkillGraph into the documented WEF taxonomy table; labels and ids unchanged."
    embedded_release = "WEF Skills Taxonomy 2021: the cluster attested by seed 000 (2026)"

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Read the WEF taxonomy tables into one graph."""
        embedded = self.embedded_path()
        inputs = locate(Path(path), embedded, AUX)
        citations = read_all_citations(inputs, SRC)
        report = MappingReport()
        origins = ctx.origin(self.id)  # node -> file:line, for SHACL results
        scheme = iri.wef.mint("scheme", "global-skills-taxonomy-2021")
        g = framework_graph(scheme, self, "WEF Global Skills Taxonomy 2021",
                            "Building a Common Language for Skills at Work: the World Economic Forum's global taxonomy "
                            "of skills, grouped in clusters.")
        if "wef-2021" in citations:
            g.add((scheme, PROV.wasDerivedFrom, add_citation(g, citations["wef-2021"], origins)))
        clusters: dict[str, str] = {}
        cluster_rows: dict[str, Row] = {}  # the row that last named each cluster's label
        skills: dict[str, tuple[str, str]] = {}
        for table in inputs.aux["taxonomy.csv"] + inputs.tables:
            report.tables_read.append(str(table))
            for row in read_delimited(table, ("cluster_id", "cluster_label")):
                cid, clabel = row.required("cluster_id"), row.required("cluster_label")
                if not IDENT.match(cid):
                    raise row.error(f"cluster id {cid!r} must be letters, digits, '.', '_' or '-'", column="cluster_id")
                if cid in clusters and clusters[cid] != clabel:
                    report.warnings.append(
                        f"{table}:{row.line}: cluster {cid} relabelled {clusters[cid]!r} -> {clabel!r}"
                    )
                clusters[cid] = clabel
                cluster_rows[cid] = row
                sid = row.get("skill_id").strip()
                if not sid:
                    if row.get("skill_label").strip():
                        raise row.error("a skill label needs a skill_id", column="skill_id")
                    continue
                if not IDENT.match(sid):
                    raise row.error(f"skill id {sid!r} must be letters, digits, '.', '_' or '-'", column="skill_id")
                if sid in skills and skills[sid][0] != cid:
                    raise row.error(f"skill {sid} is already in cluster {skills[sid][0]}", column="skill_id")
                skills[sid] = (cid, row.required("skill_label"))
                self._skill(g, scheme, sid, cid, row.required("skill_label"), row.get("category").strip(),
                            row.get("definition").strip())
                origins.row(skill_iri(sid), row)
        for cid, label in clusters.items():
            c = cluster_iri(cid)
            origins.row(c, cluster_rows[cid])
            g.add((c, RDF.type, SG.Domain))
            g.add((c, SKOS.prefLabel, en(label)))
            g.add((c, SKOS.notation, Literal(cid)))
            g.add((c, SKOS.inScheme, scheme))
            g.add((c, SKOS.topConceptOf, scheme))
        report.counts["clusters"] = len(clusters)
        report.counts["skills"] = len(skills)
        if not clusters:
            raise SourceError(
                path, "no WEF taxonomy table found (expected the columns " + ", ".join(TAXONOMY_COLUMNS) + ")"
            )
        for table in inputs.aux["occupation_clusters.csv"]:
            for row in read_delimited(table, LINK_COLUMNS):
                occ, cid = soc_code(row), row.required("cluster_id")
                if cid not in clusters:
                    raise row.error(f"unknown cluster {cid!r}; the taxonomy tables have {', '.join(sorted(clusters))}",
                                    column="cluster_id")
                src = row.get("source").strip()
                if src and src not in citations:
                    raise row.error(f"unknown citation key {src!r}", column="source")
                g.add((iri.onet.occupation(occ), SG.skillCluster, cluster_iri(cid)))
                origins.row(iri.onet.occupation(occ), row)
                if src:
                    add_citation(g, citations[src], origins)
                    g.add((cluster_iri(cid), DCTERMS.source, citations[src].iri))
                report.count("occupation cluster links")
        release = self.embedded_release if Path(path).resolve() == embedded.resolve() else f"tables: {Path(path).name}"
        return MappingResult(g, release, report)

    def _skill(self, g, scheme, sid, cid, label, category, definition) -> None:
        s = skill_iri(sid)
        g.add((s, RDF.type, SG.DurableSkill))
        g.add((s, SKOS.prefLabel, en(label)))
        g.add((s, SKOS.notation, Literal(sid)))
        g.add((s, SKOS.inScheme, scheme))
        g.add((s, SG.inDomain, cluster_iri(cid)))
        g.add((s, SKOS.broader, cluster_iri(cid)))
        if category:
            g.add((s, DCTERMS.type, Literal(category)))
        if definition:
            g.add((s, SKOS.definition, en(definition)))


MAPPING = WEFMapping()
