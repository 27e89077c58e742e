"""Reading Anthropic Economic Index releases in the layouts Anthropic published them in.

AEI changed its file layout between releases, so the reader detects the layout from the
files and their headers, not from a version number:

* ``2025-02-10`` -- ``onet_task_mappings.csv`` (``task_name,pct``) and
  ``automation_vs_augmentation.csv`` (``interaction_type,pct``);
* ``v3`` (2025-09-15 onwards) -- the long layout, one metric per row:
  ``geo_id,geography,date_start,date_end,platform_and_product,facet,level,variable,cluster_name,value``;
* ``metrics`` -- a wide per-task / per-occupation table for later releases carrying observations,
  augmentation share, time saved and AI autonomy (columns in src/skillgraph/embedded/aei/README.md).

Everything is returned as plain records with the file and line they came from; the mapping
turns them into RDF. Percentages stay as the publisher wrote them (0-100) as Decimals.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from skillgraph.errors import SourceError
from skillgraph.tabular import Row, check_number, read_delimited, text_lines

V1_TASKS = "onet_task_mappings.csv"
V1_PATTERNS = "automation_vs_augmentation.csv"
V3_COLUMNS = ("geo_id", "geography", "date_start", "date_end", "platform_and_product", "facet", "level",
              "variable", "cluster_name", "value")
METRICS_REQUIRED = ("record_type", "platform_and_product", "date_start", "date_end")
METRICS_COLUMNS = ("release", "record_type", "onet_soc_code", "occupation_title", "task_id", "task_name",
                   "platform_and_product", "date_start", "date_end", "observation_count", "usage_pct",
                   "augmentation_pct", "automation_pct", "time_saved_pct", "ai_autonomy")
RELEASE_DIR = re.compile(r"^release_(\d{4})_(\d{2})_(\d{2})")
SOC = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The first release's paper (Handa et al. 2025) and the v3 documentation both define which
# collaboration patterns count as automation and which as augmentation.
PATTERN_KIND = {
    "directive": "automation",
    "feedback loop": "automation",
    "task iteration": "augmentation",
    "learning": "augmentation",
    "validation": "augmentation",
}
NON_PATTERNS = ("none", "not_classified")


@dataclass
class Where:
    """The file and line a value came from, so errors and provenance can point at it."""
    path: str
    line: int

    def error(self, problem: str, column: str | None = None) -> SourceError:
        """A SourceError at this file and line."""
        return SourceError(self.path, problem, line=self.line, column=column)


@dataclass(kw_only=True)
class Share:
    """A share of usage (percent) and the count of conversations behind it, as AEI publishes them."""

    pct: Decimal | None = None
    count: int | None = None


@dataclass(kw_only=True)
class Figures(Share):
    """What AEI reports of a task or an occupation: its share and count, and how the work was done."""

    augmentation_pct: Decimal | None = None
    automation_pct: Decimal | None = None
    time_saved_pct: Decimal | None = None
    autonomy: Decimal | None = None


@dataclass
class TaskUsage(Figures):
    """Usage of one task (as AEI's text) on one platform/geography in one period."""

    where: Where
    text: str
    task_id: str | None = None
    soc: str | None = None
    patterns: dict[str, PatternUsage] = field(default_factory=dict)


@dataclass
class PatternUsage(Share):
    """Share (and count) of one interaction pattern, overall or within one task."""

    where: Where
    pattern: str


@dataclass
class OccupationMetrics(Figures):
    """Occupation-level figures of a later release (the seed's evidence pack)."""

    where: Where
    soc: str
    title: str | None = None


@dataclass
class Slice:
    """One platform x geography x period of a release: what a single evidence row is keyed by."""

    platform: str
    geo: str = "GLOBAL"
    start: str | None = None
    end: str | None = None
    tasks: dict[str, TaskUsage] = field(default_factory=dict)
    patterns: dict[str, PatternUsage] = field(default_factory=dict)
    occupations: list[OccupationMetrics] = field(default_factory=list)


@dataclass
class Release:
    """One AEI release read into memory: its slices of shares by platform, region and period."""
    name: str
    layout: str
    files: list[str] = field(default_factory=list)
    slices: dict[tuple[str, str, str | None, str | None], Slice] = field(default_factory=dict)
    skipped: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, cluster) rows not about a task

    def slice(self, platform: str, geo: str = "GLOBAL", start: str | None = None, end: str | None = None) -> Slice:
        """The slice for a platform, region and period, created on first use."""
        key = (platform, geo, start, end)
        if key not in self.slices:
            self.slices[key] = Slice(platform, geo, start, end)
        return self.slices[key]


