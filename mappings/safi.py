"""Skill Automation Feasibility Index (SAFI) positioning -> the `safi` graph.

One sg:AutomationFeasibility per (occupation, cited source): the SAFI score (0-100), the top skill
as an O*NET content-model element, and the precision the source states. The paper (Jadhav &
Danve, 2026, arXiv:2604.06906) publishes no table SkillGraph could read, so positions are read
from the documented CSV layout of src/skillgraph/embedded/safi/README.md.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.ontology import SG
from skillgraph.tabular import check_number, read_delimited

from .base import BuildContext, MappingReport, MappingResult
from .cells import en, soc_code
from .citations import add_citation, read_all_citations
from .framework_files import CsvTables, locate
from .framework_schemes import framework_graph
from .rights import UNSTATED_LICENCE, RightsNote

SRC = "safi"
COLUMNS = ("occupation", "score", "top_skill_element_id", "precision", "source")
ELEMENT_ID = re.compile(r"^\d+(\.[A-Za-z0-9]+)+$")
PRECISION = re.compile(r"^[a-z][a-z0-9_]*$")


class SAFIMapping(RightsNote, CsvTables):
    """Maps SAFI automation-feasibility scores per occupation, with the skill each names."""
    id = SRC
    title = "Skill Automation Feasibility Index (SAFI) positioning"
    publisher = "Jadhav & Danve (2026), as reported by SkillsCrosswalk.com"
    homepage = "https://arxiv.org/abs/2604.06906"
    license = UNSTATED_LICENCE
    credit_line = (
        "Skill Automation Feasibility Index — Jadhav & Danve, 2026 (arXiv:2604.06906); occupation positioning "
        "as reported on the skillscrosswalk.com O*NET enrichment page (© 2026 EBSCOed)."
    )
    modification_notice = "Transcribed by SkillGraph into the documented SAFI table; figures unchanged."
    embedded_release = "SAFI positioning of 43-4051.00 as reported in seed 000 (2026)"

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Read SAFI's positioning table and citations into one graph."""
        embedded = self.embedded_path()
        inputs = locate(Path(path), embedded, ("citations.csv",))
        citations = read_all_citations(inputs, SRC)
        report = MappingReport()
        scheme = iri.safi.mint("scheme", "safi")
        g = framework_graph(scheme, self, "Skill Automation Feasibility Index (SAFI)",
                            "An index of how feasible it is to automate an occupation's skills, 0-100, with the "
                            "occupation's top skill and the precision of the estimate (Jadhav & Danve, 2026).")
        used, seen = set(), {}
        origins = ctx.origin(self.id)  # node -> file:line, for SHACL results
        for table in inputs.tables:
            report.tables_read.append(str(table))
            for row in read_delimited(table, COLUMNS):
                occ = soc_code(row)
                check_number(row, "score", row.required("score"))
                score = Decimal(row.required("score"))
                if not Decimal(0) <= score <= Decimal(100):
                    raise row.error(f"SAFI score {score} is outside [0, 100]", column="score")
                element = row.required("top_skill_element_id")
                if not ELEMENT_ID.match(element):
                    raise row.error(
                        f"{element!r} is not an O*NET Element ID (e.g. 2.B.1.f)", column="top_skill_element_id"
                    )
                precision = row.required("precision")
                if not PRECISION.match(precision):
                    raise row.error(
                        f"precision {precision!r} must be a lower-case token such as category_estimate",
                        column="precision",
                    )
                keys = [row.required("source")] + (
                    [row.get("evidence_source").strip()] if row.get("evidence_source").strip() else []
                )
                for k, col in zip(keys, ("source", "evidence_source"), strict=False):
                    if k not in citations:
                        raise row.error(
                            f"unknown citation key {k!r}; citations.csv has {', '.join(sorted(citations))}", column=col
                        )
                node = iri.safi.mint("assessment", f"{occ}-{keys[0]}")
                if node in seen:
                    raise row.error(f"a SAFI positioning of {occ} from {keys[0]} is already given on line {seen[node]}")
                seen[node] = row.line
                origins.row(node, row)
                skill = row.get("top_skill_label").strip()
                g.add((node, RDF.type, SG.AutomationFeasibility))
                g.add((node, RDFS.label, en(f"SAFI positioning of {occ}: score {score} / 100"
                                            + (f", top skill {skill}" if skill else ""))))
                g.add((node, SG.occupation, iri.onet.occupation(occ)))
                g.add((node, SG.safiScore, Literal(str(score), datatype=XSD.decimal)))
                g.add((node, SG.topSkill, iri.onet.element(element)))
                if skill:
                    g.add((node, RDFS.comment, en(f"Top skill as the source names it: {skill}.")))
                g.add((node, SG.precision, Literal(precision)))
                g.add((node, SG.cites, citations[keys[0]].iri))
                g.add((node, DCTERMS.conformsTo, scheme))
                if len(keys) > 1:
                    g.add((node, PROV.wasDerivedFrom, citations[keys[1]].iri))
                used.update(keys)
                report.count("SAFI positionings")
        if not seen:
            raise SourceError(path, "no SAFI table found (expected a CSV with the columns " + ", ".join(COLUMNS) + ")")
        for k in sorted(used):
            add_citation(g, citations[k], origins)
        if "safi-2026" in citations:
            g.add((scheme, PROV.wasDerivedFrom, add_citation(g, citations["safi-2026"], origins)))
        release = self.embedded_release if Path(path).resolve() == embedded.resolve() else f"tables: {Path(path).name}"
        return MappingResult(g, release, report)


MAPPING = SAFIMapping()
