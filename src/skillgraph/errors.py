"""Errors that tell the user which file, which line and what is wrong."""
from __future__ import annotations

from pathlib import Path


class SkillGraphError(Exception):
    """Base class for errors SkillGraph reports to the user without a traceback."""


class SourceError(SkillGraphError):
    """Bad input in a source file: names the file, the line (when known) and the problem."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None, column: str | None = None,
                 char: int | None = None):
        self.path = str(path)
        self.line = line
        self.column = column      # the column's name in the header, when the problem is in one field
        self.char = char          # 1-based position on the line (character, or cell number in a sheet)
        self.problem = problem
        where = self.path if line is None else f"{self.path}:{line}"
        if line is not None and char is not None:
            where += f":{char}"
        if column:
            where += f" (column {column!r})"
        super().__init__(f"{where}: {problem}")


class BuildError(SkillGraphError):
    """The build failed; the last good graph stays in place."""


class ReferenceFailed(BuildError):
    """Cross-graph references of the mapped graphs do not resolve (the dangling IRIs are in the message)."""


class ValidationFailed(BuildError):
    """SHACL validation found violations."""

    def __init__(self, message: str, report_path: Path | None = None):
        super().__init__(message)
        self.report_path = report_path