def _dec(
    row: Row, column: str, required: bool = False, lo: float | None = None, hi: float | None = None
) -> Decimal | None:
    # Missing is an empty cell, the only spelling the real releases use (2025-02-10, 2025-09-15 checked):
    # 'nan', 'inf', 'NA' and any other non-number are errors naming file:line:column (check_number).
    v = row.get(column).strip()
    if not v:
        if required:
            raise row.error("empty value in a required numeric column", column=column)
        return None
    check_number(row, column, v)
    d = Decimal(v)
    if (lo is not None and d < Decimal(str(lo))) or (hi is not None and d > Decimal(str(hi))):
        raise row.error(f"{v} is outside [{lo}, {hi}]", column=column)
    return d


def _count(row: Row, column: str, required: bool = False) -> int | None:
    d = _dec(row, column, required, lo=0)
    if d is None:
        return None
    if d != d.to_integral_value():
        raise row.error(f"{row.get(column)!r} is not a whole number of observations", column=column)
    return int(d)


def _date(row: Row, column: str) -> str | None:
    v = row.get(column).strip()
    if not v:
        return None
    if not DATE.match(v):
        raise row.error(f"{v!r} is not a date YYYY-MM-DD", column=column)
    return v


def _where(row: Row) -> Where:
    return Where(row.path, row.line)


def header_of(path: Path) -> list[str]:
    """The header row of a CSV, to tell which AEI file layout it is."""
    try:
        first = next(csv.reader(text_lines(path)), [])
    except (OSError, csv.Error) as e:
        raise SourceError(path, f"unreadable CSV header: {e}", line=1) from None
    return [h.strip() for h in first]


def layout_of(path: Path) -> str | None:
    """'2025-02-10', 'v3' or 'metrics' for an AEI data file; None for files the index does not map."""
    if path.name == V1_TASKS:
        return "2025-02-10"
    if path.name == V1_PATTERNS:
        return "2025-02-10-patterns"
    if not path.name.endswith((".csv", ".csv.gz")):
        return None
    header = header_of(path)
    if header == ["task_name", "pct"]:
        return "2025-02-10"
    if header == ["interaction_type", "pct"]:
        return "2025-02-10-patterns"
    if tuple(header[: len(V3_COLUMNS)]) == V3_COLUMNS:
        return "v3"
    if all(c in header for c in METRICS_REQUIRED) and ("task_name" in header or "onet_soc_code" in header):
        return "metrics"
    return None


def release_name(folder: Path) -> str:
    """The release a folder holds: its name when it is release_YYYY_MM_DD[...], else the name itself."""
    m = RELEASE_DIR.match(folder.name)
    return m.group(0) if m else folder.name


def scan(path: Path, top: bool = True) -> list[tuple[Path, list[Path]]]:
    """The release folders under `path` and their data files, from names and headers only (cheap: preflight)."""
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "no such file or folder")
    if path.is_file():
        if layout_of(path) is None:
            raise SourceError(path, "not an Anthropic Economic Index file: expected onet_task_mappings.csv, "
                                    "automation_vs_augmentation.csv, a v3 long-layout CSV or a metrics CSV", line=1)
        return [(path.parent, [path])]
    files = sorted(p for p in path.iterdir() if p.is_file() and layout_of(p))
    out = [(path, files)] if files else []
    for sub in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        out.extend(scan(sub, top=False))
    if not out and top:
        raise SourceError(path, "no Anthropic Economic Index files found in this folder")
    return out


