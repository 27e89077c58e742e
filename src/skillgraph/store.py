"""The on-disk build folder: Oxigraph stores, exports and reports, with an atomic CURRENT pointer.

Layout of a build folder (default ./build):

    CURRENT                 id of the last good build (replaced atomically with os.replace)
    builds/<id>/store/      the Oxigraph database
    builds/<id>/exports/    <source>.ttl per graph, skillgraph.nq (skillgraph.trig on request)
    builds/<id>/reports/    build.json, validation reports (Turtle)
    failed/<id>/reports/    reports of a build that failed (its store is discarded)

A build is assembled under .tmp-<id>/ and renamed into builds/ only when every step passed,
so a failed build never replaces a good graph. Readers open stores read-only.
"""
from __future__ import annotations

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
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def current_id(build_dir: str | Path) -> str | None:
    p = Path(build_dir) / "CURRENT"
    try:
        text = p.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def build_path(build_dir: str | Path, build_id: str | None = None) -> Path:
    build_dir = Path(build_dir)
    build_id = build_id or current_id(build_dir)
    if build_id is None:
        raise NoBuild(f"no good build in {build_dir}: run 'skillgraph build' first")
    p = build_dir / "builds" / build_id
    if not (p / "store").is_dir():
        raise NoBuild(f"{build_dir}/CURRENT names build {build_id!r}, but {p}/store is missing")
    return p


def store_path(build_dir: str | Path, build_id: str | None = None) -> Path:
    return build_path(build_dir, build_id) / "store"


def open_read_only(build_dir: str | Path, build_id: str | None = None) -> ox.Store:
    return ox.Store.read_only(str(store_path(build_dir, build_id)))


def build_info(build_dir: str | Path, build_id: str | None = None) -> dict:
    p = build_path(build_dir, build_id) / "reports" / "build.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def staging_dir(build_dir: str | Path, build_id: str) -> Path:
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
