"""Reading an O*NET database release in any of the forms O*NET publishes it.

O*NET ships the same tables as a zip of tab-separated text files (``db_30_1_text.zip``), which
users often extract, and as one Excel workbook per table. `OnetRelease.open` finds out which form
it was given and every table then reads the same way, through `skillgraph.tabular`, with the
same column names. Each table declares the columns the mapping needs (required), the ones it
may have (optional: titles and names repeated from the reference tables, statistics that some
releases or tables lack); a column in neither set is an error, so a layout change is noticed
instead of silently ignored.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from skillgraph.errors import SourceError
from skillgraph.tabular import Row, read_table

from .archive import ZipOrFiles

SOC = "O*NET-SOC Code"
STATS = ("N", "Standard Error", "Lower CI Bound", "Upper CI Bound", "Recommend Suppress", "Not Relevant",
         "Date", "Domain Source")


@dataclass(frozen=True)
class Table:
    """One O*NET table with the columns the mapping needs."""
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


def _ratings(name: str, extra: tuple[str, ...] = ()) -> Table:
    """A per-occupation rating table (Skills, Knowledge, Work Context, ...)."""
    return Table(name, (SOC, "Element ID", "Scale ID", "Data Value"),
                 ("Title", "Element Name", "Scale Name", "Category") + STATS + extra)


TABLES: dict[str, Table] = {t.name: t for t in (
    Table("Occupation Data", (SOC, "Title", "Description")),
    Table("Content Model Reference", ("Element ID", "Element Name"), ("Description",)),
    Table("Scales Reference", ("Scale ID", "Scale Name", "Minimum", "Maximum")),
    Table("Level Scale Anchors", ("Element ID", "Scale ID", "Anchor Value", "Anchor Description"),
          ("Element Name", "Scale Name")),
    Table("Job Zone Reference", ("Job Zone", "Name"),
          ("Experience", "Education", "Job Training", "Examples", "SVP Range")),
    Table("Job Zones", (SOC, "Job Zone"), ("Title", "Date", "Domain Source")),
    Table("Task Statements", (SOC, "Task ID", "Task"),
          ("Title", "Task Type", "Incumbents Responding", "Date", "Domain Source")),
    Table("Task Ratings", (SOC, "Task ID", "Scale ID", "Data Value"),
          ("Title", "Task", "Scale Name", "Category") + STATS),
    Table("Emerging Tasks", (SOC, "Task", "Category"),
          ("Title", "Original Task ID", "Original Task", "Date", "Domain Source")),
    Table("IWA Reference", ("Element ID", "IWA ID", "IWA Title"), ("Element Name",)),
    Table("DWA Reference", ("Element ID", "IWA ID", "DWA ID", "DWA Title"), ("Element Name", "IWA Title")),
    Table("Tasks to DWAs", (SOC, "Task ID", "DWA ID"), ("Title", "Task", "DWA Title", "Date", "Domain Source")),
    Table("UNSPSC Reference", ("Commodity Code", "Commodity Title"),
          ("Class Code", "Class Title", "Family Code", "Family Title", "Segment Code", "Segment Title")),
    Table("Technology Skills", (SOC, "Example", "Commodity Code"),
          ("Title", "Commodity Title", "Hot Technology", "In Demand")),
    Table("Tools Used", (SOC, "Example", "Commodity Code"), ("Title", "Commodity Title")),
    Table("Alternate Titles", (SOC, "Alternate Title"), ("Title", "Short Title", "Source(s)")),
    Table("Sample of Reported Titles", (SOC, "Reported Job Title"), ("Title", "Shown in My Next Move")),
    Table("Related Occupations", (SOC, "Related O*NET-SOC Code"),
          ("Title", "Related Title", "Relatedness Tier", "Index")),
    _ratings("Skills"),
    _ratings("Knowledge"),
    _ratings("Abilities"),
    _ratings("Work Activities"),
    _ratings("Work Context"),
    _ratings("Work Styles"),
    _ratings("Interests"),
    _ratings("Work Values"),
    _ratings("Education, Training, and Experience"),
)}

#: Rating tables, in the order they are mapped.
RATING_TABLES = ("Skills", "Knowledge", "Abilities", "Work Activities", "Work Context", "Work Styles",
                 "Interests", "Work Values", "Education, Training, and Experience")

_SUFFIXES = (".txt", ".xlsx")
_README = "read me.txt"
_RELEASE = re.compile(r"O\*NET\s+(\d+(?:\.\d+)*)\s+Database", re.I)


class OnetRelease(ZipOrFiles):
    """One O*NET database release on disk: a text zip, an extracted text folder, or Excel files.

    Use as a context manager: a zip is extracted table by table into a private temporary folder
    that is removed on exit. Errors name the file as the user knows it (``x.zip!folder/Skills.txt``).
    """

    temp_prefix = "skillgraph-onet-"

    def __init__(self, path: str | Path):
        super().__init__(path)
        self.form = ""                       # "zip", "text" or "excel"
        self._files: dict[str, str] = {}    # lower-case table name -> file (or zip member)
        self._readme: str | None = None
        self.other_tables: list[str] = []   # table files present that no mapping step reads
        self._detect()

    # -- discovery ---------------------------------------------------------------------------
    def _detect(self) -> None:
        p = self.path
        if p.is_file():
            members = self._open_zip("not an O*NET release: expected the text zip (db_NN_N_text.zip), "
                                     "an extracted text folder or a folder of Excel files")
            self.form = "zip"
            for member in members:
                self._consider(member, Path(member).name)
            if not self._files:
                raise SourceError(p, "the zip holds no O*NET table (.txt) files")
            return
        if not p.is_dir():
            raise SourceError(p, "no such file or folder")
        folder = p
        subdirs = [d for d in p.iterdir() if d.is_dir()]
        if not self._scan(folder) and len(subdirs) == 1:
            folder = subdirs[0]  # the folder a zip extracts to (db_30_1_text/)
            self._scan(folder)
        if not self._files:
            raise SourceError(p, "no O*NET table files (.txt or .xlsx, e.g. 'Occupation Data.txt') found here")
        exts = {Path(f).suffix.lower() for f in self._files.values()}
        self.form = "text" if ".txt" in exts else "excel"
        if exts == {".txt", ".xlsx"}:
            # both forms side by side: read the text files, which are faster to parse
            self._files = {k: v for k, v in self._files.items() if v.lower().endswith(".txt")}
            self._scan(folder, only=".xlsx")

    def _scan(self, folder: Path, only: str | None = None) -> bool:
        found = False
        for f in sorted(folder.iterdir()):
            if f.is_file() and (only is None or f.suffix.lower() == only):
                found |= self._consider(str(f), f.name)
        return found

    def _consider(self, ref: str, name: str) -> bool:
        low = name.lower()
        if low == _README:
            self._readme = ref
            return False
        stem, dot, ext = low.rpartition(".")
        if not dot or "." + ext not in _SUFFIXES:
            return False
        if stem not in _LOWER:
            self.other_tables.append(name.rpartition(".")[0])
            return False
        self._files.setdefault(stem, ref)
        return True

    # -- access ------------------------------------------------------------------------------
    def has(self, table: str) -> bool:
        """Whether the release holds a table."""
        return table.lower() in self._files

    def location(self, table: str) -> str:
        """Where a table is (file, or zip!member), for error messages and provenance."""
        return self._where(self._files[table.lower()])

    @property
    def release(self) -> str | None:
        """The release number 'Read Me.txt' names ('O*NET 30.1 Database'), if there is one."""
        if self._readme is None:
            return None
        if self._zip:
            text = self._zip.read(self._readme).decode("utf-8-sig", "replace")
        else:
            text = Path(self._readme).read_text(encoding="utf-8-sig", errors="replace")
        m = _RELEASE.search(text)
        return m.group(1) if m else None

    def rows(self, table: str) -> Iterator[Row]:
        """The rows of one table, after checking its header; SourceErrors name the user's file."""
        spec = TABLES[table]
        path = self._materialise(table)
        it = read_table(path, spec.required)
        try:
            first = next(it)
        except StopIteration:
            return
        except SourceError as e:
            raise self._rename(e) from None
        known = set(spec.required) | set(spec.optional)
        for col in first.values:
            if col not in known:
                raise SourceError(self.shown(str(path)), f"unknown column {col!r} in the {table} table; "
                                  f"expected {', '.join(repr(c) for c in spec.required + spec.optional)}",
                                  line=1, column=col)
        try:
            yield first
            yield from it
        except SourceError as e:
            raise self._rename(e) from None

    def header_check(self, table: str) -> None:
        """Check a table's header (for tables whose rows may all be filtered away)."""
        for _ in self.rows(table):
            break

    def _materialise(self, table: str) -> Path:
        return self._extract(self._files[table.lower()])

    def shown(self, path: str) -> str:
        """The name of a table file as the user knows it (x.zip!Skills.txt for a zip member)."""
        return self._display.get(path, path)

    def _rename(self, e: SourceError) -> SourceError:
        return SourceError(self.shown(e.path), e.problem, line=e.line, column=e.column, char=e.char)

    def rename_error(self, e: SourceError) -> SourceError:
        """A SourceError raised from a row of this release, naming the file as the user knows it."""
        return self._rename(e)



_LOWER = {name.lower() for name in TABLES} | {"read me"}
