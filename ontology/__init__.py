"""The SkillGraph ontology: file locations and the namespaces every module shares."""

from __future__ import annotations

if __name__ != "skillgraph.ontology":  # one import name only: the top-level folder is not a package of its own
    raise ImportError(f"import skillgraph.ontology, not {__name__}: this folder is packaged as skillgraph.ontology")

from importlib import resources
from pathlib import Path

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

from skillgraph import iri

from .namespace import SG

__all__ = [
    "SG", "ESCO", "SSSOM", "SEMAPV", "SCHEMA", "DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SKOS",
    "VOID", "XSD", "DCAT", "BASE", "ONTOLOGY_IRI", "ontology_path", "skos_axioms_path", "shapes_dir", "rules_dir",
    "views_dir",
    "load_ontology", "PREFIXES", "SERIALIZATION_PREFIXES",
]

BASE = iri.BASE
ONTOLOGY_IRI = BASE + "ontology"
ESCO = Namespace(iri.esco.MODEL)
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
SCHEMA = Namespace("https://schema.org/")

PREFIXES: dict[str, str] = {
    "sg": str(SG),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "esco": str(ESCO),
    "sssom": str(SSSOM),
    "semapv": str(SEMAPV),
    "schema": str(SCHEMA),
    "void": str(VOID),
    "dcat": str(DCAT),
    "sgid": iri.ID_BASE,
    "sggraph": iri.GRAPH_BASE,
}

# Prefixes for writing Turtle/RDF-XML: only vocabularies, whose local names are plain words.
# Instance IRIs (sgid:) hold '/', '%' and trailing '.', which writers must escape in a prefixed
# name ("sgid:onet\/technology\/M.E.D.S\.") and which several Turtle parsers (rdflib among them)
# then misread; written as full <IRIs> they are read by every parser.
SERIALIZATION_PREFIXES: dict[str, str] = {k: v for k, v in PREFIXES.items() if k not in ("sgid", "sggraph")}


def _root() -> Path:
    return Path(str(resources.files(__name__)))


def ontology_path() -> Path:
    """The ontology's Turtle file inside the installed package."""
    return _root() / "skillgraph.ttl"


def shapes_dir() -> Path:
    """The folder of SHACL shapes inside the installed package."""
    return _root() / "shapes"


def rules_dir() -> Path:
    """The folder of entailment rules (.rq) inside the installed package."""
    return _root() / "rules"


def views_dir() -> Path:
    """The folder of materialised views (.rq CONSTRUCT queries run at build time) inside the installed package."""
    return _root() / "views"


def skos_axioms_path() -> Path:
    """The SKOS axioms file the reasoner adds, inside the installed package."""
    return _root() / "skos-axioms.ttl"


def load_ontology(with_skos: bool = True) -> Graph:
    """The ontology (plus the SKOS axioms it relies on); a fresh graph each call so callers may add to it."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.parse(ontology_path(), format="turtle")
    if with_skos:
        g.parse(skos_axioms_path(), format="turtle")
    return g
