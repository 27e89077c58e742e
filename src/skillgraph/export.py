"""Exports for integration partners: one Turtle file per graph (<source>.ttl, each carrying its
own provenance and licence) and whole-dataset dumps (TriG, N-Quads), written from the store.

Oxigraph's serialisers run outside Python's GIL, so the files are written by two threads at once.
When the per-graph Turtle files cover every graph of the store, the TriG dump is assembled from
them (each file's triples inside its graph's block, the prefixes once) instead of serialising the
store a second time: on the full build that was two of the export's five minutes.

The build writes its exports with `GraphExports`: each graph's files as soon as that graph is final in the
store, by a thread beside the build's next stages (SHACL of the next graph, the crosswalk, the rules), each
graph's block of the dataset files appended right after, so only the entailed graph is left to write once
the rules are done (on the full build the export's last step took 100 s, most of it the N-Quads dump).
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from skillgraph import iri
from skillgraph.ontology import SERIALIZATION_PREFIXES as PREFIXES

from .registry import Registry

# Per-graph formats (one file per graph) and dataset formats (one file for all graphs).
GRAPH_FORMATS: Registry[tuple[ox.RdfFormat, str]] = Registry("graph export format")
GRAPH_FORMATS.register("ttl", (ox.RdfFormat.TURTLE, ".ttl"))
GRAPH_FORMATS.register("nt", (ox.RdfFormat.N_TRIPLES, ".nt"))
GRAPH_FORMATS.register("jsonld", (ox.RdfFormat.JSON_LD, ".jsonld"))
GRAPH_FORMATS.register("rdfxml", (ox.RdfFormat.RDF_XML, ".rdf"))

DATASET_FORMATS: Registry[tuple[ox.RdfFormat, str]] = Registry("dataset export format")
DATASET_FORMATS.register("trig", (ox.RdfFormat.TRIG, ".trig"))
DATASET_FORMATS.register("nq", (ox.RdfFormat.N_QUADS, ".nq"))

DATASET_NAME = "skillgraph"


def export_format_names() -> list[str]:
    """All export format names, to validate --exports and list them in errors."""
    return GRAPH_FORMATS.keys() + DATASET_FORMATS.keys()


def write_exports(
    st: ox.Store, out_dir: Path, graphs: Iterable[str], formats: Iterable[str] = ("ttl", "trig", "nq")
) -> list[Path]:
    """Write each graph in every per-graph format and the dataset in every dataset format."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    graphs, formats = list(graphs), list(formats)
    written: list[Path] = []
    jobs: list[tuple[Path, ox.RdfFormat, dict]] = []  # (file, format, dump's keyword arguments)
    assembled: Path | None = None
    for fmt in formats:
        if fmt in DATASET_FORMATS:
            rdf_format, suffix = DATASET_FORMATS.get(fmt)
            p = out_dir / f"{DATASET_NAME}{suffix}"
            written.append(p)
            if rdf_format == ox.RdfFormat.TRIG and "ttl" in formats and _covers(st, graphs):
                assembled = p
                continue
            jobs.insert(0, (p, rdf_format, {"prefixes": PREFIXES} if rdf_format == ox.RdfFormat.TRIG else {}))
            continue
        suffix = GRAPH_FORMATS.get(fmt)[1] if fmt in GRAPH_FORMATS else _unknown(fmt)
        for key in graphs:
            jobs.append(_graph_job(out_dir / f"{key}{suffix}", fmt, key))
            written.append(jobs[-1][0])
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        for _ in pool.map(lambda job: st.dump(str(job[0]), job[1], **job[2]), jobs):  # dataset dumps first
            pass
    if assembled is not None:
        trig_from_turtle(assembled, [(str(iri.graph(k)), out_dir / f"{k}.ttl") for k in graphs])
    return written