def discover(path: Path) -> list[Release]:
    """The releases under `path`: a release folder, a folder of release folders, or one data file."""
    return [read_release(folder, files) for folder, files in scan(path)]


def read_release(folder: Path, files: Iterable[Path]) -> Release:
    """Read the files of one AEI release, whatever its layout (v1 or later)."""
    files = list(files)
    kinds = {(layout_of(f) or "").replace("-patterns", "") for f in files}
    layout = "+".join(sorted(k for k in kinds if k))
    rel = Release(release_name(folder), layout, [str(f) for f in files])
    for f in files:
        kind = layout_of(f)
        if kind == "2025-02-10":
            read_v1_tasks(f, rel)
        elif kind == "2025-02-10-patterns":
            read_v1_patterns(f, rel)
        elif kind == "v3":
            read_v3(f, rel)
        elif kind == "metrics":
            read_metrics(f, rel)
    return rel


# The first release has no platform or period columns; its paper names the platform (Claude.ai
# Free and Pro). The period is not in the staged files, so none is recorded.
V1_PLATFORM = "Claude.ai (Free and Pro)"


def read_v1_tasks(path: Path, rel: Release) -> None:
    """Read a v1 AEI task-share file into the release."""
    s = rel.slice(V1_PLATFORM)
    for row in read_delimited(path, required=("task_name", "pct")):
        text = row.required("task_name")
        pct = _dec(row, "pct", required=True, lo=0, hi=100)
        if text.strip().lower() in NON_PATTERNS:
            rel.skipped.append((str(path), row.line, text))  # usage with no task: not task evidence
            continue
        key = text
        if key in s.tasks:
            raise row.error(
                f"task {text[:60]!r} is listed twice (first on line {s.tasks[key].where.line})", column="task_name"
            )
        s.tasks[key] = TaskUsage(_where(row), text, pct=pct)


def read_v1_patterns(path: Path, rel: Release) -> None:
    """Read a v1 AEI interaction-pattern file into the release."""
    s = rel.slice(V1_PLATFORM)
    for row in read_delimited(path, required=("interaction_type", "pct")):
        name = row.required("interaction_type").strip().lower()
        if name not in PATTERN_KIND and name not in NON_PATTERNS:
            raise row.error(f"unknown interaction type {name!r}; expected one of "
                            f"{', '.join(list(PATTERN_KIND) + list(NON_PATTERNS))}", column="interaction_type")
        if name in s.patterns:
            raise row.error(f"interaction type {name!r} is listed twice", column="interaction_type")
        s.patterns[name] = PatternUsage(_where(row), name, pct=_dec(row, "pct", required=True, lo=0, hi=100))


def _pattern_name(row: Row, name: str) -> str:
    name = name.strip().lower()
    if name not in PATTERN_KIND and name not in NON_PATTERNS:
        raise row.error(f"unknown collaboration pattern {name!r}", column="cluster_name")
    return name


