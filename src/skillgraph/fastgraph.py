"""A read-only view of an in-memory rdflib graph that answers triple patterns from its indexes directly.

pySHACL asks the data graph for a few triples per focus node and shape (value nodes, types, targets),
millions of times on a full release. rdflib's Memory store answers each pattern through generators that
work out every matching triple's contexts; on the full crosswalk that bookkeeping, not the lookups, was
most of SHACL's time (~50 µs a triple matched). The view reads the same spo/pos/osp dictionaries the
store keeps, without contexts, so pySHACL runs its own algorithm unchanged, on the same triples, faster.

It is used only when the graph is a plain rdflib Graph on a Memory store whose indexes hold exactly that
graph's triples (one context, same count); anything else is validated as it is (`fast_view` returns None).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.stores.memory import Memory
from rdflib.store import Store

_NO_CONTEXTS: tuple = ()
SH_INVERSE, SH_ALTERNATIVE = SH.inversePath, SH.alternativePath
TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


class IndexView(Store):
    """Triples of a Memory store, read through its own indexes; writes go to the store (pySHACL's
    inplace mode may add triples), so the view always shows what the graph holds."""

    # pySHACL wraps the data graph in an rdflib Dataset, which requires both; the view has one graph
    context_aware = True
    formula_aware = False
    graph_aware = True
    transaction_aware = False

    def __init__(self, graph: Graph, indexes: tuple[dict, dict, dict]) -> None:
        super().__init__()
        self.graph = graph
        self.spo, self.pos, self.osp = indexes

    def add(self, triple, context, quoted: bool = False) -> None:
        """Add to the graph itself (its indexes are the view's)."""
        self.graph.add(triple)

    def remove(self, triple, context=None) -> None:
        """Remove from the graph itself."""
        self.graph.remove(triple)

    def __len__(self, context=None) -> int:
        return len(self.graph)

    def bind(self, prefix, namespace, override: bool = True) -> None:
        """Bind in the graph's own store."""
        self.graph.store.bind(prefix, namespace, override=override)

    def namespace(self, prefix):
        """The graph's namespace for a prefix."""
        return self.graph.store.namespace(prefix)

    def prefix(self, namespace):
        """The graph's prefix for a namespace."""
        return self.graph.store.prefix(namespace)

    def namespaces(self):
        """The graph's namespace bindings."""
        return self.graph.store.namespaces()

    def contexts(self, triple=None):
        """No named contexts: the view is one graph."""
        return iter(())

    def add_graph(self, graph) -> None:
        """Nothing to do: the view is one graph (rdflib's Dataset calls this)."""
        pass

    def remove_graph(self, graph) -> None:
        """Refused: the view is one graph."""
        raise TypeError("a read-only view of one graph")

    def triples(self, triple_pattern, context=None) -> Iterator[tuple[tuple[Any, Any, Any], Any]]:  # type: ignore[override]
        """The triples matching a pattern, from the spo/pos/osp index that fits it, with no contexts."""
        s, p, o = triple_pattern
        if s is not None:
            po = self.spo.get(s, {})
            for p2 in ([p] if p is not None else list(po)):
                objects = po.get(p2, {})
                if o is None:
                    for o2 in list(objects):
                        yield (s, p2, o2), _NO_CONTEXTS
                elif o in objects:
                    yield (s, p2, o), _NO_CONTEXTS
            return
        if p is not None:
            os_ = self.pos.get(p)
            if os_ is None:
                return
            if o is not None:
                for s2 in list(os_.get(o, ())):
                    yield (s2, p, o), _NO_CONTEXTS
                return
            for o2, subjects in list(os_.items()):
                for s2 in list(subjects):
                    yield (s2, p, o2), _NO_CONTEXTS
            return
        if o is not None:
            for s2, ps in list(self.osp.get(o, {}).items()):
                for p2 in list(ps):
                    yield (s2, p2, o), _NO_CONTEXTS
            return
        for s2, po in list(self.spo.items()):
            for p2, objects in list(po.items()):
                for o2 in list(objects):
                    yield (s2, p2, o2), _NO_CONTEXTS


def indexes(graph: Graph) -> tuple[dict, dict, dict] | None:
    """The (spo, pos, osp) dictionaries of `graph`'s Memory store when they hold exactly `graph`'s
    triples, else None (not a plain Graph on rdflib's Memory store, several contexts in the store, or
    indexes that do not count the same triples)."""
    store = graph.store
    if type(graph) is not Graph or type(store) is not Memory:
        return None
    spo, pos, osp = (getattr(store, f"_Memory__{n}", None) for n in ("spo", "pos", "osp"))
    contexts = getattr(store, "_Memory__all_contexts", None)
    if not (isinstance(spo, dict) and isinstance(pos, dict) and isinstance(osp, dict)):
        return None
    if not isinstance(contexts, set) or len(contexts) > 1:
        return None
    if sum(len(objects) for po in spo.values() for objects in po.values()) != len(graph):
        return None
    return spo, pos, osp


def release(graph: Graph) -> bool:
    """Empty `graph`'s Memory store at once (its constructor's fresh indexes), so that reference counting
    frees its triples and terms; True when it did. The build lets each mapped graph go once it is in the
    Oxigraph store. A Graph and its Memory store refer to each other, so without this only a collection
    frees them, and the build's mapped objects are frozen out of the collector's reach (build.gc_paused):
    thawing and collecting after O*NET's graph took 14 s on the full releases, freeing it this way 2.9 s,
    to the same memory. Any other store is left as it is (False)."""
    store = graph.store
    if type(store) is not Memory:
        return False
    store.__init__(identifier=store.identifier)  # type: ignore[misc]
    return True


def adder(graph: Graph) -> Callable[[Any], object]:
    """A function adding one triple to `graph`: into its Memory store's indexes and context sets directly,
    when `graph` is a plain Graph whose store holds no other graph's triples, else `graph.add`. For a graph
    that alone uses its store while the adder is in use (the crosswalk's own new graph): a triple another
    graph of the same store added meanwhile would not be recorded in this one.

    Memory.add works out the triple's contexts and dispatches an event for every triple; the crosswalk
    writes 2.5 M triples into a fresh graph of its own, where that bookkeeping is always the same: the
    triple is in the graph's context and the default one, as `add` would record it (tested against it)."""
    store = graph.store
    names = ("spo", "pos", "osp", "contextTriples", "all_contexts")
    found: list[Any] = [getattr(store, f"_Memory__{n}", None) for n in names]
    if type(graph) is not Graph or type(store) is not Memory or any(x is None for x in found):
        return graph.add
    spo, pos, osp, context_triples, all_contexts = found
    if all_contexts - {graph}:
        return graph.add
    ctx = store._Memory__ctx_to_str(graph)  # type: ignore[attr-defined]
    usual = {ctx: False, None: False}  # what Memory.add records for a triple of this graph, not quoted
    if store._Memory__defaultContexts is None and not spo:  # type: ignore[attr-defined]
        store._Memory__defaultContexts = usual  # type: ignore[attr-defined]  # as the first add would set it
    if store._Memory__defaultContexts != usual or store._Memory__tripleContexts:  # type: ignore[attr-defined]
        return graph.add
    every, mine = context_triples[None], context_triples.setdefault(ctx, set())
    all_contexts.add(graph)

    def add(triple: tuple) -> None:
        s, p, o = triple
        po = spo.get(s)
        if po is None:
            po = spo[s] = {}
        objects = po.get(p)
        if objects is None:
            objects = po[p] = {}
        if o in objects:
            return
        objects[o] = 1
        os_ = pos.get(p)
        if os_ is None:
            os_ = pos[p] = {}
        subjects = os_.get(o)
        if subjects is None:
            subjects = os_[o] = {}
        subjects[s] = 1
        sp = osp.get(o)
        if sp is None:
            sp = osp[o] = {}
        predicates = sp.get(s)
        if predicates is None:
            predicates = sp[s] = {}
        predicates[p] = 1
        every.add(triple)
        mine.add(triple)

    return add


def subject_index(graph: Graph) -> dict | None:
    """subject -> predicate -> objects of `graph`, read-only, when `indexes` can give it, else None."""
    found = indexes(graph)
    return found[0] if found is not None else None


def fast_view(graph: Graph) -> Graph | None:
    """A Graph reading `graph`'s triples through IndexView, or None when that would not be exactly
    `graph` (see `indexes`)."""
    found = indexes(graph)
    if found is None:
        return None
    return Graph(store=IndexView(graph, found), identifier=graph.identifier,
                 namespace_manager=graph.namespace_manager)


def compile_path(shapes: Graph, path) -> tuple | None:
    """A SHACL property path as a small tree IndexView can walk: ("p", iri), ("i", iri) for an inverse
    IRI, ("seq", parts), ("alt", parts); None for what it does not handle (zero-or-more paths...)."""
    if isinstance(path, URIRef):
        return ("p", path)
    if not isinstance(path, BNode):
        return None
    if shapes.value(path, RDF.first) is not None:
        parts = [compile_path(shapes, x) for x in shapes.items(path)]
        return ("seq", parts) if len(parts) >= 2 and None not in parts else None
    preds = set(shapes.predicates(path))
    if preds == {SH_INVERSE}:
        inv = shapes.value(path, SH_INVERSE)
        return ("i", inv) if isinstance(inv, URIRef) else None
    if preds == {SH_ALTERNATIVE}:
        alt = shapes.value(path, SH_ALTERNATIVE)
        parts = [compile_path(shapes, x) for x in shapes.items(alt)] if alt is not None else []
        return ("alt", parts) if len(parts) >= 2 and None not in parts else None
    return None


def walk(view: IndexView, path: tuple, node) -> set:
    """The nodes `path` reaches from `node` (SHACL property path semantics), from the indexes."""
    kind, arg = path
    if kind == "p":
        return set(view.spo.get(node, {}).get(arg, ()))
    if kind == "i":
        return set(view.pos.get(arg, {}).get(node, ()))
    if kind == "alt":
        out: set = set()
        for part in arg:
            out |= walk(view, part, node)
        return out
    current = {node}
    for part in arg:
        nxt: set = set()
        for n in current:
            nxt |= walk(view, part, n)
        current = nxt
    return current


def speed_up_shapes(shapes: Iterable, view_graph: Graph) -> int:
    """Make pySHACL's shapes find their focus and value nodes faster over view_graph, with the same results:

    - a property shape whose path compile_path handles walks the view's indexes for its value nodes
      (pySHACL re-reads the path from the shapes graph and asks rdflib for every focus node);
    - shapes with the same targets share one evaluation of them: validation.lift_property_shapes gives
      each property shape its node shape's targets, and pySHACL would parse and run a SPARQL target
      again for each of them.

    Any other data graph still goes through pySHACL's own lookups. Returns how many shapes were changed."""
    from pyshacl.shape import Shape

    view = view_graph.store
    assert isinstance(view, IndexView)
    paths: dict = {}
    targets: dict = {}
    found: dict = {}

    def ours(target_graph) -> bool:
        return getattr(target_graph, "impl", None) is view_graph

    class IndexedShape(Shape):  # pySHACL's Shape has __slots__: the lookups are methods of a subclass
        __slots__ = ()

        def value_nodes(self, target_graph, focus, sparql_mode=False, debug=False):
            path = paths.get(self.node)
            if path is None or sparql_mode or not ours(target_graph):
                return super().value_nodes(target_graph, focus, sparql_mode=sparql_mode, debug=debug)
            if not isinstance(focus, (tuple, list, set)):
                focus = [focus]
            return {f: walk(view, path, f) for f in focus}

        def focus_nodes(self, data_graph, debug=False):
            key = targets.get(self.node)
            if key is None or not ours(data_graph):
                return super().focus_nodes(data_graph, debug=debug)
            if key not in found:
                found[key] = super().focus_nodes(data_graph, debug=debug)
            return set(found[key])

    for shape in shapes:
        if type(shape) is not Shape:
            continue
        sg_graph = shape.sg.graph
        own = frozenset((p, o) for p in TARGET_PREDICATES for o in sg_graph.objects(shape.node, p))
        implicit = (shape.node, RDF.type, RDFS.Class) in sg_graph
        targets[shape.node] = (own, shape.node if implicit else None)  # all a shape's focus nodes depend on
        if shape.is_property_shape:
            path = compile_path(sg_graph, shape.path())
            if path is not None:
                paths[shape.node] = path
        shape.__class__ = IndexedShape
    return len(targets)


def parse_once(graph: Graph) -> None:
    """Make `graph.query` parse each SPARQL text once. pySHACL runs a SPARQL constraint once per focus node
    with the same text (the focus node is bound as $this, not written in), and rdflib parses a text on every
    call: on Nesta's 1,780 alignments parsing was 26 of the 28 s its SHACL took. The parsed query is what
    rdflib would have built from the text each time (`prepareQuery`); only a text given as a string, with
    no base IRI, is cached."""
    from rdflib.plugins.sparql import prepareQuery

    parsed: dict[tuple, Any] = {}
    query = graph.query

    def cached(query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803 (rdflib's names)
               initBindings=None, use_store_provided=True, **kwargs):
        if isinstance(query_object, str) and processor == "sparql" and "base" not in kwargs:
            key = (query_object, tuple(sorted((initNs or {}).items())))
            if key not in parsed:
                parsed[key] = prepareQuery(query_object, initNs=dict(initNs or {}))
            query_object = parsed[key]
        return query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)

    graph.query = cached  # type: ignore[method-assign]


def run_pyshacl(data: Graph, shapes: Graph, fast: bool = True) -> tuple[bool, Graph]:
    """pySHACL over `data` with `shapes` (SHACL-AF on, no inference, warnings allowed, in place), as
    pyshacl.validate would run it; with `fast`, over IndexView and with speed_up_shapes where the graphs
    allow it. Returns (conforms, report graph)."""
    import pyshacl
    from pyshacl.entrypoints import apply_patches, assign_baked_in
    from pyshacl.graph_abstraction import DataGraph

    view = fast_view(data) if fast else None
    shapes_view = fast_view(shapes) if fast else None
    options: dict[str, Any] = {"inference": "none", "inplace": True, "abort_on_first": False, "allow_warnings": True,
               "advanced": True}
    if view is None:
        conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, meta_shacl=False, **options)
        return bool(conforms), report
    apply_patches()  # what pyshacl.validate does first
    assign_baked_in()
    parse_once(view)
    validator = pyshacl.Validator(DataGraph.from_rdflib(view), shacl_graph=shapes_view or shapes, options=options)
    speed_up_shapes(validator.shacl_graph.shapes, view)
    conforms, report, _text = validator.run()
    return bool(conforms), report
