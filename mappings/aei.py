"""Anthropic Economic Index (AEI) -> the `aei` graph: AI-usage evidence on O*NET tasks and occupations.

Reads every release found under the given path (see aei_read for the layouts), joins each task
text to the O*NET tasks of the `onet` graph (see aei_join), and writes:

* one sg:AIUsageEvidence per task-usage row, flagged with sg:joinMethod / sg:joinScore and
  linked by sg:aboutTask (joined) or sg:joinCandidate (ambiguous);
* sg:PatternShare per interaction pattern, overall and per task where the release gives it;
* occupation-level evidence as published (the later-release metrics layout, e.g. the seed's
  evidence pack), and occupation-level aggregates of task usage share computed here, each with
  sg:method and dcterms:source naming the release;
* a prov:Activity per release recording the join and its outcome counts (void:entities).
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, VOID, XSD

from skillgraph import iri
from skillgraph.errors import SourceError
from skillgraph.ontology import SCHEMA, SG
from skillgraph.sourceconfig import SourceConfig

from .aei_join import AMBIGUOUS, METHODS, UNMATCHED, Joiner, Match, TaskIndex
from .aei_read import NON_PATTERNS, PATTERN_KIND, Release, Slice, TaskUsage, discover, release_name, scan
from .base import BuildContext, MappingReport, MappingResult, Origins, SourceMapping, new_graph

SRC = "aei"
HUNDRED = Decimal(100)
PATTERN_TEXT = {
    "directive": "The user delegates the whole task to the AI with minimal interaction.",
    "feedback loop": (
        "The AI completes the task, guided by feedback the user relays from the environment (e.g. error messages)."
    ),
    "task iteration": "The user and the AI refine the output together over several turns.",
    "learning": "The user asks the AI for information or explanations to build their own understanding.",
    "validation": "The user asks the AI to check or improve work the user did.",
    "none": "The conversation shows none of the five collaboration patterns.",
    "not_classified": "Usage that was filtered for privacy or could not be classified.",
}
JOINED = ("task-id", "exact", "normalised", "fuzzy")
AGGREGATE_METHOD = (
    "SkillGraph aei mapping: occupation usage share = sum over the occupation's joined tasks of the task's "
    "usage share, a task text shared by n occupations contributing 1/n to each (after Handa et al. 2025); "
    "observation count = the same split of task counts; automation/augmentation shares = count-weighted "
    "(else share-weighted) pattern shares over classifiable patterns. Joins: {joins}."
)
SHARE_METHOD = ("SkillGraph aei mapping: automation share = (directive + feedback loop) / classifiable patterns, "
                "augmentation share = (task iteration + learning + validation) / classifiable patterns, "
                "'none' and 'not_classified' excluded (Handa et al. 2025; AEI v3 documentation).")


def _dec(d: Decimal, places: int | None = 10) -> Literal:
    """An xsd:decimal in plain notation (never 1E-7, which is not a valid decimal lexical form)."""
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places))
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Literal(text or "0", datatype=XSD.decimal)


def _share(pct: Decimal) -> Literal:
    """A published percentage (0-100) as a share (0-1), exactly."""
    return _dec(pct / HUNDRED, None)


class AEIMapping(SourceMapping):
    """Maps Anthropic Economic Index releases to usage observations joined to O*NET tasks and occupations."""
    id = SRC
    title = "Anthropic Economic Index"
    publisher = "Anthropic"
    homepage = "https://huggingface.co/datasets/Anthropic/EconomicIndex"
    license = "https://creativecommons.org/licenses/by/4.0/"
    credit_line = ("Anthropic Economic Index, Anthropic (https://www.anthropic.com/economic-index); data released "
                   "under CC-BY (dataset card: MIT). Handa et al. (2025), 'Which Economic Tasks are Performed with AI? "
                   "Evidence from Millions of Claude Conversations'.")
    modification_notice = (
        "Converted to RDF by SkillGraph: percentages divided by 100 into shares, task texts joined to O*NET task "
        "statements (method and score recorded on each row), occupation aggregates computed; "
        "published values unchanged."
    )
    requires = ("onet",)
    multiple = True

    def preflight(self, path, config: SourceConfig) -> None:
        """Check every AEI release folder and file layout before any source is mapped."""
        self._releases(path, scan)

    def _releases(self, path, read) -> list:
        """Every release of every path given, side by side; the embedded ones unless the same release is given."""
        paths = [Path(p) for p in (path if isinstance(path, (list, tuple)) else [path])]
        given: dict[str, Path] = {}
        out = []
        for p in paths:
            if self.is_embedded(p):
                continue
            for rel in read(p):
                name = rel.name if isinstance(rel, Release) else release_name(rel[0])
                if name in given:
                    raise SourceError(p, f"release {name} is given twice (also under {given[name]})")
                given[name] = p
                out.append(rel)
        for p in paths:
            if self.is_embedded(p):
                out += [r for r in read(p)
                        if (r.name if isinstance(r, Release) else release_name(r[0])) not in given]
        return out

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Read each AEI release and turn its task and pattern shares into observations in one graph."""
        releases = sorted(self._releases(path, discover), key=lambda r: r.name)
        report = MappingReport()
        g = new_graph()
        onet = ctx.graphs.get("onet")
        if onet is None:
            report.warnings.append("no O*NET graph in this build: every AEI task row stays unmatched")
            onet = Graph()
        index = TaskIndex.from_graph(onet)
        threshold = ctx.source_config(self.id).fuzzy_threshold
        self._patterns(g)
        joins: dict[str, dict] = {}
        for rel in releases:
            joiner = Joiner(index, threshold)
            rows = _Writer(g, rel, joiner, index, report, ctx.origin(self.id)).write()
            joins[rel.name] = {"layout": rel.layout, "onet_tasks": len(index), "threshold": threshold,
                               "texts": joiner.counts(), "rows": rows, "not_task_rows": len(rel.skipped)}
            report.tables_read.extend(rel.files)
        report.details["join"] = joins
        names = [r.name for r in releases]
        return MappingResult(g, "+".join(names), report)

    def _patterns(self, g: Graph) -> None:
        scheme = iri.aei.mint("scheme", "interaction-patterns")
        g.add((scheme, RDF.type, SG.Framework))
        g.add((scheme, SKOS.prefLabel, Literal("AEI human-AI collaboration patterns", lang="en")))
        g.add((scheme, RDFS.label, Literal("AEI human-AI collaboration patterns", lang="en")))
        for name, text in PATTERN_TEXT.items():
            p = iri.aei.interaction_pattern(name)
            g.add((p, RDF.type, SG.InteractionPattern))
            g.add((p, SKOS.prefLabel, Literal(name, lang="en")))
            g.add((p, SKOS.definition, Literal(text, lang="en")))
            g.add((p, SKOS.notation, Literal(name)))
            g.add((p, SKOS.inScheme, scheme))
            if name in PATTERN_KIND:
                g.add((p, SG.countsAs, Literal(PATTERN_KIND[name])))
                g.add((p, SKOS.topConceptOf, scheme))


