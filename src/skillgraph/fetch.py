"""Downloading official releases into a local cache, verified before use.

`skillgraph fetch onet --release 30.1` fetches O*NET's tab-separated text database zip from the
O*NET Resource Center's download area, checks it is a whole zip holding the tables the mapping
needs, and caches it (with its SHA-256) under the cache folder. A cached copy is re-verified
against its recorded digest before it is reused; nothing half-downloaded is ever left in place.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import SkillGraphError
from .registry import Registry


class FetchError(SkillGraphError):
    """A download failed or did not verify."""


@dataclass(frozen=True)
class Release:
    """An upstream release to download: where it is, what it must contain and its checksum."""
    source: str
    release: str
    url: str
    filename: str
    required_members: tuple[str, ...]


def onet_release(release: str, base_url: str = "https://www.onetcenter.org/dl_files/database/") -> Release:
    """The O*NET database release of a version number, so users can fetch one by name."""
    if not re.fullmatch(r"\d{2}\.\d", release):
        raise ValueError(f"O*NET release {release!r} must look like 30.1")
    tag = release.replace(".", "_")
    name = f"db_{tag}_text.zip"
    return Release("onet", release, base_url.rstrip("/") + "/" + name, name,
                   ("Occupation Data.txt", "Task Statements.txt", "Content Model Reference.txt"))


FETCHERS: Registry = Registry("fetchable source")
FETCHERS.register("onet", onet_release)


def default_cache() -> Path:
    """$SKILLGRAPH_CACHE, else $XDG_CACHE_HOME/skillgraph, else ~/.cache/skillgraph."""
    if os.environ.get("SKILLGRAPH_CACHE"):
        return Path(os.environ["SKILLGRAPH_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "skillgraph"


def sha256(path: Path) -> str:
    """Checksum of a downloaded file, to verify it and record it in the build's provenance."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_zip(path: Path, required: tuple[str, ...]) -> None:
    """Fail early if a download is not a readable zip holding the files the mapping needs."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise FetchError(f"{path}: member {bad!r} is corrupt (CRC mismatch)")
            names = {Path(n).name for n in zf.namelist()}
    except zipfile.BadZipFile as e:
        raise FetchError(f"{path}: not a zip archive ({e})") from None
    missing = [m for m in required if m not in names]
    if missing:
        raise FetchError(f"{path}: the archive lacks {', '.join(missing)}; is this the text-format database?")


def fetch(source: str, release: str, cache: Path | None = None, base_url: str | None = None,
          force: bool = False, timeout: float = 60.0, log=print) -> Path:
    """Return the path of a verified local copy of `source` `release`, downloading it if needed."""
    maker = FETCHERS.get(source)
    rel: Release = maker(release, base_url) if base_url else maker(release)
    folder = (cache or default_cache()) / rel.source / rel.release
    target = folder / rel.filename
    digest_file = target.with_name(target.name + ".sha256")
    if target.exists() and digest_file.exists() and not force:
        if sha256(target) == digest_file.read_text(encoding="utf-8").split()[0]:
            verify_zip(target, rel.required_members)
            log(f"cached: {target}")
            return target
        log(f"cached copy of {rel.filename} does not match its recorded digest; downloading again")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".part-")
    tmp = Path(tmp_name)
    try:
        log(f"downloading {rel.url}")
        req = urllib.request.Request(rel.url, headers={"User-Agent": "skillgraph-fetch"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp, os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(resp, out, 1 << 20)
        except (urllib.error.URLError, OSError) as e:
            raise FetchError(f"could not download {rel.url}: {e}") from None
        verify_zip(tmp, rel.required_members)
        digest = sha256(tmp)
        os.replace(tmp, target)
        digest_file.write_text(f"{digest}  {rel.filename}\n", encoding="utf-8")
        log(f"verified and cached {target} (sha256 {digest[:16]}…)")
        return target
    finally:
        if tmp.exists():
            tmp.unlink()
