"""Incremental builds: what a build's inputs were, and what the current build can lend the next one.

Every source gets a fingerprint: a SHA-256 over SkillGraph's own code and data (mappings,
ontology, shapes, rules: any change invalidates everything), the source's input files (each path
given, in order, by relative name and content), its typed options (skillgraph.sourceconfig), the
SOURCE_DATE_EPOCH graphs are stamped with, and the fingerprints of the sources its mapping reads
(`requires`). The crosswalk's covers every source's.
build.json records them.

* A source whose fingerprint is unchanged is neither mapped nor validated again: its graph (validated
  against the same shapes) is copied from the current build's store, store to store.
* When nothing changed (same fingerprints, reasoner and exports as the current build), the new build
  is a checkpoint of the current store (RocksDB hard links) plus hard links to its exports: seconds.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from skillgraph import iri, loading

PACKAGES = ("skillgraph", "skillgraph.mappings", "skillgraph.ontology", "skillgraph.crosswalk")
CODE_SUFFIXES = (".py", ".ttl", ".rq", ".json", ".tsv", ".csv")


def _files(root: Path) -> list[Path]:
    """Every file under `root` (following symlinked folders, as the mappings do), in a stable order."""
    if root.is_file():
        return [root]
    out: list[Path] = []
    for d, dirs, files in os.walk(root, followlinks=True):
        dirs.sort()
        out.extend(Path(d) / f for f in sorted(files))
    return out


def _hash_files(h: Any, root: Path, files: Iterable[Path]) -> None:
    for f in files:
        h.update(str(f.relative_to(root) if f != root else f.name).encode() + b"\0")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")


def code_fingerprint() -> str:
    """SkillGraph's own code and data files (not the embedded sample data, which are inputs)."""
    h = hashlib.sha256()
    for name in PACKAGES:
        root = Path(str(importlib.import_module(name).__file__)).parent
        files = [f for f in _files(root) if f.suffix in CODE_SUFFIXES and "embedded" not in f.relative_to(root).parts
                 and "__pycache__" not in f.parts]
        h.update(name.encode())
        _hash_files(h, root, files)
    return h.hexdigest()


def input_fingerprint(paths: Path | list[Path]) -> str:
    """The content of every file a source's input path(s) hold, in the order the paths were given."""
    h = hashlib.sha256()
    for p in paths if isinstance(paths, list) else [paths]:
        h.update(b"\1path\0")
        _hash_files(h, Path(p), _files(Path(p)))
    return h.hexdigest()


def fingerprints(sources: Mapping[str, Path | list[Path]], requires: Mapping[str, Iterable[str]],
                 options: Mapping[str, Mapping[str, Any]], crosswalk: bool = True) -> dict[str, str]:
    """source id -> fingerprint, plus 'crosswalk' (when aligning) over all of them."""
    import json

    code = code_fingerprint() + os.environ.get("SOURCE_DATE_EPOCH", "")  # the date a graph is stamped with
    out: dict[str, str] = {}
    for key, p in sources.items():
        h = hashlib.sha256()
        opts = json.dumps(options.get(key, {}), sort_keys=True, default=str)
        h.update("\0".join([code, key, input_fingerprint(p), opts]).encode())
        for dep in requires.get(key, ()):
            h.update(f"\0{dep}={out.get(dep, 'absent')}".encode())
        out[key] = h.hexdigest()
    if crosswalk:
        out["crosswalk"] = hashlib.sha256("\0".join([code, *(f"{k}={v}" for k, v in out.items())]).encode()).hexdigest()
    return out


class Previous:
    """The current build of a build folder, as a lender: its fingerprints, store and reports."""

    def __init__(self, build_dir: Path):
        from skillgraph import store as store_mod

        try:
            self.path: Path | None = store_mod.build_path(build_dir)
            self.info = store_mod.build_info(build_dir)
        except store_mod.NoBuild:
            self.path, self.info = None, {}
        self.fingerprints: dict[str, str] = dict(self.info.get("fingerprints") or {})
        self._store: ox.Store | None = None

    @property
    def build_id(self) -> str:
        """The lending build's id, for log lines and build.json."""
        return str(self.info.get("build_id", ""))

    def unchanged(self, fps: Mapping[str, str], reasoner: str, export_formats: Iterable[str]) -> bool:
        """Would a build with these inputs give exactly the current build?"""
        return (self.path is not None and self.fingerprints == dict(fps) and self.info.get("reasoner") == reasoner
                and self.info.get("export_formats") == list(export_formats))

    def has(self, key: str, fp: str) -> bool:
        """Whether the current build holds graph `key` made from inputs with fingerprint `fp`."""
        return self.path is not None and self.fingerprints.get(key) == fp and key in self.info.get("graphs", {})

    def store(self) -> ox.Store:
        """The current build's store, opened read-only once."""
        if self._store is None:
            assert self.path is not None
            self._store = ox.Store.read_only(str(self.path / "store"))
        return self._store

    def graph(self, key: str) -> Graph:
        """Graph `key` of the current build as an rdflib graph (for the mappings and steps that read it)."""
        from skillgraph.mappings import new_graph
        from skillgraph.reasoning import store_graph

        return store_graph(self.store(), ox.NamedNode(str(iri.graph(key))), new_graph())

    def copy_into(self, st: ox.Store, key: str) -> None:
        """Copy graph `key` from the current build's store into `st`, store to store."""
        name = ox.NamedNode(str(iri.graph(key)))
        loading.extend(st, self.store().quads_for_pattern(None, None, None, name))

    def close(self) -> None:
        """Let go of the current build's store."""
        self._store = None


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
