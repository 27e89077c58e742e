"""Exports for integration partners: one Turtle file per graph (<source>.ttl, each carrying its
own provenance and licence) and whole-dataset dumps (TriG, N-Quads), written from the store.

Oxigraph's serialisers run outside Python's GIL, so the files are written by two threads at once.
When the per-graph Turtle files cover every graph of the store, the TriG dump is assembled from
them (each file's triples inside its graph's block, the prefixes once) instead of serialising the
store a second time: on the full build that was two of the export's five minutes.
"""
from __future__ import annotations

import os
import shutil
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
        rdf_format, suffix = GRAPH_FORMATS.get(fmt) if fmt in GRAPH_FORMATS else _unknown(fmt)
        kwargs = {"prefixes": PREFIXES} if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
        for key in graphs:
            p = out_dir / f"{key}{suffix}"
            jobs.append((p, rdf_format, {**kwargs, "from_graph": ox.NamedNode(str(iri.graph(key)))}))
            written.append(p)
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        for _ in pool.map(lambda job: st.dump(str(job[0]), job[1], **job[2]), jobs):  # dataset dumps first
            pass
    if assembled is not None:
        trig_from_turtle(assembled, [(str(iri.graph(k)), out_dir / f"{k}.ttl") for k in graphs])
    return written


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
        w.write("".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items()).encode())
        for graph, ttl in parts:
            w.write(f"<{graph}> {{\n".encode())
            with open(ttl, "rb") as r:
                line = r.readline()
                while line.startswith(b"@prefix "):
                    line = r.readline()
                w.write(line)
                shutil.copyfileobj(r, w, 1 << 20)
            w.write(b"}\n")


def _unknown(fmt: str):
    raise ValueError(f"unknown export format {fmt!r}; valid formats are: {', '.join(sorted(export_format_names()))}")
