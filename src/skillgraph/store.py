"""The on-disk build folder: Oxigraph stores, exports and reports, with an atomic CURRENT pointer.

Layout of a build folder (default ./build):

    CURRENT                 id of the last good build (replaced atomically with os.replace)
    builds/<id>/store/      the Oxigraph database
    builds/<id>/exports/    <source>.ttl per graph, skillgraph.trig, skillgraph.nq
    builds/<id>/reports/    build.json, validation reports (Turtle)
    failed/<id>/reports/    reports of a build that failed (its store is discarded)

    .lock-<id>              the running build's lock: its PID, held with flock while it runs

A build is assembled under .tmp-<id>/ and renamed into builds/ only when every step passed,
so a failed build never replaces a good graph. Readers open stores read-only.

Crash safety: a build takes .lock-<id> (an exclusive flock, with its PID inside) before it creates
.tmp-<id>/ and releases it only after that folder is gone. The kernel drops the flock when the
process dies, even on kill -9, so a later build can tell a dead build's staging folder (lock free,
or no lock file at all) from a running one's (lock held) and removes only the former (`clean_stale`).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pyoxigraph as ox

from .errors import SkillGraphError

KEEP_BUILDS = 3


class NoBuild(SkillGraphError):
    """The build folder holds no good build yet."""


def new_build_id() -> str:
    """A sortable, unique id for a new build folder."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def current_id(build_dir: str | Path) -> str | None:
    """The id of the published build (from CURRENT), or None before the first build."""
    p = Path(build_dir) / "CURRENT"
    try:
        text = p.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def build_path(build_dir: str | Path, build_id: str | None = None) -> Path:
    """The folder of a build, the current one by default; fails clearly if there is none."""
    build_dir = Path(build_dir)
    build_id = build_id or current_id(build_dir)
    if build_id is None:
        raise NoBuild(f"no good build in {build_dir}: run 'skillgraph build' first")
    p = build_dir / "builds" / build_id
    if not (p / "store").is_dir():
        raise NoBuild(f"{build_dir}/CURRENT names build {build_id!r}, but {p}/store is missing")
    return p


def store_path(build_dir: str | Path, build_id: str | None = None) -> Path:
    """The Oxigraph store folder inside a build."""
    return build_path(build_dir, build_id) / "store"


def open_read_only(build_dir: str | Path, build_id: str | None = None) -> ox.Store:
    """Open a build's store for reading, so readers never block or change it."""
    return ox.Store.read_only(str(store_path(build_dir, build_id)))


def build_info(build_dir: str | Path, build_id: str | None = None) -> dict:
    """The build's recorded report (reports/build.json), for status pages and the CLI."""
    p = build_path(build_dir, build_id) / "reports" / "build.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


class BuildLock:
    """The running build's lock file .lock-<id>: PID inside, exclusive flock held until release()."""

    def __init__(self, build_dir: str | Path, build_id: str):
        self.path = Path(build_dir) / f".lock-{build_id}"
        self._fd: int | None = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(self._fd, f"{os.getpid()}\n".encode())
        os.fsync(self._fd)

    def release(self) -> None:
        """Give up the lock so another build may start."""
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


def _held(lock: Path) -> bool:
    """Whether a live process holds this lock file (a free flock means its build died)."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    # free: dead, unless its build is between creating the file and locking it (no PID written yet)
    st = lock.stat()
    return st.st_size == 0 and time.time() - st.st_mtime < 60


def _lock_pid(lock: Path) -> str:
    try:
        return lock.read_text(encoding="utf-8").strip() or "?"
    except OSError:
        return "?"


def clean_stale(build_dir: str | Path) -> list[str]:
    """Remove staging folders (and locks, CURRENT temp files) of builds that died; never a running build's.

    Returns one line per thing removed, for the user.
    """
    build_dir = Path(build_dir)
    cleaned: list[str] = []
    if not build_dir.is_dir():
        return cleaned
    live = False
    for lock in sorted(build_dir.glob(".lock-*")):
        if _held(lock):
            live = True
            continue
        build_id = lock.name[len(".lock-"):]
        staging = build_dir / f".tmp-{build_id}"
        pid = _lock_pid(lock)
        if staging.exists():
            size = _size(staging)
            shutil.rmtree(staging, ignore_errors=True)
            cleaned.append(f"{staging} (build {build_id}, PID {pid}, no longer running; {size / 1e6:,.1f} MB)")
        lock.unlink(missing_ok=True)
    for staging in sorted(build_dir.glob(".tmp-*")):
        if staging.is_dir() and not (build_dir / f".lock-{staging.name[len('.tmp-'):]}").exists():
            size = _size(staging)  # no lock file at all: its build died before taking one, or predates locks
            shutil.rmtree(staging, ignore_errors=True)
            cleaned.append(f"{staging} (no lock file; {size / 1e6:,.1f} MB)")
    if not live:  # a CURRENT temp file belongs to a build between writing and renaming it
        for tmp in sorted(build_dir.glob(".CURRENT-*")):
            tmp.unlink(missing_ok=True)
            cleaned.append(str(tmp))
    return cleaned


def _size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def staging_dir(build_dir: str | Path, build_id: str) -> Path:
    """Create .tmp-<id>/; the caller holds the build's lock (BuildLock) first."""
    d = Path(build_dir) / f".tmp-{build_id}"
    d.mkdir(parents=True, exist_ok=False)
    return d


def publish(build_dir: str | Path, build_id: str, staging: Path) -> Path:
    """Move a finished build into place and point CURRENT at it, atomically."""
    build_dir = Path(build_dir)
    final = build_dir / "builds" / build_id
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, final)
    fd, tmp = tempfile.mkstemp(dir=build_dir, prefix=".CURRENT-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(build_id + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, build_dir / "CURRENT")
    prune(build_dir)
    return final


def discard(build_dir: str | Path, build_id: str, staging: Path) -> Path | None:
    """Remove a failed build's store; keep its reports under failed/<id>/ for the user."""
    reports = staging / "reports"
    kept = None
    if reports.is_dir() and any(reports.iterdir()):
        kept = Path(build_dir) / "failed" / build_id
        kept.mkdir(parents=True, exist_ok=True)
        os.replace(reports, kept / "reports")
    shutil.rmtree(staging, ignore_errors=True)
    return kept


def prune(build_dir: str | Path, keep: int = KEEP_BUILDS) -> None:
    """Delete old builds beyond the newest `keep`, never the current one."""
    build_dir = Path(build_dir)
    cur = current_id(build_dir)
    builds = sorted((p for p in (build_dir / "builds").iterdir() if p.is_dir()), key=lambda p: p.name)
    for p in builds[:-keep]:
        if p.name != cur:
            shutil.rmtree(p, ignore_errors=True)
