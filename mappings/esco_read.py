"""Reading an ESCO CSV export (v1.1.x or v1.2.x layout) from the official zip or a folder.

ESCO ships one CSV per table. Between v1.1 and v1.2 the four relation files gained an ``_en``
suffix (``occupationSkillRelations.csv`` -> ``occupationSkillRelations_en.csv``) and the
occupation-skill relations gained label columns (``occupationLabel``, ``skillLabel``); later
v1.2 releases add columns such as ``naceCode``. The layout is detected from the file names, not
configured. Every table declares the columns the mapping needs (required) and the ones it knows
(optional); a missing required column is a SourceError naming file, line 1 and column, an unknown
column a warning (ESCO adds columns between releases).

Quirks handled here: gzipped files (``x.csv.gz``), quoted fields spanning several lines, mixed
CRLF/LF line endings, spaced header names (``Level 0 URI`` in skillsHierarchy_en.csv).
"""
from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from skillgraph.errors import SourceError
from skillgraph.tabular import Row, csv_records, text_lines, tracked

from .archive import ZipOrFiles

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Table:
    """One ESCO CSV table with its file names across releases and the columns the mapping needs."""
    key: str
    names: tuple[str, ...]          # file stems, v1.1 name first, then v1.2 name
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


_CONCEPT_OPT = ("altLabels", "hiddenLabels", "status", "modifiedDate", "scopeNote", "definition",
                "inScheme", "description", "code")
_COLLECTION = ("conceptType", "conceptUri", "preferredLabel")
_COLLECTION_OPT = ("status", "skillType", "reuseLevel", "altLabels", "description", "broaderConceptUri",
                   "broaderConceptPT")

TABLES: dict[str, Table] = {
    t.key: t
    for t in (
        Table(
            "occupations",
            ("occupations_en",),
            ("conceptType", "conceptUri", "preferredLabel"),
            ("iscoGroup", "regulatedProfessionNote", "naceCode") + _CONCEPT_OPT,
        ),
        Table(
            "skills",
            ("skills_en",),
            ("conceptType", "conceptUri", "skillType", "preferredLabel"),
            ("reuseLevel",) + _CONCEPT_OPT,
        ),
        Table(
            "isco",
            ("ISCOGroups_en",),
            ("conceptType", "conceptUri", "code", "preferredLabel"),
            (
                "status",
                "altLabels",
                "hiddenLabels",
                "inScheme",
                "description",
                "modifiedDate",
                "scopeNote",
                "definition",
            ),
        ),
        Table("skill_groups", ("skillGroups_en",), ("conceptType", "conceptUri", "preferredLabel"), _CONCEPT_OPT),
        Table(
            "schemes",
            ("conceptSchemes_en",),
            ("conceptType", "conceptSchemeUri", "preferredLabel"),
            ("title", "status", "description", "hasTopConcept"),
        ),
        Table(
            "hierarchy",
            ("skillsHierarchy_en",),
            ("Level 0 URI", "Level 0 preferred term"),
            (
                "Level 1 URI",
                "Level 1 preferred term",
                "Level 2 URI",
                "Level 2 preferred term",
                "Level 3 URI",
                "Level 3 preferred term",
                "Description",
                "Scope note",
                "Level 0 code",
                "Level 1 code",
                "Level 2 code",
                "Level 3 code",
            ),
        ),
        Table(
            "occupation_skill",
            ("occupationSkillRelations", "occupationSkillRelations_en"),
            ("occupationUri", "relationType", "skillType", "skillUri"),
            ("occupationLabel", "skillLabel"),
        ),
        Table(
            "skill_skill",
            ("skillSkillRelations", "skillSkillRelations_en"),
            ("originalSkillUri", "relationType", "relatedSkillUri"),
            ("originalSkillType", "relatedSkillType", "originalSkillLabel", "relatedSkillLabel"),
        ),
        Table(
            "broader_occupation",
            ("broaderRelationsOccPillar", "broaderRelationsOccPillar_en"),
            ("conceptType", "conceptUri", "broaderType", "broaderUri"),
            ("conceptLabel", "broaderLabel"),
        ),
        Table(
            "broader_skill",
            ("broaderRelationsSkillPillar", "broaderRelationsSkillPillar_en"),
            ("conceptType", "conceptUri", "broaderType", "broaderUri"),
            ("conceptLabel", "broaderLabel"),
        ),
    )
}

