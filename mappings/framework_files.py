"""Where a framework's tables are: the user's statement tables, and auxiliary tables merged with the embedded ones.

Auxiliary tables of a user's folder extend the embedded ones (same key: the user's row wins), so a
user can pass just a statement table for another occupation.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from skillgraph.errors import SourceError
from skillgraph.sourceconfig import SourceConfig

from .base import SourceMapping

AUX_FILES = ("citations.csv", "domains.csv", "anchors.csv")


@dataclass
class Inputs:
    """Where a framework's tables are: statement tables and auxiliary tables (embedded ones first)."""

    tables: list[Path]
    aux: dict[str, list[Path]] = field(default_factory=dict)


def locate(path: Path, embedded: Path, aux_names: Iterable[str] = AUX_FILES) -> Inputs:
    """Statement tables under `path` (a CSV file or a folder); auxiliary tables from the embedded
    folder, then from `path`'s folder (so a user's rows extend and override the embedded ones)."""
    path = Path(path)
    aux_names = tuple(aux_names)
    if path.is_file():
        tables, folder = [path], None
    elif path.is_dir():
        folder = path
        tables = sorted(p for p in path.glob("*.csv") if p.name not in aux_names)
        tables += sorted((path / "statements").glob("*.csv"))
    else:
        raise SourceError(path, "no such file or folder")
    aux: dict[str, list[Path]] = {}
    for name in aux_names:
        found = []
        for d in (embedded, folder):
            if d is not None and (d / name).is_file() and (d / name) not in found:
                found.append(d / name)
        aux[name] = list(dict.fromkeys(p.resolve() for p in found))
    return Inputs(tables, aux)


class CsvTables(SourceMapping):
    """Mixin: a source given as a CSV table or a folder of them (with the embedded auxiliary tables beside)."""

    def preflight(self, path: Path, config: SourceConfig) -> None:
        """A table to read (a CSV file, or a folder holding one), before anything is mapped."""
        if not locate(Path(path), self.embedded_path()).tables:
            raise SourceError(path, "no CSV table found here (expected a statement table, or a folder holding one)")
