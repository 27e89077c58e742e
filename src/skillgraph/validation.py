"""SHACL validation: per source graph, against that source's shapes plus the common ones.

Shapes live in ontology/shapes/<source>.ttl (and common.ttl for shapes every graph shares).
A result lists every violation with focus node, path, shape and message, and keeps the
pySHACL report graph so it can be written as Turtle.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from skillgraph.fastgraph import TARGET_PREDICATES, run_pyshacl
from skillgraph.ontology import PREFIXES, load_ontology, shapes_dir

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_NS = "https://w3id.org/skillgraph/shapes#"


@dataclass(frozen=True)
class Violation:
    """One SHACL result in plain terms, so reports need not walk the report graph."""
    focus: str
    path: str | None
    shape: str
    constraint: str
    message: str
    severity: str
    value: str | None = None
    origin: tuple[str, ...] = ()  # source file:line(s) the focus node was mapped from (attach_origins)

    def render(self) -> str:
        """The violation as one readable line for logs and error messages."""
        path = f" path {self.path}" if self.path else ""
        value = f" value {self.value}" if self.value is not None else ""
        origin = f" (from {', '.join(self.origin)})" if self.origin else ""
        return f"[{self.severity}] focus {self.focus}{origin}{path} shape {self.shape}{value}: {self.message}"


@dataclass
class ValidationResult:
    """The outcome of validating a graph: whether it conforms and why not."""
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    report: Graph | None = None
    label: str = ""

    def summary(self, limit: int = 50) -> str:
        """A short text summary, the first violations listed, for build logs."""
        head = f"{self.label or 'graph'}: " + ("conforms" if self.conforms else f"{len(self.violations)} violation(s)")
        lines = [head] + ["  " + v.render() for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"  ... and {len(self.violations) - limit} more (see the Turtle report)")
        return "\n".join(lines)


def shape_ids() -> list[str]:
    """The ids `--shapes` accepts: one per ontology/shapes/<id>.ttl (common.ttl is always used)."""
    return sorted(f.stem for f in shapes_dir().glob("*.ttl") if f.stem != "common")


def shape_files(names: Iterable[str] | None = None) -> list[Path]:
    """Shape files for the given source ids (plus common.ttl); all shape files when names is None.

    An unknown id is a ValueError listing the valid ones (a typo must not validate against nothing).
    """
    d = shapes_dir()
    if names is None:
        return sorted(d.glob("*.ttl"))
    names = list(names)
    unknown = [n for n in names if n not in shape_ids()]
    if unknown:
        raise ValueError(f"unknown shape id(s) {', '.join(map(repr, unknown))}; valid: {', '.join(shape_ids())}")
    return [d / "common.ttl"] + [d / f"{n}.ttl" for n in names]


def load_shapes(names: Iterable[str] | None = None) -> Graph:
    """The SHACL shapes to validate with: all of them, or the named ones."""
    g = Graph()
    g.bind("sh", SH)
    g.bind("sgsh", SHAPES_NS)
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for f in shape_files(names):
        g.parse(f, format="turtle")
    return g


def write_shapes(out: Path, names: Iterable[str] | None = None, ontology: Graph | None = None) -> list[Path]:
    """Write the shapes as one Turtle file, and the class hierarchy their sh:targetClass needs, for pySHACL."""
    out.mkdir(parents=True, exist_ok=True)
    shapes = load_shapes(names)
    classes = Graph()
    classes.bind("rdfs", RDFS)
    for prefix, ns in PREFIXES.items():
        classes.bind(prefix, ns)
    for t in class_hierarchy(ontology if ontology is not None else load_ontology()):
        classes.add(t)
    paths = [out / "skillgraph-shapes.ttl", out / "skillgraph-classes.ttl"]
    shapes.serialize(paths[0], format="turtle")
    classes.serialize(paths[1], format="turtle")
    return paths


def _term(g: Graph, t) -> str | None:
    if t is None:
        return None
    if isinstance(t, URIRef):
        return t.n3(g.namespace_manager)
    if isinstance(t, BNode):
        # a property path or an anonymous shape: show it as compact Turtle-ish text
        return _path_text(g, t)
    if isinstance(t, Literal):
        return t.n3(g.namespace_manager)
    return str(t)


def _path_text(g: Graph, node) -> str:
    inv = g.value(node, SH.inversePath)
    if inv is not None:
        return "^" + (_term(g, inv) or "?")
    items = list(g.items(node)) if g.value(node, RDF.first) is not None else []
    if items:
        return "/".join(_term(g, i) or "?" for i in items)
    return "_:" + str(node)[:8]


def owning_shape(shapes: Graph, shape):
    """The named node shape an anonymous property shape belongs to (so messages can name it)."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = shapes.value(None, SH.property, shape) or shapes.value(None, SH.node, shape)
        if parent is None:
            break
        shape = parent
    return shape


