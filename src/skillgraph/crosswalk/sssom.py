"""SSSOM/TSV export of the crosswalk, for integration partners who read mappings as tables.

One row per sg:Alignment, in the SSSOM columns subject_id, predicate_id, object_id, mapping_justification,
confidence, similarity_score, mapping_tool, subject_label, object_label, comment (a support alignment's
mapping_tool is its mapping set's method, written once in the graph; its comment leads with its required level
and carries its evidence sentence); CURIEs are declared in the YAML metadata block (lines starting with '#';
strip the '#' and the block is YAML) that precedes the header, as the SSSOM/TSV specification asks. Labels
come from the graphs given as `labels` (the source graphs), since the crosswalk graph itself holds only IRIs.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from skillgraph import __version__, iri
from skillgraph.errors import SourceError
from skillgraph.fastgraph import subject_index
from skillgraph.ontology import PREFIXES, SG, SSSOM

COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification", "confidence",
           "similarity_score", "mapping_tool", "subject_label", "object_label", "comment")

#: One prefix per namespace, none reusing a prefix of skillgraph.ontology.PREFIXES for another namespace
#: (`esco:` there is ESCO's model; ESCO's skills are `escoskill:`, as in the gold sets under eval/).
CURIE_MAP = {
    "sg": PREFIXES["sg"],
    **{source: iri.scheme(source).base for source in ("onet", "pathsmith", "ladder", "aiwork", "wef")},
    "sgid": iri.ID_BASE,
    "escoskill": str(iri.esco.publisher("skill/")),
    "escooccupation": str(iri.esco.publisher("occupation/")),
    "skos": PREFIXES["skos"],
    "semapv": PREFIXES["semapv"],
}

MAPPING_SET_ID = str(iri.graph("crosswalk"))


class LabelSource(Protocol):
    """What the label look-ups need: an rdflib Graph, or an adapter over a store (release.StoreLabels)."""

    def objects(self, subject: Node, predicate: Node) -> Iterable[Node]:
        """The objects of the subject's triples with this predicate."""
        ...


def curie(term: Node) -> str:
    """The shortest CURIE from CURIE_MAP, else the IRI itself."""
    s = str(term)
    best = None
    for prefix, ns in CURIE_MAP.items():
        if s.startswith(ns) and (best is None or len(ns) > len(CURIE_MAP[best])):
            best = prefix
    return f"{best}:{s[len(CURIE_MAP[best]):]}" if best else s


def _label(graphs: Iterable[LabelSource], term: Node) -> str:
    for g in graphs:
        for p in (SKOS.prefLabel, RDFS.label):
            vals = sorted(g.objects(term, p), key=lambda o: (getattr(o, "language", None) not in (None, "en"), str(o)))
            if vals:
                return " ".join(str(vals[0]).split())
    return ""


class _Memo(dict):
    """term -> what `make(term)` gives, each computed once (a crosswalk names ~35 k terms ~190 k times)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


# the predicates a row reads, looked up once (the closed namespaces resolve each attribute access)
_A, _S, _P, _O = RDF.type, OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget
_LEVELS, _REQUIRED, _KIND, _LOWEST = SG.proficiencyLevel, SG.requiredLevel, SG.levelEvidence, SG.answersFromLevel
_KINDS, _EVIDENCE, _COMMENT, _METHOD = SG.evidenceKind, SG.evidence, SSSOM.comment, SG.method
_JUSTIFICATION, _CONFIDENCE, _SIMILARITY = SSSOM.mapping_justification, SSSOM.confidence, SG.similarity
_LEXICAL = URIRef("https://w3id.org/semapv/vocab/LexicalMatching")


def _properties(graph: Graph) -> Callable[[Node], dict]:
    """node -> {predicate: objects}: read from the graph's subject index when it has one (one dictionary
    look-up per node, instead of a triple-pattern generator per value), else from the graph."""
    spo = subject_index(graph)
    if spo is not None:
        return lambda node: spo.get(node, {})

    def read(node: Node) -> dict:
        out: dict = {}
        for p, o in graph.predicate_objects(node):
            out.setdefault(p, []).append(o)
        return out

    return read


def rows(graph: Graph, labels: Iterable[LabelSource] = ()) -> list[dict[str, str]]:
    """The SSSOM/TSV rows for a graph's alignments, labels looked up in the given graphs."""
    label_graphs = [graph, *labels]
    set_method = {str(ms): str(graph.value(ms, SG.method) or "") for ms in graph.subjects(RDF.type, SSSOM.MappingSet)}
    support_method = set_method.get(str(iri.crosswalk.SUPPORT_SET), "")
    props = _properties(graph)
    short = _Memo(curie)
    label = _Memo(lambda term: _label(label_graphs, term))

    def one(po: dict, p: Node) -> Node | None:
        values = po.get(p)
        return next(iter(values)) if values else None

    out = []
    for a in graph.subjects(_A, SG.Alignment):
        po = props(a)
        s, p, o = one(po, _S), one(po, _P), one(po, _O)
        if s is None or p is None or o is None:
            continue
        levels = sorted(short[lv] for lv in po.get(_LEVELS, ()))
        required = one(po, _REQUIRED)
        level_kind = one(po, _KIND)
        lowest = one(po, _LOWEST)
        kinds = sorted(str(k) for k in po.get(_KINDS, ()))
        evidence = sorted(short[e] for e in po.get(_EVIDENCE, ()))
        said = one(po, _COMMENT)
        comment = "; ".join(
            filter(
                None,
                [
                    f"required level {short[required]} (from {level_kind})" if required is not None else "",
                    f"level{'s' if len(levels) > 1 else ''} {', '.join(levels)}" if levels else "",
                    f"answers from {short[lowest]} up" if lowest is not None else "",
                    f"evidence kinds {', '.join(kinds)}" if kinds else "",
                    str(said) if said is not None else "",
                    f"evidence {', '.join(evidence)}" if evidence else "",
                    f"alignment {curie(a)}",
                ],
            )
        )
        method = one(po, _METHOD)
        out.append(
            {
                "subject_id": short[s],
                "predicate_id": short[p],
                "object_id": short[o],
                "mapping_justification": short[one(po, _JUSTIFICATION) or _LEXICAL],
                "confidence": str(one(po, _CONFIDENCE) or ""),
                "similarity_score": str(one(po, _SIMILARITY) or ""),
                "mapping_tool": str(method or (support_method if required is not None else "")),
                "subject_label": label[s],
                "object_label": label[o],
                "comment": comment,
            }
        )
    out.sort(key=lambda r: (r["predicate_id"], r["subject_id"], r["object_id"], r["comment"]))
    return out


