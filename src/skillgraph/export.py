"""Exports for integration partners: one Turtle file per graph (<source>.ttl, each carrying its
own provenance and licence) and whole-dataset dumps (TriG, N-Quads), written from the store."""
from __future__ import annotations

from collections.abc import Iterable
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
    written = []
    graphs = list(graphs)
    for fmt in formats:
        if fmt in DATASET_FORMATS:
            rdf_format, suffix = DATASET_FORMATS.get(fmt)
            p = out_dir / f"{DATASET_NAME}{suffix}"
            st.dump(str(p), rdf_format, prefixes=PREFIXES if rdf_format == ox.RdfFormat.TRIG else None)
            written.append(p)
            continue
        rdf_format, suffix = GRAPH_FORMATS.get(fmt) if fmt in GRAPH_FORMATS else _unknown(fmt)
        for key in graphs:
            p = out_dir / f"{key}{suffix}"
            kwargs = {"prefixes": PREFIXES} if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
            st.dump(str(p), rdf_format, from_graph=ox.NamedNode(str(iri.graph(key))), **kwargs)
            written.append(p)
    return written


def _unknown(fmt: str):
    raise ValueError(f"unknown export format {fmt!r}; valid formats are: {', '.join(sorted(export_format_names()))}")