#: The collection files: table key -> (file stem, collection slug, title).
COLLECTIONS: dict[str, tuple[str, str, str]] = {
    "transversal": ("transversalSkillsCollection_en", "transversal-skills", "ESCO transversal skills and competences"),
    "digital": ("digitalSkillsCollection_en", "digital-skills", "ESCO digital skills"),
    "digcomp": ("digCompSkillsCollection_en", "digcomp-skills", "ESCO skills of the DigComp framework"),
    "green": ("greenSkillsCollection_en", "green-skills", "ESCO green skills"),
    "language": ("languageSkillsCollection_en", "language-skills", "ESCO language skills and knowledge"),
    "research_skills": ("researchSkillsCollection_en", "research-skills", "ESCO research skills"),
    "research_occupations": ("researchOccupationsCollection_en", "research-occupations", "ESCO research occupations"),
}
for _key, (_stem, _slug, _title) in COLLECTIONS.items():
    TABLES[_key] = Table(_key, (_stem,), _COLLECTION, _COLLECTION_OPT)

#: The tables a release must have.
REQUIRED_TABLES = ("occupations", "skills")

_SUFFIXES = (".csv", ".csv.gz")
_VERSION = re.compile(r"v(\d+\.\d+\.\d+(?:-sample)?)(?![\w.])", re.I)


def _stem(name: str) -> str | None:
    low = name.lower()
    for suf in _SUFFIXES:
        if low.endswith(suf):
            return name[: -len(suf)]
    return None


_BY_STEM: dict[str, tuple[str, int]] = {}
for _t in TABLES.values():
    for _i, _n in enumerate(_t.names):
        _BY_STEM[_n.lower()] = (_t.key, _i)