class _Writer:
    """Writes one release into the graph."""

    def __init__(self, g: Graph, rel: Release, joiner: Joiner, index: TaskIndex, report: MappingReport,
                 origins: Origins):
        self.g, self.rel, self.joiner, self.index, self.report = g, rel, joiner, index, report
        self.origins = origins  # node -> file:line, for SHACL results
        self.release = iri.aei.release(rel.name)
        self.activity = iri.aei.mint("join", rel.name)
        self.rows = {m: 0 for m in METHODS}

    def write(self) -> dict[str, int]:
        g, rel = self.g, self.rel
        g.add((self.release, RDF.type, SG.CitedSource))
        g.add((self.release, RDFS.label, Literal(f"Anthropic Economic Index — {rel.name}", lang="en")))
        g.add((self.release, SCHEMA.version, Literal(rel.name)))
        g.add((self.release, DCTERMS.format, Literal(f"AEI {rel.layout} layout")))
        issued = _release_date(rel.name)
        if issued:
            g.add((self.release, DCTERMS.issued, Literal(issued, datatype=XSD.date)))
        for s in rel.slices.values():
            self._slice(s)
        if any(s.tasks for s in rel.slices.values()):
            self._join_activity()
        return dict(self.rows)

    # -- per slice -------------------------------------------------------------------------
    def _slice(self, s: Slice) -> None:
        key = iri.digest(self.rel.name, s.platform, s.geo, s.start, s.end, length=10)
        if s.patterns:
            overall = iri.aei.mint("usage", f"{self.rel.name}-{key}")
            self._common(overall, s)
            self.g.add(
                (
                    overall,
                    RDFS.label,
                    Literal(
                        f"AEI {self.rel.name} overall usage ({s.platform or 'platform not stated'}, {s.geo})", lang="en"
                    ),
                )
            )
            self._patterns(overall, s.patterns, key)
            self._split(overall, s.patterns)
            self.g.add((overall, SG.method, Literal(SHARE_METHOD)))
            self.report.count("overall usage evidence")
        occ: dict[URIRef, dict] = {}
        for t in s.tasks.values():
            self._task(t, s, key, occ)
        for o in s.occupations:
            self._published_occupation(o, s, key)
        if occ and s.geo == "GLOBAL":
            self._aggregates(occ, s, key)

    def _common(self, node: URIRef, s: Slice) -> None:
        g = self.g
        g.add((node, RDF.type, SG.AIUsageEvidence))
        g.add((node, DCTERMS.source, self.release))
        if s.platform:
            g.add((node, SG.platform, Literal(s.platform)))
        if s.start:
            g.add((node, SG.periodStart, Literal(s.start, datatype=XSD.date)))
        if s.end:
            g.add((node, SG.periodEnd, Literal(s.end, datatype=XSD.date)))
        g.add((node, DCTERMS.coverage, Literal(s.geo)))

    def _patterns(self, whole: URIRef, patterns: dict, key: str) -> None:
        for name, p in patterns.items():
            node = iri.aei.mint("pattern-share", f"{whole.rsplit('/', 1)[1]}-{iri.slug(name)}")
            g = self.g
            g.add((node, RDF.type, SG.PatternShare))
            self.origins.add(node, p.where.path, p.where.line)
            self.origins.add(whole, p.where.path, p.where.line)  # the overall usage is made of these rows
            g.add((node, SG.interactionPattern, iri.aei.interaction_pattern(name)))
            g.add((node, DCTERMS.isPartOf, whole))
            g.add((node, DCTERMS.source, self.release))
            if p.pct is not None:
                g.add((node, SG.usageShare, _share(p.pct)))
            if p.count is not None:
                g.add((node, SG.observationCount, Literal(p.count, datatype=XSD.integer)))
            self.report.count("pattern shares")

    def _split(self, node: URIRef, patterns: dict) -> tuple[Decimal, Decimal, Decimal] | None:
        """Automation and augmentation shares over classifiable patterns (counts when all have them)."""
        weights = _weights(patterns)
        if weights is None:
            return None
        auto, aug, total = weights
        self.g.add((node, SG.automationShare, _dec(auto / total)))
        self.g.add((node, SG.augmentationShare, _dec(aug / total)))
        return weights

    # -- task rows ---------------------------------------------------------------------------
    def _task(self, t: TaskUsage, s: Slice, key: str, occ: dict) -> None:
        g = self.g
        node = iri.aei.mint("task-usage", f"{self.rel.name}-{iri.digest(key, t.task_id, t.text)}")
        self.origins.add(node, t.where.path, t.where.line)
        self._common(node, s)
        g.add((node, SG.taskText, Literal(t.text)))
        if t.pct is not None:
            g.add((node, SG.usageShare, _share(t.pct)))
        if t.count is not None:
            g.add((node, SG.observationCount, Literal(t.count, datatype=XSD.integer)))
        for col, prop in (("augmentation_pct", SG.augmentationShare), ("automation_pct", SG.automationShare),
                          ("time_saved_pct", SG.timeSavedShare)):
            v = getattr(t, col)
            if v is not None:
                g.add((node, prop, _share(v)))
        if t.autonomy is not None:
            g.add((node, SG.aiAutonomy, _dec(t.autonomy, None)))
        if t.patterns:
            self._patterns(node, t.patterns, key)
            if t.augmentation_pct is None and t.automation_pct is None:
                if self._split(node, t.patterns):
                    g.add((node, SG.method, Literal(SHARE_METHOD)))
        m = self.joiner.join(t.text, t.task_id)
        self._flag(node, m)
        self.report.count("task usage evidence")
        if m.method in JOINED:
            occupations = sorted({self.index.occupation[x] for x in m.tasks if x in self.index.occupation})
            for o in occupations:
                acc = occ.setdefault(o, {"pct": Decimal(0), "count": Decimal(0), "has_pct": False, "has_count": False,
                                         "auto": Decimal(0), "aug": Decimal(0), "cls": Decimal(0), "tasks": 0})
                n = Decimal(len(occupations))
                acc["tasks"] += 1
                if t.pct is not None:
                    acc["pct"] += t.pct / n
                    acc["has_pct"] = True
                if t.count is not None:
                    acc["count"] += Decimal(t.count) / n
                    acc["has_count"] = True
                w = _weights(t.patterns) if t.patterns else None
                if w is not None:
                    scale = (Decimal(t.count) if t.count is not None else (t.pct or Decimal(0))) / n
                    acc["auto"] += w[0] / w[2] * scale
                    acc["aug"] += w[1] / w[2] * scale
                    acc["cls"] += scale

    def _flag(self, node: URIRef, m: Match) -> None:
        g = self.g
        g.add((node, SG.joinMethod, Literal(m.method)))
        g.add((node, SG.joinScore, _dec(Decimal(str(m.score)), 4)))
        g.add((node, PROV.wasGeneratedBy, self.activity))
        for x in m.tasks:
            g.add((node, SG.aboutTask, x))
        for x in m.candidates:
            g.add((node, SG.joinCandidate, x))
        self.rows[m.method] += 1
        if m.method in (AMBIGUOUS, UNMATCHED):
            self.report.count(f"task rows {m.method}")

    # -- occupations ---------------------------------------------------------------------------
    def _published_occupation(self, o, s: Slice, key: str) -> None:
        g = self.g
        local = f"{self.rel.name}-{o.soc}" if len(self.rel.slices) == 1 else f"{self.rel.name}-{key}-{o.soc}"
        node = iri.aei.mint("occupation-evidence", local)
        self.origins.add(node, o.where.path, o.where.line)
        self._common(node, s)
        g.add((node, SG.occupation, iri.onet.occupation(o.soc)))
        g.add((node, RDFS.label, Literal(f"AEI {self.rel.name} evidence for {o.title or o.soc}", lang="en")))
        g.add((node, SG.method, Literal(f"as published by the Anthropic Economic Index {self.rel.name}")))
        if o.count is not None:
            g.add((node, SG.observationCount, Literal(o.count, datatype=XSD.integer)))
        for col, prop in (("pct", SG.usageShare), ("augmentation_pct", SG.augmentationShare),
                          ("automation_pct", SG.automationShare), ("time_saved_pct", SG.timeSavedShare)):
            v = getattr(o, col)
            if v is not None:
                g.add((node, prop, _share(v)))
        if o.autonomy is not None:
            g.add((node, SG.aiAutonomy, _dec(o.autonomy, None)))
        self.report.count("published occupation evidence")

    def _aggregates(self, occ: dict, s: Slice, key: str) -> None:
        g = self.g
        joins = ", ".join(f"{m}" for m in JOINED) + f" (fuzzy: rapidfuzz ratio >= {self.joiner.threshold:g})"
        method = Literal(AGGREGATE_METHOD.format(joins=joins))
        for o, acc in sorted(occ.items()):
            node = iri.aei.mint("occupation-usage", f"{self.rel.name}-{key}-{o.rsplit('/', 1)[1]}")
            self._common(node, s)
            g.add((node, SG.occupation, o))
            g.add((node, SG.method, method))
            if acc["has_pct"]:
                g.add((node, SG.usageShare, _dec(acc["pct"] / HUNDRED, 14)))
            if acc["has_count"] and acc["count"] == acc["count"].to_integral_value():
                g.add((node, SG.observationCount, Literal(int(acc["count"]), datatype=XSD.integer)))
            if acc["cls"] > 0:
                g.add((node, SG.automationShare, _dec(acc["auto"] / acc["cls"])))
                g.add((node, SG.augmentationShare, _dec(acc["aug"] / acc["cls"])))
            self.report.count("occupation aggregates")

    def _join_activity(self) -> None:
        g, a = self.g, self.activity
        g.add((a, RDF.type, PROV.Activity))
        g.add((a, RDFS.label, Literal(f"Join of AEI {self.rel.name} task texts to O*NET task statements", lang="en")))
        g.add((a, PROV.used, self.release))
        g.add(
            (
                a,
                SG.method,
                Literal(
                    "exact (case-folded) -> normalised (NFKC, quotes, dashes, punctuation, whitespace) "
                    f"-> fuzzy (rapidfuzz ratio >= {self.joiner.threshold:g}, best of 5, "
                    "equal best scores of different texts = ambiguous); "
                    f"{len(self.index)} O*NET tasks"
                ),
            )
        )
        for m, n in self.rows.items():
            part = iri.aei.mint("join-outcome", f"{self.rel.name}-{m}")
            g.add((a, DCTERMS.hasPart, part))
            g.add((part, RDF.type, VOID.Dataset))
            g.add((part, RDFS.label, Literal(f"AEI {self.rel.name} task rows joined {m}", lang="en")))
            g.add((part, SG.joinMethod, Literal(m)))
            g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))


def _weights(patterns: dict) -> tuple[Decimal, Decimal, Decimal] | None:
    cls = [p for n, p in patterns.items() if n not in NON_PATTERNS]
    if not cls:
        return None
    use_count = all(p.count is not None for p in cls)
    vals = {p.pattern: (Decimal(p.count) if use_count else p.pct) for p in cls}
    if any(v is None for v in vals.values()):
        return None
    auto = sum((v for n, v in vals.items() if PATTERN_KIND[n] == "automation"), Decimal(0))
    aug = sum((v for n, v in vals.items() if PATTERN_KIND[n] == "augmentation"), Decimal(0))
    total = auto + aug
    return (auto, aug, total) if total > 0 else None


def _release_date(name: str) -> str | None:
    from .aei_read import RELEASE_DIR

    m = RELEASE_DIR.match(name)
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


MAPPING = AEIMapping()
