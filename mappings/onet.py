"""O*NET: the O*NET database (text zip, extracted text folder or Excel files) as the `onet` graph.

What goes where (see onet_tables for the per-table details):
  Occupation Data       -> sg:Occupation (+ SOC broad/minor/major sg:OccupationGroup, skos:broader)
  Task Statements       -> sg:Task (type, incumbents responding, date, domain source)
  Emerging Tasks        -> sg:EmergingTask
  Content Model Ref.    -> sg:ContentModelElement SKOS hierarchy, typed sg:Skill/sg:Knowledge/... by branch
  Skills, Knowledge, Abilities, Work Activities, Work Context, Work Styles, Interests, Work Values,
  Education/Training/Experience, Task Ratings -> sg:Rating (suppressed rows kept, flagged)
  Scales Reference, Level Scale Anchors -> sg:Scale, sg:LevelAnchor
  IWA/DWA Reference, Tasks to DWAs -> sg:IntermediateWorkActivity, sg:DetailedWorkActivity, sg:hasWorkActivity
  Technology Skills, Tools Used, UNSPSC Reference -> sg:TechnologySkill/sg:Tool, sg:TechnologyUse, sg:CommodityClass
  Job Zones (+ Reference), Alternate Titles, Sample of Reported Titles, Related Occupations.
Every table the mapping reads is required unless the release may lack it (MAY_LACK, per release),
the build allows it (--allow-missing TABLE), or the input is the embedded one-occupation sample
(whose README lists what it holds); the build report says for each skipped table why.
"""
from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF, SKOS

from skillgraph.errors import SourceError
from skillgraph.iri.onet import DATABASE, framework, group, occupation
from skillgraph.ontology import SG
from skillgraph.sourceconfig import OnetConfig

from . import onet_tables as T
from .base import BuildContext, MappingReport, MappingResult, SourceMapping, new_graph
from .onet_cells import en, plain, soc_groups
from .onet_read import RATING_TABLES, TABLES, OnetRelease

CREDIT = ("This page includes information from the O*NET {release} Database by the U.S. Department of Labor, "
          "Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. "
          "O*NET® is a trademark of USDOL/ETA.")
MODIFIED = ("SkillGraph has modified all or some of this information: table rows were converted to RDF "
            "resources of the SkillGraph ontology, identifiers to IRIs, dates to xsd:gYearMonth, and SOC groups "
            "derived from the codes. USDOL/ETA has not approved, endorsed, or tested these modifications.")

_SOC_LEVELS = {"major": "Major Group", "minor": "Minor Group", "broad": "Broad Occupation"}

#: Tables a release may lack, by release number (O*NET's release notes); a release not listed may lack none.
MAY_LACK: dict[str, tuple[str, ...]] = {
    "30.1": (),
    "30.0": (),
}