def read_v3(path: Path, rel: Release) -> None:
    """The long layout: only the task, collaboration and task x collaboration facets are mapped."""
    for row in read_delimited(path, required=V3_COLUMNS):
        facet = row.required("facet")
        if facet not in ("onet_task", "collaboration", "onet_task::collaboration"):
            continue  # country/state usage, request hierarchy, token and cost indices: not task evidence
        variable = row.required("variable")
        s = rel.slice(
            row.required("platform_and_product"),
            row.required("geo_id"),
            _date(row, "date_start"),
            _date(row, "date_end"),
        )
        name = row.get("cluster_name").strip()
        if not name:
            raise row.error("empty cluster_name", column="cluster_name")
        if variable.endswith("_count"):
            count, pct = _count(row, "value", required=True), None
        elif variable.endswith("_pct"):
            count, pct = None, _dec(row, "value", required=True, lo=0, hi=100)
        else:
            continue  # *_index, *_tier and other enrichment variables
        if facet == "onet_task":
            if variable not in ("onet_task_count", "onet_task_pct"):
                continue
            if name in NON_PATTERNS:
                rel.skipped.append((str(path), row.line, name))  # no or an unclassifiable task
                continue
            t = s.tasks.setdefault(name, TaskUsage(_where(row), name))
            _merge(row, t, count, pct)
        elif facet == "collaboration":
            if variable not in ("collaboration_count", "collaboration_pct"):
                continue
            p = s.patterns.setdefault(_pattern_name(row, name), PatternUsage(_where(row), name.strip().lower()))
            _merge(row, p, count, pct)
        else:
            if variable not in ("onet_task_collaboration_count", "onet_task_collaboration_pct"):
                continue
            task, sep, pattern = name.rpartition("::")
            if not sep or not task:
                raise row.error(f"expected 'task::pattern' in cluster_name, found {name[:80]!r}", column="cluster_name")
            if task in NON_PATTERNS:
                continue
            t = s.tasks.setdefault(task, TaskUsage(_where(row), task))
            pname = _pattern_name(row, pattern)
            p = t.patterns.setdefault(pname, PatternUsage(_where(row), pname))
            _merge(row, p, count, pct)


def _merge(row: Row, rec, count: int | None, pct: Decimal | None) -> None:
    if count is not None:
        if rec.count is not None and rec.count != count:
            raise row.error(
                f"a second, different count ({count} after {rec.count}) for the same cluster", column="value"
            )
        rec.count = count
    if pct is not None:
        if rec.pct is not None and rec.pct != pct:
            raise row.error(
                f"a second, different percentage ({pct} after {rec.pct}) for the same cluster", column="value"
            )
        rec.pct = pct


def read_metrics(path: Path, rel: Release) -> None:
    """The wide later-release layout: one row per task or per occupation, percentages 0-100."""
    for row in read_delimited(path, required=METRICS_REQUIRED):
        if row.get("release").strip() and release_name(Path(row.get("release").strip())) != rel.name:
            raise row.error(
                f"row is for release {row.get('release')!r} but the folder holds {rel.name!r}", column="release"
            )
        kind = row.required("record_type").lower()
        # platform and period may be unknown (the seed's evidence pack states neither)
        s = rel.slice(
            row.get("platform_and_product").strip(), "GLOBAL", _date(row, "date_start"), _date(row, "date_end")
        )
        figures = dict(
            count=_count(row, "observation_count"),
            pct=_dec(row, "usage_pct", lo=0, hi=100),
            augmentation_pct=_dec(row, "augmentation_pct", lo=0, hi=100),
            automation_pct=_dec(row, "automation_pct", lo=0, hi=100),
            time_saved_pct=_dec(row, "time_saved_pct", lo=0, hi=100),
            autonomy=_dec(row, "ai_autonomy", lo=1, hi=5),
        )
        soc = row.get("onet_soc_code").strip() or None
        if soc is not None and not SOC.match(soc):
            raise row.error(f"{soc!r} is not an O*NET-SOC code NN-NNNN.NN", column="onet_soc_code")
        if kind == "occupation":
            if soc is None:
                raise row.error("an occupation row needs onet_soc_code", column="onet_soc_code")
            s.occupations.append(
                OccupationMetrics(_where(row), soc, row.get("occupation_title").strip() or None, **figures)
            )
        elif kind == "task":
            text = row.required("task_name")
            tid = row.get("task_id").strip() or None
            if tid is not None and not tid.isdigit():
                raise row.error(f"{tid!r} is not an O*NET Task ID", column="task_id")
            key = text if tid is None else f"{tid}\x1f{text}"
            if key in s.tasks:
                raise row.error(f"task {text[:60]!r} is listed twice", column="task_name")
            s.tasks[key] = TaskUsage(_where(row), text, task_id=tid, soc=soc, **figures)
        else:
            raise row.error(f"record_type must be 'task' or 'occupation', found {kind!r}", column="record_type")