def _graph_job(path: Path, fmt: str, key: str) -> tuple[Path, ox.RdfFormat, dict]:
    """(file, format, keyword arguments of Store.dump) for graph `key` in per-graph format `fmt`."""
    rdf_format = GRAPH_FORMATS.get(fmt)[0]
    kwargs: dict = {"from_graph": ox.NamedNode(str(iri.graph(key)))}
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        kwargs["prefixes"] = PREFIXES
    return path, rdf_format, kwargs


def _covers(st: ox.Store, graphs: list[str]) -> bool:
    """Whether `graphs` are all the store holds (no other named graph, nothing in the default graph)."""
    names = {str(iri.graph(k)) for k in graphs}
    if any(g.value not in names for g in st.named_graphs()):
        return False
    return next(iter(st.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None


def trig_from_turtle(out: Path, parts: list[tuple[str, Path]]) -> None:
    """A TriG file from per-graph Turtle files written with PREFIXES: the prefixes once, then each file's
    triples (what follows its @prefix lines) inside its graph's block, which TriG's grammar allows as is."""
    with open(out, "wb") as w:
        _trig_head(w)
        for graph, ttl in parts:
            _append_turtle(w, graph, ttl)


def _trig_head(w) -> None:
    w.write("".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items()).encode())


def _append_turtle(w, graph: str, ttl: Path) -> None:
    """One graph's block of a TriG file: the Turtle file's triples, its @prefix lines left out."""
    w.write(f"<{graph}> {{\n".encode())
    with open(ttl, "rb") as r:
        line = r.readline()
        while line.startswith(b"@prefix "):
            line = r.readline()
        w.write(line)
        shutil.copyfileobj(r, w, 1 << 20)
    w.write(b"}\n")


def nquads_from_ntriples(out: Path, parts: list[tuple[str, Path]], block: int = 1 << 24) -> None:
    """An N-Quads file from per-graph N-Triples files as Oxigraph writes them (see _append_ntriples)."""
    with open(out, "wb") as w:
        for graph, nt in parts:
            _append_ntriples(w, graph, nt, block)


def _append_ntriples(w, graph: str, nt: Path, block: int = 1 << 24) -> None:
    """One graph's N-Quads from its N-Triples file: each line's closing " ." gets the graph's name before it.
    N-Triples escapes line breaks inside literals, so every line break ends a triple; each block is checked
    for exactly that (one " .\\n" per line break) before it is rewritten."""
    name = f" <{graph}> .\n".encode()
    lines = 0  # lines of the file before this block
    with open(nt, "rb") as r:
        rest = b""
        while True:
            data = r.read(block)
            if not data:
                break
            data = rest + data
            cut = data.rfind(b"\n") + 1
            data, rest = data[:cut], data[cut:]
            ends = data.count(b"\n")
            if data.count(b" .\n") != ends:
                line = lines + next(i for i, x in enumerate(data.split(b"\n")[:-1], 1) if not x.endswith(b" ."))
                raise ValueError(f"{nt}, line {line}: does not end with ' .'; not N-Triples as Oxigraph writes it")
            w.write(data.replace(b" .\n", name))
            lines += ends
    if rest:
        raise ValueError(f"{nt}, line {lines + 1}: the last line has no line break; "
                         "not N-Triples as Oxigraph writes it")


class GraphExports:
    """A build's exports, written graph by graph while the build goes on.

    `graph_done(key)` queues the files of graph `key` (it must not change afterwards) for one background
    thread: its per-graph formats into `out_dir`, then its block of each dataset file, appended in the
    order the graphs were given. N-Quads are made from the graph's N-Triples and TriG from its Turtle;
    where those are not exports themselves they go to `out_dir/.parts` and are removed once appended.
    Oxigraph's dump runs outside the GIL, so the thread takes the second core while the build's Python
    stages hold the first. `graph_done(key, now=True)` leaves the graph to `finish()`, which writes it on
    every core (the last graph, which nothing else runs beside). `abort()` drops what is queued.
    """

    def __init__(self, st: ox.Store, out_dir: Path, formats: Iterable[str]) -> None:
        self.st, self.out = st, Path(out_dir)
        self.formats = list(formats)
        for fmt in self.formats:
            if fmt not in DATASET_FORMATS and fmt not in GRAPH_FORMATS:
                _unknown(fmt)
        self.parts = self.out / ".parts"
        self.parts.mkdir(parents=True, exist_ok=True)  # removed by finish or abort
        self.written: list[Path] = []
        self.seconds: dict[str, float] = {}  # file name -> seconds spent writing it (in the background or not)
        self._datasets: dict[str, object] = {}  # dataset format -> its open file, graphs appended in order
        for fmt in self.formats:
            if fmt in DATASET_FORMATS:
                p = self.out / f"{DATASET_NAME}{DATASET_FORMATS.get(fmt)[1]}"
                self._datasets[fmt] = w = open(p, "wb")  # noqa: SIM115 (closed by finish or abort)
                self.written.append(p)
                if fmt == "trig":
                    _trig_head(w)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
        self._futures: list = []
        self._last: list[str] = []

    def _file(self, key: str, fmt: str) -> Path:
        """Where graph `key`'s file in per-graph format `fmt` goes: the exports when asked for, else the parts."""
        suffix = GRAPH_FORMATS.get(fmt)[1]
        return (self.out if fmt in self.formats else self.parts) / f"{key}{suffix}"

    def _needed(self) -> list[str]:
        """Per-graph formats to write: the ones asked for, and those the dataset files are made from."""
        need = [f for f in self.formats if f in GRAPH_FORMATS]
        for dataset, part in (("nq", "nt"), ("trig", "ttl")):
            if dataset in self.formats and part not in need:
                need.append(part)
        return need

    def graph_done(self, key: str, now: bool = False) -> None:
        """Graph `key` is final in the store: write its files in the background (`now`: in `finish`)."""
        if now:
            self._last.append(key)
        else:
            self._futures.append(self._pool.submit(self._write_graph, key, 1))

    def _write_graph(self, key: str, threads: int) -> None:
        jobs = []
        for fmt in self._needed():
            jobs.append(_graph_job(self._file(key, fmt), fmt, key))
            if fmt in self.formats:
                self.written.append(jobs[-1][0])
        if threads > 1:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                for _ in pool.map(self._dump, jobs):
                    pass
        else:
            for job in jobs:
                self._dump(job)
        graph = str(iri.graph(key))
        for fmt, w in self._datasets.items():
            t = time.perf_counter()
            part = self._file(key, "nt" if fmt == "nq" else "ttl")
            if fmt == "nq":
                _append_ntriples(w, graph, part)
            else:
                _append_turtle(w, graph, part)
            if part.parent == self.parts:
                part.unlink()
            name = f"{DATASET_NAME}{DATASET_FORMATS.get(fmt)[1]}"
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t

    def _dump(self, job: tuple[Path, ox.RdfFormat, dict]) -> None:
        t = time.perf_counter()
        self.st.dump(str(job[0]), job[1], **job[2])
        self.seconds[job[0].name] = time.perf_counter() - t

    def finish(self) -> list[Path]:
        """Wait for the background thread, write the graphs left for now on every core, close the dataset
        files; every file written (the parts removed)."""
        try:
            self._pool.shutdown(wait=True)
            for f in self._futures:
                f.result()  # a graph whose files failed fails the build here
            for key in self._last:
                self._write_graph(key, min(2, os.cpu_count() or 1))
        finally:
            self._close()
        return self.written

    def abort(self) -> None:
        """Drop what is queued and wait for the file being written (the build failed; its folder goes)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._close()

    def _close(self) -> None:
        for w in self._datasets.values():
            w.close()  # type: ignore[attr-defined]
        shutil.rmtree(self.parts, ignore_errors=True)


def _unknown(fmt: str):
    raise ValueError(f"unknown export format {fmt!r}; valid formats are: {', '.join(sorted(export_format_names()))}")
