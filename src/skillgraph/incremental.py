"""Incremental builds: what a build's inputs were, and what an earlier build can lend the next one.

Every source gets a fingerprint: a SHA-256 over SkillGraph's own code and data (mappings,
ontology, shapes, rules: any change invalidates everything), the source's input files (relative
path and content), the build options and the fingerprints of the sources its mapping reads
(`requires`). The crosswalk's fingerprint covers every source's. build.json records them.

* A source whose fingerprint is unchanged is not mapped or validated again: its graph (already
  validated against the same shapes) is read back from the current build's Turtle export of it.
* When nothing changed at all (same fingerprints, reasoner and exports as the current build),
  the new build is a checkpoint of the current store (RocksDB hard links) plus hard links to its
  exports: seconds, and the same graph.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Iterable, Mapping

import pyoxigraph as ox
from rdflib import Graph

from skillgraph.mappings import MappingReport, MappingResult

PACKAGE_DIRS = ("skillgraph", "skillgraph.mappings", "skillgraph.ontology", "skillgraph.crosswalk")
CODE_SUFFIXES = (".py", ".ttl", ".rq", ".json")


def _sha() -> "hashlib._Hash":
    return hashlib.sha256()


def _files(root: Path) -> list[Path]:
    """Every file under `root` (following symlinked folders, as the mappings do), in a stable order."""
    if root.is_file():
        return [root]
    out = []
    for d, dirs, files in os.walk(root, followlinks=True):
        dirs.sort()
        out.extend(Path(d) / f for f in sorted(files))
    return out


def _hash_files(h, root: Path, files: Iterable[Path]) -> None:
    for f in files:
        h.update(str(f.relative_to(root) if f != root else f.name).encode() + b"\0")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")


def code_fingerprint() -> str:
    """SkillGraph's own code and data files (not the embedded sample data, which are inputs)."""
    import importlib

    h = _sha()
    for name in PACKAGE_DIRS:
        root = Path(importlib.import_module(name).__file__).parent
        files = [f for f in _files(root) if f.suffix in CODE_SUFFIXES and "embedded" not in f.relative_to(root).parts
                 and "__pycache__" not in f.parts]
        h.update(name.encode())
        _hash_files(h, root, files)
    return h.hexdigest()


def input_fingerprint(path: Path) -> str:
    h = _sha()
    path = Path(path)
    _hash_files(h, path, _files(path))
    return h.hexdigest()


def fingerprints(sources: Mapping[str, Path], requires: Mapping[str, Iterable[str]],
                 options: Mapping[str, object] | None, crosswalk: bool = True) -> dict[str, str]:
    """source id -> fingerprint, plus 'crosswalk' (when aligning) over all of them."""
    code = code_fingerprint()
    opts = json.dumps({k: str(v) for k, v in sorted((options or {}).items())}, sort_keys=True)
    own = {key: input_fingerprint(p) for key, p in sources.items()}
    out: dict[str, str] = {}
    for key in sources:
        h = _sha()
        h.update("\0".join([code, key, own[key], opts]).encode())
        for dep in requires.get(key, ()):
            h.update(f"\0{dep}={out.get(dep, 'absent')}".encode())
        out[key] = h.hexdigest()
    if crosswalk:
        out["crosswalk"] = hashlib.sha256("\0".join([code, *(f"{k}={v}" for k, v in out.items())]).encode()).hexdigest()
    return out


class Previous:
    """The current build of a build folder, as a lender: its fingerprints, per-graph exports and reports."""

    def __init__(self, build_dir: Path):
        from skillgraph import store as store_mod

        try:
            self.path: Path | None = store_mod.build_path(build_dir)
            self.info = store_mod.build_info(build_dir)
        except store_mod.NoBuild:
            self.path, self.info = None, {}
        self.fingerprints: dict[str, str] = dict(self.info.get("fingerprints") or {})

    def unchanged(self, fps: Mapping[str, str], reasoner: str, export_formats: Iterable[str]) -> bool:
        """Would a build with these inputs give exactly the current build?"""
        return (self.path is not None and self.fingerprints == dict(fps) and self.info.get("reasoner") == reasoner
                and self.info.get("export_formats") == list(export_formats))

    def _export(self, key: str, fp: str) -> Path | None:
        if self.path is None or self.fingerprints.get(key) != fp:
            return None
        p = self.path / "exports" / f"{key}.ttl"
        return p if p.is_file() else None

    def graph(self, key: str, fp: str) -> MappingResult | None:
        """The graph of `key` as the current build validated it, when its fingerprint is `fp`."""
        p = self._export(key, fp)
        src = self.info.get("sources", {}).get(key) if p is not None else None
        if p is None or (key in self.info.get("sources", {}) and src is None):
            return None
        from skillgraph.reasoning import ox_to_rdflib
        from skillgraph.validation import PREFIXES

        g = Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        for t in ox.parse(path=str(p), format=ox.RdfFormat.TURTLE):
            g.add((ox_to_rdflib(t.subject), ox_to_rdflib(t.predicate), ox_to_rdflib(t.object)))
        src = src or {}
        report = MappingReport(counts=src.get("counts", {}), tables_read=src.get("tables_read", []),
                               tables_skipped=src.get("tables_skipped", []), warnings=src.get("warnings", []),
                               details=src.get("details", {}))
        return MappingResult(g, src.get("release", ""), report)


def snapshot(previous: Path, staging: Path) -> None:
    """The previous build's store (a RocksDB checkpoint: hard links) and exports (hard links) into staging."""
    st = ox.Store.read_only(str(previous / "store"))
    st.backup(str(staging / "store"))
    del st
    exports = previous / "exports"
    if exports.is_dir():
        shutil.copytree(exports, staging / "exports", copy_function=_link_or_copy)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
