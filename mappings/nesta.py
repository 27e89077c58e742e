"""Nesta's ESCO -> O*NET occupation crosswalk (2020), brought to O*NET-SOC 2019, as the `nesta` graph.

Input: a folder holding Nesta's ``esco_onet_crosswalk_Nov2020.csv`` (one best-matching O*NET-SOC
2010 occupation per ESCO occupation, confidence 0.5, 1 or 2) and the O*NET Center's
``2010_to_2019_soc_crosswalk.csv``. Each Nesta row becomes, for every 2019 code its 2010 code
leads to:

  <ESCO occupation> skos:closeMatch <id/onet/occupation/<2019 code>>       (the plain triple)
  an sg:Alignment reifying it: owl:annotatedSource/Property/Target, sssom:confidence in [0, 1]
  (Nesta's value / 2, divided again by the number of 2019 codes when the 2010 code split),
  sg:sourceConfidence (Nesta's value), sssom:similarity_score (Nesta's semantic similarity),
  sssom:mapping_justification, sg:method, prov:wasDerivedFrom the Nesta row,
  prov:wasGeneratedBy the sg:CrosswalkStep (sg:fromCode, sg:toCode, sg:stepKind).

Why skos:closeMatch and never exactMatch: Nesta gives one *best* O*NET match per ESCO occupation,
with no match type, and many ESCO occupations share one O*NET code; skos:exactMatch is transitive
and would equate all of them. closeMatch says "similar enough to interchange in some applications"
and is not transitive. Justification: semapv:ManualMappingCuration (Nesta's researchers chose and
graded each match, 0.5/1/2, after automated candidate generation) when the code is unchanged;
semapv:MappingChaining when the mapping was carried through the taxonomy crosswalk to a renamed, split or merged code.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.ontology import SEMAPV, SG, SSSOM
from skillgraph.sourceconfig import SourceConfig
from skillgraph.tabular import Row, read_delimited

from .base import BuildContext, MappingReport, MappingResult, SourceMapping, new_graph

CROSSWALK = "esco_onet_crosswalk_Nov2020.csv"
TAXONOMY = "2010_to_2019_soc_crosswalk.csv"
NESTA_COLUMNS = ("id", "esco_occupation", "onet_code", "confidence", "concept_uri")
NESTA_OPTIONAL = ("isco_code", "onet_occupation", "matching_job_titles", "semantic_similarity")
TAX_COLUMNS = ("O*NET-SOC 2010 Code", "O*NET-SOC 2019 Code")
TAX_OPTIONAL = ("O*NET-SOC 2010 Title", "O*NET-SOC 2019 Title")
SOC = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
ESCO_OCC = iri.esco.pattern("occupation")
NESTA_MAX = Decimal(2)
METHOD = "Nesta ESCO-O*NET crosswalk v1 (Nov 2020) carried to O*NET-SOC 2019 by the O*NET 2010-2019 crosswalk"


def _dec(x: Decimal) -> Literal:
    return Literal(x.quantize(Decimal("0.0001")).normalize(), datatype=XSD.decimal)


class NestaMapping(SourceMapping):
    """Maps Nesta's ESCO-O*NET occupation crosswalk to SKOS matches carried to current O*NET-SOC codes."""
    id = "nesta"
    title = "ESCO-O*NET occupation crosswalk (Nesta, Mapping Career Causeways, November 2020)"
    publisher = "Nesta"
    homepage = "https://github.com/nestauk/mapping-career-causeways"
    license = "https://opensource.org/licenses/MIT"
    credit_line = ("ESCO-O*NET crosswalk by Nesta (Kanders, Djumalieva, Sleeman, Orlik 2020, 'Mapping Career "
                   "Causeways'), MIT licence; O*NET-SOC 2010 to 2019 crosswalk by the O*NET Resource Center "
                   "(USDOL/ETA), CC BY 4.0. This service uses the ESCO classification of the European Commission.")
    modification_notice = ("SkillGraph carried Nesta's O*NET-SOC 2010 codes to O*NET-SOC 2019 codes through the "
                           "O*NET crosswalk, recording each step, and normalised the confidence to [0, 1]; the "
                           "published values are kept.")
    requires = ("onet", "esco")

    def preflight(self, path: Path, config: SourceConfig) -> None:
        """Both tables found, with their headers, before anything is mapped."""
        for name, cols in ((CROSSWALK, NESTA_COLUMNS), (TAXONOMY, TAX_COLUMNS)):
            for _row in read_delimited(_find(Path(path), name), cols):
                break

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Read the crosswalk and taxonomy files and map each match with its confidence and justification."""
        cw, tax = _find(Path(path), CROSSWALK), _find(Path(path), TAXONOMY)
        report = MappingReport()
        g = new_graph()
        steps, info = _taxonomy(tax, report)
        esco = ctx.graphs.get("esco")
        onet = ctx.graphs.get("onet")
        origins = ctx.origin(self.id)  # node -> file:line, for SHACL results
        several: list[str] = []
        missing_esco = missing_onet = 0
        dropped: list[str] = []
        for row in read_delimited(cw, NESTA_COLUMNS):
            _check_columns(row, NESTA_COLUMNS + NESTA_OPTIONAL)
            ident = row.required("id")
            occ_uri = row.required("concept_uri")
            if not ESCO_OCC.match(occ_uri):
                raise row.error(f"{occ_uri!r} is not an ESCO occupation URI", column="concept_uri")
            occ = URIRef(occ_uri)
            code10 = row.required("onet_code")
            if not SOC.match(code10):
                raise row.error(f"{code10!r} is not an O*NET-SOC code NN-NNNN.NN", column="onet_code")
            raw = _decimal(row, "confidence")
            if not Decimal(0) <= raw <= NESTA_MAX:
                raise row.error(f"confidence {raw} is outside Nesta's scale [0, 2]", column="confidence")
            sim = _decimal(row, "semantic_similarity", required=False)
            if code10 not in steps:
                raise row.error(f"O*NET-SOC 2010 code {code10} is not in {TAXONOMY}", column="onet_code")
            targets = steps[code10]
            if esco is not None and (occ, RDF.type, None) not in esco:
                missing_esco += 1  # an occupation this ESCO release does not have: the row is left out
                dropped.append(f"{CROSSWALK}:{row.line}: {occ} is not in the esco graph")
                report.count("crosswalk rows")
                continue
            src = iri.nesta.mint("row", ident)
            origins.row(src, row)
            g.add((src, RDF.type, PROV.Entity))
            g.add((src, DCTERMS.identifier, Literal(ident)))
            g.add((src, DCTERMS.source, Literal(f"{CROSSWALK} line {row.line}")))
            g.add((src, RDFS.label, Literal(f"Nesta crosswalk row {ident}: {row.get('esco_occupation').strip()} -> "
                                           f"O*NET-SOC 2010 {code10} {row.get('onet_occupation').strip()}", lang="en")))
            if len(targets) > 1:
                several.append(f"{occ} ({row.get('esco_occupation').strip()}): 2010 {code10} -> "
                               + ", ".join(t for t, _, _ in targets))
            for code19, step, kinds in targets:
                target = iri.onet.occupation(code19)
                if onet is not None and (target, RDF.type, None) not in onet:
                    missing_onet += 1
                    dropped.append(f"{CROSSWALK}:{row.line}: {target} is not in the onet graph")
                    continue
                conf = raw / NESTA_MAX / len(targets)
                al = iri.nesta.mint("alignment", iri.digest(occ, code19))
                g.add((occ, SKOS.closeMatch, target))
                origins.row(occ, row)
                origins.row(al, row)
                g.add((al, RDF.type, SG.Alignment))
                g.add((al, OWL.annotatedSource, occ))
                g.add((al, OWL.annotatedProperty, SKOS.closeMatch))
                g.add((al, OWL.annotatedTarget, target))
                g.add((al, SSSOM.confidence, _dec(conf)))
                g.add((al, SG.sourceConfidence, _dec(raw)))
                if sim is not None:
                    g.add((al, SSSOM.similarity_score, _dec(sim)))
                    g.add((al, SSSOM.similarity_measure, Literal("Nesta semantic similarity (sentence embeddings)")))
                g.add((al, SSSOM.mapping_justification,
                       SEMAPV.ManualMappingCuration if kinds == ["unchanged"] else SEMAPV.MappingChaining))
                g.add((al, SG.method, Literal(METHOD)))
                g.add((al, SG.evidenceKind, Literal("crosswalk-table")))
                g.add((al, PROV.wasDerivedFrom, src))
                g.add((al, PROV.wasGeneratedBy, step))
                if len(targets) > 1:
                    g.add(
                        (
                            al,
                            RDFS.comment,
                            Literal(
                                f"O*NET-SOC 2010 {code10} split into {len(targets)} O*NET-SOC 2019 codes; "
                                f"this is one of them, so the confidence is divided by {len(targets)}.",
                                lang="en",
                            ),
                        )
                    )
                report.count("alignments")
                report.count(f"alignments ({', '.join(kinds)})")
            report.count("crosswalk rows")
        if several:
            report.details["ESCO occupations mapped to several O*NET-SOC 2019 codes"] = several
            report.warnings.append(f"{len(several)} ESCO occupation(s) map to several O*NET-SOC 2019 codes "
                                   f"(their 2010 code split); each gets one alignment per code")
        report.count("ESCO occupations mapped to several 2019 codes", len(several))
        if missing_esco:
            report.warnings.append(f"{missing_esco} crosswalk row(s) name an ESCO occupation not in the esco graph: "
                                   "left out (build.json lists them)")
        if missing_onet:
            report.warnings.append(f"{missing_onet} alignment(s) point at an O*NET occupation not in the onet graph: "
                                   "left out (build.json lists them)")
        if dropped:
            report.details["left out: endpoint not in this build"] = dropped
        _emit_steps(g, steps, info)
        for st in set(g.subjects(RDF.type, SG.CrosswalkStep)):
            origins.add(st, str(tax), info[st][5])
        report.tables_read.extend([CROSSWALK, TAXONOMY])
        return MappingResult(g, "November 2020 (O*NET-SOC 2010, carried to 2019)", report)


def _find(folder: Path, name: str) -> Path:
    if folder.is_file():
        raise SourceError(folder, f"expected a folder holding {CROSSWALK} and {TAXONOMY}")
    if not folder.is_dir():
        raise SourceError(folder, "no such folder")
    hits = sorted(p for p in folder.rglob("*") if p.name in (name, name + ".gz"))
    if not hits:
        raise SourceError(folder, f"{name} not found in this folder")
    if len(hits) > 1:
        raise SourceError(folder, f"several copies of {name}: {', '.join(map(str, hits))}")
    return hits[0]


def _check_columns(row: Row, known: tuple[str, ...]) -> None:
    unknown = [c for c in row.values if c not in known]
    if unknown:
        raise SourceError(row.path, f"unknown column {unknown[0]!r}; expected {', '.join(known)}", line=1,
                          column=unknown[0])


def _decimal(row: Row, column: str, required: bool = True) -> Decimal | None:
    v = row.get(column).strip()
    if not v:
        if required:
            raise row.error("empty value in a required numeric column", column=column)
        return None
    try:
        return Decimal(v)
    except ArithmeticError:
        raise row.error(f"{v!r} is not a number", column=column) from None


Steps = dict[str, list[tuple[str, URIRef, list[str]]]]


def _taxonomy(path: Path, report: MappingReport) -> tuple[Steps, dict[URIRef, tuple]]:
    """2010 code -> [(2019 code, step IRI, step kinds)], each step classified unchanged/renamed/split/merged;
    and step IRI -> (2010 code, 2019 code, kinds, 2010 title, 2019 title, line)."""
    pairs: dict[str, dict[str, tuple[str, str, int]]] = defaultdict(dict)
    sources: dict[str, set[str]] = defaultdict(set)
    for row in read_delimited(path, TAX_COLUMNS):
        _check_columns(row, TAX_COLUMNS + TAX_OPTIONAL)
        c10, c19 = row.required(TAX_COLUMNS[0]), row.required(TAX_COLUMNS[1])
        for col, c in zip(TAX_COLUMNS, (c10, c19), strict=False):
            if not SOC.match(c):
                raise row.error(f"{c!r} is not an O*NET-SOC code NN-NNNN.NN", column=col)
        pairs[c10][c19] = (row.get(TAX_OPTIONAL[0]).strip(), row.get(TAX_OPTIONAL[1]).strip(), row.line)
        sources[c19].add(c10)
    out: Steps = {}
    info: dict[URIRef, tuple] = {}
    for c10, targets in pairs.items():
        out[c10] = []
        for c19, (t10, t19, line) in sorted(targets.items()):
            kinds = []
            if len(targets) > 1:
                kinds.append("split")
            if len(sources[c19]) > 1:
                kinds.append("merged")
            if not kinds:
                kinds.append("unchanged" if c10 == c19 and t10 == t19 else "renamed")
            step = iri.nesta.mint("crosswalk-step", f"{c10}--{c19}")
            out[c10].append((c19, step, kinds))
            info[step] = (c10, c19, kinds, t10, t19, line)
            for k in kinds:
                report.count(f"taxonomy steps ({k})")
    report.count("taxonomy steps", sum(len(v) for v in out.values()))
    return out, info


def _emit_steps(g, steps: Steps, info: dict[URIRef, tuple]) -> None:
    """Only the steps some alignment used are written: the graph records the path each mapping took."""
    used = {st for targets in steps.values() for _, st, _ in targets if (None, PROV.wasGeneratedBy, st) in g}
    for st in sorted(used):
        c10, c19, kinds, t10, t19, line = info[st]
        g.add((st, RDF.type, SG.CrosswalkStep))
        g.add((st, SG.fromCode, Literal(c10)))
        g.add((st, SG.toCode, Literal(c19)))
        for k in kinds:
            g.add((st, SG.stepKind, Literal(k)))
        g.add((st, RDFS.label, Literal(f"O*NET-SOC 2010 {c10} {t10} -> 2019 {c19} {t19} ({', '.join(kinds)})",
                                       lang="en")))
        g.add((st, DCTERMS.source, Literal(f"{TAXONOMY} line {line}")))


MAPPING = NestaMapping()
