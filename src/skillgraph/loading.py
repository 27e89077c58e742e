"""An rdflib graph into a named graph of the Oxigraph store, as N-Triples text in chunks.

Converting each triple to pyoxigraph terms and calling `bulk_extend` ran at ~35 k triples/s (O*NET's
3.07 M triples: 92 s); writing N-Triples text and handing it to Oxigraph's own parser (`bulk_load`),
which runs outside Python's GIL, lets the text of one chunk be written while the one before is parsed
and stored (38 s for the same graph). The text is read from the Memory store's subject index when the
graph is a plain one (each subject written once per chunk, no per-triple context bookkeeping), else
from iterating the graph.

In chunks of CHUNK triples: Oxigraph's bulk loader holds what one call gives it in memory before it
writes; one call with O*NET's graph added 1.5 GB to the build's peak. Measured on O*NET's graph alone
(2026-12-02): chunks of 250,000 added 399 MB over what the process held and took 30.1 s, chunks of
100,000 added 80 MB in 25.5 s (50,000: 60 MB, 24.5 s, but each call leaves its own files to compact).
At most two chunks exist at a time: the one being stored and the one being written.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol, cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from skillgraph.fastgraph import subject_index

CHUNK = 100_000  # triples per bulk_load call


def _literal(term: Literal) -> str:
    """A literal in N-Triples: its text escaped (rdflib's n3() writes Turtle, long strings in triple quotes)."""
    text = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.language:
        return f'"{text}"@{term.language}'
    if term.datatype is not None:
        return f'"{text}"^^<{term.datatype}>'
    return f'"{text}"'


def _nt(term) -> str:
    """One term in N-Triples."""
    if isinstance(term, URIRef):  # rdflib's namespace terms are subclasses
        return f"<{term}>"
    if isinstance(term, Literal):
        return _literal(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TypeError(f"not an RDF term in a triple: {term!r}")


def _groups(g: Graph, blank: list | None, keep: frozenset[str] = frozenset(),
            kept: list[str] | None = None) -> Iterator[list[str]]:
    """The N-Triples lines of `g`, a subject's at a time from the subject index when there is one, else one
    triple at a time; a triple with a blank node goes to `blank` instead (when given). The lines whose
    predicate (as N-Triples) is in `keep` are also added to `kept`."""
    spo = subject_index(g)
    if spo is None:
        for s, p, o in g:
            if blank is not None and (isinstance(s, BNode) or isinstance(o, BNode)):
                blank.append((s, p, o))
            else:
                pn = _nt(p)
                line = f"{_nt(s)} {pn} {_nt(o)} .\n"
                if pn in keep and kept is not None:
                    kept.append(line)
                yield [line]
        return
    for s, po in spo.items():
        if blank is not None and isinstance(s, BNode):
            blank.extend((s, p, o) for p, objects in po.items() for o in objects)
            continue
        sn, lines = _nt(s), cast(list[str], [])
        for p, objects in po.items():
            pn = _nt(p)
            head, start = f"{sn} {pn} ", len(lines)
            for o in objects:
                if blank is not None and isinstance(o, BNode):
                    blank.append((s, p, o))
                else:
                    lines.append(f"{head}{_nt(o)} .\n")
            if pn in keep and kept is not None:
                kept.extend(lines[start:])
        yield lines


def nt_chunks(g: Graph, size: int = CHUNK, blank: list | None = None, keep: frozenset[str] = frozenset(),
              kept: list[str] | None = None) -> Iterator[tuple[bytes, int]]:
    """(N-Triples text, its number of triples) for about `size` triples at a time, every triple once.

    A triple with a blank node goes to `blank` instead (when given): Oxigraph's bulk loader renames the
    blank nodes of each call apart, so a node named in two chunks would become two nodes. Lines whose
    predicate is in `keep` are also added to `kept` (see `load`)."""
    lines: list[str] = []
    for group in _groups(g, blank, keep, kept):
        lines += group
        if len(lines) >= size:
            yield "".join(lines).encode("utf-8"), len(lines)
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8"), len(lines)


class Tap(Protocol):
    """Where `load` writes aside the lines of some predicates (skillgraph.closure.Capture's files)."""
    predicates: frozenset[str]

    def write(self, text: str) -> None:
        """Take N-Triples lines."""


def load(st: ox.Store, g: Graph, target: ox.NamedNode, size: int = CHUNK,
         done: Callable[[int], None] = lambda n: None, tap: Tap | None = None) -> int:
    """Add `g`'s triples to `st` in graph `target`; returns how many were written. `done(n)` after each chunk.
    `tap`: the lines of the triples whose predicate is in `tap.predicates` are also written to it (the rules
    read them there instead of reading them back from the store).

    Triples with blank nodes (a few: none in most source graphs) are added as pyoxigraph terms, which keep
    the blank nodes' names. A chunk Oxigraph cannot parse (an IRI rdflib accepted but N-Triples does not)
    raises its SyntaxError naming the graph; chunks stored before it stay in the store, which the build
    then discards."""
    from skillgraph.reasoning import cached, rdflib_to_ox

    blank: list = []
    keep = tap.predicates if tap is not None else frozenset()
    kept: list[str] = []

    def chunks() -> Iterator[tuple[bytes, int]]:
        for chunk in nt_chunks(g, size, blank, keep, kept):
            if tap is not None and kept:
                tap.write("".join(kept))
                kept.clear()
            yield chunk

    written = pipeline(st, chunks(), target, done)
    if blank:
        ox_term = cached(rdflib_to_ox)
        quads = [ox.Quad(ox_term(s), ox_term(p), ox_term(o), target) for s, p, o in blank]
        st.extend(quads)
        if tap is not None:
            tap.write("".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads
                              if str(q.predicate) in keep))
        written += len(blank)
        done(len(blank))
    return written


def pipeline(st: ox.Store, chunks: Iterable[tuple[bytes, int]], target: ox.NamedNode,
             done: Callable[[int], None] = lambda n: None) -> int:
    """Each chunk's text parsed and stored by Oxigraph in a second thread while the next one is written."""
    written = 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: tuple[Future, int] | None = None
        for text, n in chunks:
            if pending is not None:
                _finish(pending[0], target)
                done(pending[1])
            pending = (pool.submit(st.bulk_load, text, ox.RdfFormat.N_TRIPLES, to_graph=target), n)
            written += n
        if pending is not None:
            _finish(pending[0], target)
            done(pending[1])
    return written


def extend(st: ox.Store, quads: Iterable[ox.Quad], size: int = CHUNK) -> int:
    """Add pyoxigraph quads through the bulk loader `size` at a time (it holds each call's quads in memory:
    3 M in one call, 1.5 GB); returns how many were given."""
    it, n = iter(quads), 0
    while chunk := list(itertools.islice(it, size)):
        st.bulk_extend(chunk)
        n += len(chunk)
    return n


def _finish(f: Future, target: ox.NamedNode) -> None:
    try:
        f.result()
    except SyntaxError as e:
        raise SyntaxError(f"graph <{target.value}> could not be stored: {e}") from e
