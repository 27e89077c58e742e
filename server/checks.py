"""What the server decides about a query before any worker runs it, on the parsed query.

The decision (query form, SPARQL Update, SERVICE, nesting) is made on rdflib's SPARQL 1.1 parse
tree, a real grammar: a hand-made tokenizer was bypassed by `?x.SERVICE <...>` and by an escaped
quote (issue 10). A query rdflib cannot parse is refused (fail closed). SPARQL processes codepoint
escapes (`\\u0053ERVICE`) before parsing, so a query holding them is also parsed unescaped, and
refused if either reading calls SERVICE. Nesting too deep for the parser (`{{{{...}}}}`) is a 400
decided here, never a worker's crash. Decisions are cached by the query's hash (bounded LRU):
rdflib's parser is slow (bench/server_check.py: 80-750 ms for the curated queries, often more
than running them), a cache hit takes microseconds; the server parses only after admission
control has found a free worker, so a flood is refused before it costs any parsing. The second
line of defence is the worker's own network namespace (see executor.py).
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

MAX_QUERY_CHARS = 64_000  # a query, not a data upload; also bounds the parser's time per request
CACHE_SIZE = 4096
FORMS = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "AskQuery": "ASK", "DescribeQuery": "DESCRIBE"}
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Verdict:
    """The server's reading of a query: its form, whether it calls SERVICE, or why it is refused (status)."""

    form: str | None = None  # SELECT, CONSTRUCT, ASK, DESCRIBE
    service: bool = False
    dataset: bool = False  # FROM / FROM NAMED: the query names its own dataset (graphs of the store)
    status: int = 200  # 400 malformed / too deep / an update sent as a query; 413 too long
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Whether the query may run."""
        return self.status == 200


def unescape_codepoints(text: str) -> str:
    """SPARQL 1.1 Query 19.2: \\uXXXX and \\UXXXXXXXX are replaced before the grammar applies."""
    def rep(m):
        cp = int(m.group(1) or m.group(2), 16)
        return chr(cp) if cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else m.group(0)
    return _ESCAPE.sub(rep, text)


def _nodes(tree):
    """Every rdflib CompValue in a parse tree (iteratively: the tree may be deep)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack, seen = [tree], set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, CompValue):
            yield x
            stack.extend(x.values())
        elif isinstance(x, (ParseResults, list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())


def _position(e: Exception) -> str:
    """Where the parser stopped (pyparsing reports the start of the construct it could not finish)."""
    line, col = getattr(e, "lineno", None), getattr(e, "col", None)
    if line is None:
        return str(e)
    text = (getattr(e, "line", "") or "").strip()
    return f"error at {line}:{col}: not valid SPARQL 1.1 from here: {text[:80]!r}"


_PARSER_LOCK = threading.Lock()  # pyparsing learns each parse action's arity on its first call, racily


def _parse(text: str) -> Verdict:
    with _PARSER_LOCK:  # pure Python under the GIL anyway: serialising costs no throughput
        return _parse_unlocked(text)


def _parse_unlocked(text: str) -> Verdict:
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseQuery(text)
    except RecursionError:
        return Verdict(status=400, reason="the query is nested too deeply ({ }, ( ) or property paths) "
                                          "for this endpoint; flatten it")
    except Exception as e:  # pyparsing's ParseException, or rdflib's own errors on bad terms
        try:
            parseUpdate(text)
        except Exception:
            return Verdict(status=400, reason=f"malformed query: {_position(e)}")
        return Verdict(status=400, reason="this is a SPARQL Update sent as a query; the endpoint is "
                                          "read-only and runs queries (SELECT, ASK, CONSTRUCT, DESCRIBE) only")
    form, names = None, set()
    for node in _nodes(tree):
        if node.name in FORMS and form is None:
            form = FORMS[node.name]
        names.add(node.name)
    return Verdict(form=form, service="ServiceGraphPattern" in names, dataset="DatasetClause" in names)


def _inspect(text: str) -> Verdict:
    if len(text) > MAX_QUERY_CHARS:
        return Verdict(status=413, reason=f"the query is {len(text)} characters long; this endpoint takes at "
                                          f"most {MAX_QUERY_CHARS}")
    if "\x00" in text:
        return Verdict(status=400, reason="the query holds a NUL character: is it UTF-16 sent as UTF-8?")
    v = _parse(text)
    if v.ok and ("\\u" in text or "\\U" in text):
        u = _parse(unescape_codepoints(text))
        if not u.ok:
            return Verdict(status=400, reason=f"after its \\u escapes are applied (SPARQL 1.1 Query 19.2): {u.reason}")
        if u.service and not v.service:
            return Verdict(form=v.form, service=True, dataset=v.dataset)
    return v


class _Cache:
    def __init__(self, size: int):
        self.size = size
        self._d: OrderedDict[bytes, Verdict] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    def peek(self, text: str) -> Verdict | None:
        key = self.key(text)
        with self._lock:
            v = self._d.get(key)
            if v is not None:
                self._d.move_to_end(key)
                self.hits += 1
            return v

    def get(self, text: str) -> Verdict:
        v = self.peek(text)
        if v is not None:
            return v
        key = self.key(text)
        with self._lock:
            self.misses += 1
        v = _inspect(text)
        with self._lock:
            self._d[key] = v
            while len(self._d) > self.size:
                self._d.popitem(last=False)
        return v


_cache = _Cache(CACHE_SIZE)


def inspect(text: str) -> Verdict:
    """The verdict on a query text (cached by its SHA-256)."""
    return _cache.get(text)


def cached(text: str) -> Verdict | None:
    """The verdict if this text was inspected before (no parsing), else None."""
    return _cache.peek(text)