def _violations(report: Graph, shapes: Graph) -> list[Violation]:
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.append(
            Violation(
                focus=_term(report, report.value(r, SH.focusNode)) or "?",
                path=_term(report, report.value(r, SH.resultPath)),
                shape=_term(report, owning_shape(shapes, report.value(r, SH.sourceShape))) or "?",
                constraint=_term(report, report.value(r, SH.sourceConstraintComponent)) or "?",
                message=str(report.value(r, SH.resultMessage) or ""),
                severity=(_term(report, report.value(r, SH.resultSeverity)) or "sh:Violation").split(":")[-1],
                value=_term(report, report.value(r, SH.value)),
            )
        )
    out.sort(key=lambda v: (v.shape, v.focus, v.path or "", v.message, v.constraint, v.value or ""))
    return out


def class_hierarchy(ontology: Graph) -> set:
    """The rdfs:subClassOf triples of the ontology, transitively closed: all SHACL needs from it.

    (pySHACL's own ont_graph mixing clones the whole ontology node by node — seconds even for
    a tiny data graph — so only the hierarchy is added, and only for the duration of a run.)
    """
    direct: dict = {}
    for s, o in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            direct.setdefault(s, set()).add(o)
    out = set()
    for c in direct:
        stack, seen = list(direct[c]), set()
        while stack:
            d = stack.pop()
            if d in seen or d == c:
                continue
            seen.add(d)
            out.add((c, RDFS.subClassOf, d))
            stack.extend(direct.get(d, ()))
    return out


def lift_property_shapes(shapes: Graph) -> Graph:
    """The same shapes, with each property shape of a targeted node shape made a top-level shape
    carrying that node shape's targets, instead of being reached through sh:property.

    Same results (SHACL: a property shape reached through sh:property from a node shape validates
    exactly the node shape's focus nodes; its results name the property shape itself), but pySHACL
    then validates each property shape once over all focus nodes, where through sh:property it builds
    the shape's constraint components again for every single focus node (most of the 341 s SHACL
    took on the full O*NET graph). Property shapes shared by several node shapes, and node shapes
    without explicit targets (e.g. reached only through sh:node or logical constraints), stay as they are.
    """
    lifted = Graph()
    for t in shapes:
        lifted.add(t)
    for prefix, ns in shapes.namespaces():
        lifted.bind(prefix, ns, override=False)
    implicit = set(shapes.subjects(RDF.type, RDFS.Class))
    for node_shape, prop in list(shapes.subject_objects(SH.property)):
        targets = [(p, o) for p in TARGET_PREDICATES for o in shapes.objects(node_shape, p)]
        if node_shape in implicit:
            targets.append((SH.targetClass, node_shape))
        if not targets or len(set(shapes.subjects(SH.property, prop))) != 1:
            continue
        if (node_shape, SH.deactivated, Literal(True)) in shapes or any(shapes.objects(prop, SH.targetClass)):
            continue
        lifted.remove((node_shape, SH.property, prop))
        lifted.add((prop, RDF.type, SH.PropertyShape))
        for p, o in targets:
            lifted.add((prop, p, o))
    return lifted


def validate(data: Graph, shapes: Graph | None = None, ontology: Graph | None = None, label: str = "",
             lift: bool = True, fast: bool = True) -> ValidationResult:
    """Validate `data` against `shapes` (default: all shapes), using the ontology's class hierarchy.

    `lift=False` hands pySHACL the shapes exactly as written (see lift_property_shapes: same results, slower);
    `fast=False` lets pySHACL read the graphs through rdflib's own store instead of skillgraph.fastgraph's
    index view (same triples, same results, several times slower on a full release)."""
    shapes = shapes if shapes is not None else load_shapes()
    ontology = ontology if ontology is not None else load_ontology()
    added = [t for t in class_hierarchy(ontology) if t not in data]
    for t in added:
        data.add(t)
    try:
        conforms, report = run_pyshacl(data, lift_property_shapes(shapes) if lift else shapes, fast=fast)
    finally:
        for t in added:
            data.remove(t)
    for prefix, ns in PREFIXES.items():
        report.bind(prefix, ns)
    report.bind("sgsh", SHAPES_NS)
    report.bind("sh", SH)
    violations = _violations(report, shapes)
    return ValidationResult(conforms=bool(conforms), violations=violations, report=report, label=label)


def attach_origins(result: ValidationResult, origins) -> ValidationResult:
    """Say where each result's focus node came from: `origins.get(iri)` -> ['file:line', ...].

    The build keeps a map-back index beside each mapped graph (skillgraph.mappings.base.Origins);
    each result gains `origin` (printed after it) and, in the Turtle report, dcterms:source per place.
    """
    from dataclasses import replace

    from rdflib.namespace import DCTERMS

    if result.report is None or origins is None:
        return result
    where: dict[str, tuple[str, ...]] = {}
    for r in result.report.subjects(RDF.type, SH.ValidationResult):
        focus = result.report.value(r, SH.focusNode)
        places = tuple(origins.get(focus)) if focus is not None else ()
        for place in places:
            result.report.add((r, DCTERMS.source, Literal(place)))
        if places:
            where[_term(result.report, focus) or "?"] = places
    result.violations = [replace(v, origin=where.get(v.focus, ())) for v in result.violations]
    return result