class EscoRelease(ZipOrFiles):
    """One ESCO CSV export on disk: the official zip, an extracted folder, or loose (gzipped) files.

    Use as a context manager: zip members are extracted one by one into a private temporary
    folder removed on exit. Errors name the file as the user knows it (``x.zip!folder/skills_en.csv``).
    """

    temp_prefix = "skillgraph-esco-"

    def __init__(self, path: str | Path):
        super().__init__(path)
        self.form = ""                        # "zip" or "folder"
        self.layout = ""                      # "v1.1" or "v1.2"
        self._files: dict[str, str] = {}     # table key -> file (or zip member)
        self.other_files: list[str] = []
        self.warnings: list[str] = []
        self.short_records: dict[str, int] = {}   # table key -> records with trailing fields left out
        self._detect()

    # -- discovery ---------------------------------------------------------------------------
    def _detect(self) -> None:
        p = self.path
        generations: dict[str, set[int]] = {}
        if p.is_file():
            members = self._open_zip("not an ESCO export: expected the CSV zip or a folder of ESCO CSV files")
            self.form = "zip"
            refs = [(m, Path(m).name) for m in members if not m.endswith("/")]
        elif p.is_dir():
            self.form = "folder"
            refs = [(str(f), f.name) for f in sorted(p.rglob("*")) if f.is_file()]
        else:
            raise SourceError(p, "no such file or folder")
        for ref, name in refs:
            stem = _stem(name)
            hit = _BY_STEM.get(stem.lower()) if stem else None
            if hit is None:
                if stem:
                    self.other_files.append(name)
                continue
            key, gen = hit
            if key in self._files:
                raise SourceError(p, f"two files for the same ESCO table: {self._files[key]!r} and {ref!r}")
            self._files[key] = ref
            if len(TABLES[key].names) > 1:
                generations.setdefault(key, set()).add(gen)
        missing = [t for t in REQUIRED_TABLES if t not in self._files]
        if missing:
            names = ", ".join(TABLES[t].names[0] + ".csv" for t in missing)
            raise SourceError(p, f"not an ESCO CSV export: missing {names}")
        gens = set().union(*generations.values()) if generations else set()
        if len(gens) > 1:
            raise SourceError(p, "mixed ESCO layouts: relation files both with and without the '_en' suffix "
                                 "(v1.1 and v1.2 files in one folder)")
        if gens == {1}:
            self.layout = "v1.2"
        elif gens == {0}:
            self.layout = "v1.1"
        else:
            self.layout = "v1.2" if self._has_label_columns() else "v1.1"

    def _has_label_columns(self) -> bool:
        return "occupationLabel" in self.header("occupation_skill") if self.has("occupation_skill") else False

    @property
    def release(self) -> str:
        """The release: a version named by the zip, folder or member path (v1.1.1), else the layout (v1.1.x)."""
        names = [str(self.path)] + [str(Path(ref).parent) for ref in self._files.values()]
        for n in names:
            m = _VERSION.search(n.replace("\\", "/"))
            if m:
                return "v" + m.group(1)
        return self.layout + ".x"

    # -- access ------------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        """Whether the release holds a table."""
        return key in self._files

    def location(self, key: str) -> str:
        """Where a table is (file, or zip!member), for error messages and provenance."""
        return self._where(self._files[key])

    def header(self, key: str) -> list[str]:
        """A table's header row, to check its columns before reading it."""
        path = self._materialise(key)
        try:
            return [h.strip() for h in next(csv.reader(text_lines(path, self.location(key))))]
        except StopIteration:
            raise SourceError(self.location(key), "the file is empty; expected a header row", line=1) from None
        except csv.Error as e:
            raise SourceError(self.location(key), f"unreadable header: {e}", line=1) from None

    def rows(self, key: str) -> Iterator[Row]:
        """The rows of one table, after checking its header; SourceErrors name the user's file."""
        spec = TABLES[key]
        header = self.header(key)
        shown = self.location(key)
        for col in spec.required:
            if col not in header:
                raise SourceError(
                    shown,
                    f"missing required column {col!r}; the header has {', '.join(repr(c) for c in header)}",
                    line=1,
                    column=col,
                )
        known = set(spec.required) | set(spec.optional)
        unknown = [c for c in header if c not in known]
        if unknown:
            self.warnings.append(
                f"{shown}: column(s) {', '.join(repr(c) for c in unknown)} not known to this reader were ignored"
            )
        yield from tracked(self._materialise(key), self._records(key, shown, header), shown)

    def _records(self, key: str, shown: str, header: list[str]) -> Iterator[Row]:
        # Short records are padded: ESCO leaves trailing empty fields out (skillsHierarchy_en.csv).
        path = self._materialise(key)
        width = len(header)
        reader = csv.reader(text_lines(path, shown))
        next(reader)
        for start, rec in csv_records(reader, shown):
            if len(rec) > width:
                raise SourceError(shown, f"expected at most {width} fields as in the header, found {len(rec)}",
                                  line=start)
            if len(rec) < width:
                self.short_records[key] = self.short_records.get(key, 0) + 1
                rec = rec + [""] * (width - len(rec))
            yield Row(shown, start, dict(zip(header, rec, strict=False)))

    def _materialise(self, key: str) -> Path:
        return self._extract(self._files[key])



def split_list(value: str) -> list[str]:
    """An ESCO list cell: one item a line (main files) or ' | '-separated (collection files); commas end URIs."""
    items = []
    for part in re.split(r"\r?\n|\s\|\s", value):
        part = part.strip()
        if part.startswith("http") and part.endswith(","):
            part = part[:-1].strip()
        if part:
            items.append(part)
    return items


def split_uris(value: str) -> list[str]:
    """A cell listing URIs, separated by newlines, commas or ' | '."""
    return [u for u in (x.strip() for x in re.split(r"[\s,|]+", value)) if u]
