"""Reading the tables publishers ship (TSV, CSV, XLSX, optionally gzipped) with line numbers.

Every row comes back with the physical line (or sheet row) it started on, so that a mapping
can raise a SourceError naming file, line and problem. Required columns are checked up front.
"""
from __future__ import annotations

import csv
import gzip
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .errors import SourceError

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Row:
    """One data record: its values by column name and the line it starts on (1-based, header = 1)."""

    path: str
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def get(self, column: str, default: str = "") -> str:
        v = self.values.get(column)
        return default if v is None else v

    def error(self, problem: str, column: str | None = None) -> SourceError:
        return SourceError(self.path, problem, line=self.line, column=column)

    def required(self, column: str) -> str:
        v = self.get(column).strip()
        if not v:
            raise self.error("empty value in a required column", column=column)
        return v

    def decimal(self, column: str, required: bool = True) -> float | None:
        v = self.get(column).strip()
        if v in ("", "n/a", "NA", "N/A"):
            if required:
                raise self.error("empty value in a required numeric column", column=column)
            return None
        try:
            return float(v)
        except ValueError:
            raise self.error(f"{v!r} is not a number", column=column) from None

    def integer(self, column: str, required: bool = True) -> int | None:
        f = self.decimal(column, required)
        if f is None:
            return None
        if f != int(f):
            raise self.error(f"{self.get(column)!r} is not a whole number", column=column)
        return int(f)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", newline="", encoding="utf-8-sig")
    return open(path, "rt", newline="", encoding="utf-8-sig")


def _check_header(path: Path, header: Sequence[str], required: Iterable[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceError(
            path,
            f"missing required column(s) {', '.join(repr(c) for c in missing)}; "
            f"the header has {', '.join(repr(c) for c in header)}",
            line=1,
        )


def read_delimited(path: str | Path, required: Iterable[str] = (), delimiter: str | None = None) -> Iterator[Row]:
    """Rows of a CSV/TSV file (delimiter from the suffix unless given); quoted multi-line fields allowed."""
    path = Path(path)
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    if delimiter is None:
        delimiter = "\t" if name.endswith((".txt", ".tsv")) else ","
    with _open_text(path) as fh:
        # O*NET text files are plain tab-separated with no quoting; CSV uses RFC 4180 quoting.
        quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        reader = csv.reader(fh, delimiter=delimiter, quoting=quoting)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise SourceError(path, "the file is empty; expected a header row", line=1) from None
        except csv.Error as e:
            raise SourceError(path, f"unreadable header: {e}", line=1) from None
        _check_header(path, header, required)
        width = len(header)
        while True:
            start = reader.line_num + 1
            try:
                rec = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise SourceError(path, f"malformed CSV record: {e}", line=start) from None
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue
            if len(rec) != width:
                raise SourceError(path, f"expected {width} fields as in the header, found {len(rec)}", line=start)
            yield Row(str(path), start, dict(zip(header, rec)))


def read_xlsx(path: str | Path, required: Iterable[str] = ()) -> Iterator[Row]:
    """Rows of the first sheet of an XLSX workbook; values come back as strings like the text export."""
    import openpyxl  # imported here: only the Excel path needs it

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a bad file
        raise SourceError(path, f"not a readable XLSX workbook: {e}") from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        try:
            header = [str(h).strip() if h is not None else "" for h in next(rows)]
        except StopIteration:
            raise SourceError(path, "the sheet is empty; expected a header row", line=1) from None
        while header and header[-1] == "":
            header.pop()
        _check_header(path, header, required)
        width = len(header)
        for i, rec in enumerate(rows, start=2):
            vals = ["" if v is None else _cell(v) for v in rec[:width]]
            if not any(vals):
                continue
            vals += [""] * (width - len(vals))
            yield Row(str(path), i, dict(zip(header, vals)))
    finally:
        wb.close()


def _cell(v: object) -> str:
    # Dates stay as openpyxl gives them; numbers become their shortest text form.
    return str(v)


# tables this large on disk show progress while they are read (xlsx is compressed ~10:1)
BIG_TABLE_BYTES = {".xlsx": 1024 * 1024}
BIG_TEXT_TABLE_BYTES = 8 * 1024 * 1024


def read_table(path: str | Path, required: Iterable[str] = ()) -> Iterator[Row]:
    """Rows of a table in any supported format, chosen by the file suffix."""
    p = Path(path)
    rows = read_xlsx(p, required) if p.suffix.lower() == ".xlsx" else read_delimited(p, required)
    if p.is_file() and p.stat().st_size >= BIG_TABLE_BYTES.get(p.suffix.lower(), BIG_TEXT_TABLE_BYTES):
        from .progress import track

        return track(rows, f"reading {p.name}", unit="rows")
    return rows