class OnetMapping(SourceMapping):
    """Maps an O*NET database release (occupations, content model, tasks, ratings) to the ontology."""
    id = "onet"
    title = "O*NET database"
    publisher = "U.S. Department of Labor, Employment and Training Administration (USDOL/ETA)"
    homepage = str(DATABASE)  # the dataset a cited O*NET release is a version of (mappings.citations)
    license = "https://creativecommons.org/licenses/by/4.0/"
    credit_line = CREDIT.format(release="30.1")
    modification_notice = MODIFIED

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Read the O*NET release table by table into one graph, with origins for error messages."""
        g = new_graph()
        report = MappingReport()
        with OnetRelease(path) as rel:
            try:
                cfg = ctx.source_config(self.id)
                release = rel.release or cfg.release or "unknown"
                if rel.release is None:
                    report.warnings.append(f"no 'Read Me.txt' naming the release in {path}; release: {release}")
                report.details["form"] = rel.form
                report.skipped_why.update(self._missing(rel, release, path, cfg))
                self._map(rel, g, report, ctx)
            except SourceError as e:
                raise rel.rename_error(e) from None
        return MappingResult(g, release, report)

    def table_names(self) -> list[str]:
        """The O*NET tables this mapping reads, for --allow-missing and error messages."""
        return sorted(TABLES)

    def preflight(self, path: Path, config: OnetConfig) -> None:
        """The release's form and its required tables, before anything is mapped."""
        with OnetRelease(path) as rel:
            self._missing(rel, rel.release or config.release or "unknown", path, config)

    def _missing(self, rel: OnetRelease, release: str, path: Path, config: OnetConfig) -> dict[str, str]:
        """Absent table -> why that is allowed; a SourceError for an absent required table."""
        if not rel.has("Occupation Data"):
            raise SourceError(rel.path, "the O*NET release has no 'Occupation Data' table (.txt or .xlsx)")
        allowed = set(config.allow_missing)
        sample, sample_reason = _sample(Path(path))
        why: dict[str, str] = {}
        required: list[str] = []
        for table in TABLES:
            if rel.has(table):
                continue
            if table in MAY_LACK.get(release, ()):
                why[table] = f"absent; O*NET {release} may lack it"
            elif table in sample:
                why[table] = f"absent; {sample_reason}"
            elif table in allowed:
                why[table] = "absent; allowed by --allow-missing"
            else:
                required.append(table)
        if required:
            raise SourceError(rel.path, f"required O*NET table(s) missing: {', '.join(repr(t) for t in required)} "
                                        f"(.txt or .xlsx); build without them with "
                                        + " ".join(f"--allow-missing {t!r}" for t in required))
        return why

    def _map(self, rel: OnetRelease, g: Graph, report: MappingReport, ctx: BuildContext) -> None:
        st = T.State(g, rel, report, origins=ctx.origin(self.id))
        T.frameworks(st)
        steps = (
            ("Occupation Data", T.occupations),
            ("Content Model Reference", T.content_model),
            ("Scales Reference", T.scales),
            ("Level Scale Anchors", T.level_anchors),
            ("Task Statements", T.task_statements),
            ("Emerging Tasks", T.emerging_tasks),
            ("UNSPSC Reference", T.unspsc),
        )
        for table, fn in steps:
            self._step(st, table, fn)
        self._soc_groups(st, ctx)
        T.job_zones(st)
        T.work_activities(st)
        for table in RATING_TABLES:
            self._step(st, table, lambda s, t=table: T.ratings(s, t))
        self._step(st, "Task Ratings", lambda s: T.ratings(s, "Task Ratings", task_ratings=True))
        self._step(
            st, "Technology Skills", lambda s: T.technology(s, "Technology Skills", SG.TechnologySkill, "technology")
        )
        self._step(st, "Tools Used", lambda s: T.technology(s, "Tools Used", SG.Tool, "tool"))
        T.titles(st)
        report.details["tables present, not mapped"] = sorted(set(rel.other_tables))

    @staticmethod
    def _step(st: T.State, table: str, fn) -> None:
        if st.rel.has(table):
            fn(st)
            st.report.tables_read.append(table)
        else:
            st.report.tables_skipped.append(table)

    def _soc_groups(self, st: T.State, ctx: BuildContext) -> None:
        """SOC 2018 broad/minor/major groups above every occupation, titled from the SOC structure file if given."""
        titles = _soc_titles(ctx.source_config(self.id).soc_structure)
        g, scheme = st.g, framework("occupations")
        made: set[str] = set()
        for code in sorted(st.occupations):
            child = occupation(code)
            for level, gcode in soc_groups(code):
                node = group(gcode)
                g.add((child, SKOS.broader, node))
                child = node
                if gcode in made:
                    break  # the rest of the chain is already there
                made.add(gcode)
                g.add((node, RDF.type, SG.OccupationGroup))
                g.add((node, SKOS.notation, plain(gcode)))
                g.add((node, SKOS.inScheme, scheme))
                g.add((node, DCTERMS.type, plain(f"SOC {_SOC_LEVELS[level].lower()}")))
                g.add((node, SKOS.prefLabel, en(titles.get(gcode) or f"SOC {_SOC_LEVELS[level].lower()} {gcode}")))
                if level == "major":
                    g.add((node, SKOS.topConceptOf, scheme))
        st.report.count("occupation groups", len(made))
        if titles:
            st.report.details["soc structure"] = str(ctx.source_config(self.id).soc_structure)

    def describe(self, g: Graph, release: str, report: MappingReport) -> None:
        """Describe the O*NET graph, adding what is specific to O*NET to the common description."""
        super().describe(g, release, report)
        gi = self.graph_iri
        g.set((gi, SG.creditLine, plain(CREDIT.format(release=release))))


def _sample(path: Path) -> tuple[set[str], str]:
    """The tables a sample folder declares it leaves out (SAMPLE.toml: absent = [...], reason = "...")."""
    f = path / "SAMPLE.toml"
    if not f.is_file():
        return set(), ""
    import tomllib

    try:
        data = tomllib.loads(f.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SourceError(f, f"not valid TOML: {e}") from None
    absent = data.get("absent", [])
    unknown = [t for t in absent if t not in TABLES]
    if unknown:
        raise SourceError(f, f"unknown O*NET table(s) {', '.join(map(repr, unknown))}")
    return set(absent), str(data.get("reason", "declared absent in SAMPLE.toml"))


def _soc_titles(path) -> dict[str, str]:
    """Code -> title from the SOC 2018 structure CSV (Major Group, Minor Group, Broad Occupation, ..., title)."""
    if not path:
        return {}
    p = Path(path)
    from skillgraph.tabular import read_table

    cols = ("Major Group", "Minor Group", "Broad Occupation", "Detailed Occupation", "SOC or O*NET-SOC 2019 Title")
    out: dict[str, str] = {}
    for row in read_table(p, cols):
        title = row.required("SOC or O*NET-SOC 2019 Title")
        for c in cols[:3]:
            code = row.get(c).strip()
            if code:
                out[code] = title
    return out


MAPPING = OnetMapping()

__all__ = ["MAPPING", "OnetMapping", "CREDIT", "MODIFIED"]
