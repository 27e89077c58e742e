"""A publisher's release given as a zip or as files on disk, read the same way (O*NET, ESCO).

Zip members are extracted one by one, when first read, into a private temporary folder that is
removed on close, so a multi-gigabyte archive is never unpacked whole; errors name a member as the
user knows it (``x.zip!folder/Skills.txt``).
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import ClassVar, Self

from skillgraph.errors import SourceError


class ZipOrFiles:
    """Base of a release reader: the zip (if the release is one), its extracted members, and closing."""

    temp_prefix: ClassVar[str] = "skillgraph-"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        self._tmp: Path | None = None
        self._display: dict[str, str] = {}  # extracted path -> name shown in errors

    def _open_zip(self, not_a_zip: str) -> list[str]:
        """Open the release as a zip (SourceError `not_a_zip` when it is not one); the names of its members."""
        if not zipfile.is_zipfile(self.path):
            raise SourceError(self.path, not_a_zip)
        try:
            self._zip = zipfile.ZipFile(self.path)
        except zipfile.BadZipFile as e:
            raise SourceError(self.path, f"unreadable zip: {e}") from None
        return self._zip.namelist()

    def _where(self, ref: str) -> str:
        """Where a file is (file, or zip!member), for error messages and provenance."""
        return f"{self.path}!{ref}" if self._zip else ref

    def _extract(self, ref: str) -> Path:
        """A file of the release on disk: the file itself, or the zip member extracted on first use."""
        if not self._zip:
            return Path(ref)
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix=self.temp_prefix))
        out = self._tmp / Path(ref).name
        if not out.exists():
            with self._zip.open(ref) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            self._display[str(out)] = self._where(ref)
        return out

    def close(self) -> None:
        """Close the zip archive, if the release is one, and remove the extracted members."""
        if self._zip:
            self._zip.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