def write_sssom(
    graph: Graph,
    path: str | Path,
    labels: Iterable[LabelSource] = (),
    *,
    mapping_set_id: str = MAPPING_SET_ID,
    license: str = "https://creativecommons.org/licenses/by/4.0/",
    other: str | None = None,
    description: str | None = None,
) -> int:
    """Write the alignments of `graph` as SSSOM/TSV to `path`; returns the number of rows.

    `labels` may be anything with rdflib's `objects(subject, predicate)` (e.g. a store adapter).
    """
    path = Path(path)
    data = rows(graph, labels)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("#curie_map:\n")
        for prefix, ns in CURIE_MAP.items():
            f.write(f'#  {prefix}: "{ns}"\n')
        f.write(f'#mapping_set_id: "{mapping_set_id}"\n')
        f.write(f'#mapping_set_version: "{__version__}"\n')
        f.write(
            '#mapping_set_description: "'
            + (
                description
                or "SkillGraph crosswalk: O*NET, ESCO, WEF and levelled "
                "competency statements, scored by lexical similarity combined with structural evidence."
            )
            + '"\n'
        )
        f.write(f'#license: "{license}"\n')
        if other:
            f.write(f'#other: "{other}"\n')
        f.write(f'#mapping_tool: "SkillGraph {__version__}"\n')
        w = csv.DictWriter(f, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writeheader()
        w.writerows(data)
    return len(data)


def read_sssom(path: str | Path) -> tuple[dict, list[dict[str, str]]]:
    """Read an SSSOM/TSV file back: (metadata lines as a dict of top-level keys, rows)."""
    path = Path(path)
    meta: dict[str, str] = {}
    body: list[str] = []
    with path.open(encoding="utf-8", newline="") as f:
        for line in f:
            if line.startswith("#"):
                text = line[1:].rstrip("\n")
                if text and not text.startswith(" ") and ":" in text:
                    k, v = text.split(":", 1)
                    meta[k.strip()] = v.strip().strip('"')
            else:
                body.append(line)
    if not body:
        raise SourceError(path, "no header row after the metadata block", line=len(meta) + 1)
    reader = csv.DictReader(body, delimiter="\t")
    missing = [
        c
        for c in ("subject_id", "predicate_id", "object_id", "mapping_justification")
        if c not in (reader.fieldnames or [])
    ]
    first = sum(1 for _ in open(path, encoding="utf-8") if _.startswith("#")) + 1
    if missing:
        raise SourceError(path, f"SSSOM header lacks the required column(s) {', '.join(missing)}", line=first)
    out = []
    for i, row in enumerate(reader, start=first + 1):
        if None in row or any(v is None for v in row.values()):
            raise SourceError(
                path,
                f"row has {len([v for v in row.values() if v is not None])} fields, "
                f"the header {len(reader.fieldnames or ())}",
                line=i,
            )
        out.append(row)
    return meta, out
