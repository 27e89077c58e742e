"""Curated SPARQL queries: `queries/<name>.rq` files whose header comments describe them.

The header is the run of `#` comment lines at the top of the file:

    # title: Which ESCO skills support an O*NET task at a level
    # description: One or more sentences; the description may continue
    #   on the following comment lines.
    # param: ?task iri default <https://w3id.org/skillgraph/id/onet/task/2582> — the O*NET task
    # param: ?level (literal) — the level label

A param line names a variable of the query, its type (`iri`, `literal`, `integer`, `decimal` or
`level`, with or without parentheses), an optional default, and a description after a dash. A query stays
a plain, runnable .rq file that other tools can read too. To run it, `CuratedQuery.bind` checks
each value against its declared type (as a pyoxigraph term) and inlines it as a constant (see
`inline`: Oxigraph's `substitutions=` filters only the finished solutions, far too slow on the full
graph); a value is never pasted as raw text, only as a serialised, type-checked term.

A derive line (`# derive: ?key = label-key(?q) — ...`) names a variable whose value `bind` computes
from a parameter's value by a registered derivation (DERIVATIONS) and inlines as a constant too: a
value computed inside the query (BIND) is not pushed into a triple pattern by Oxigraph, so a look-up
keyed on it would scan the whole index. The query keeps the computation as a FILTER, so it gives the
same answers where ?key is not inlined (another tool, `substitutions=`), only slower.

Value syntax (for defaults and for the arguments given over HTTP or the CLI):
  iri      `<https://...>`, a bare absolute IRI, or a prefixed name with a SkillGraph prefix (`sgid:onet/task/2582`)
  literal  plain text (an xsd:string), or N-Triples style `"text"@en` / `"text"^^<datatype-iri>`
  integer  an xsd:integer such as `3`;  decimal: an xsd:decimal such as `0.5`
  level    an IRI (as for `iri`) of a proficiency level: a shared level (sg:Foundational ... sg:Expert), or a
           framework level that sg:mapsToLevel one. Bound as the shared level itself, resolved before the query
           runs (`bind(..., mapped=)` looks the framework level up in the build), so the query holds a constant
           where a `{ BIND(?level AS ?shared) } UNION { ?level sg:mapsToLevel ?shared }` cost seconds a call.
"""

from __future__ import annotations

if __name__ != "skillgraph.queries":  # one import name only: the top-level folder is not a package of its own
    raise ImportError(f"import skillgraph.queries, not {__name__}: this folder is packaged as skillgraph.queries")

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from skillgraph.errors import SourceError
from skillgraph.registry import Registry

__all__ = ["CuratedQuery", "Param", "PARAM_TYPES", "catalog", "get", "load", "parse_value", "queries_dir",
           "shared_level", "shared_levels", "store_levels"]

PARAM_TYPES = ("iri", "literal", "integer", "decimal", "level")
SG = "https://w3id.org/skillgraph/ontology#"
#: what a `level` parameter's framework level maps to in the build: level IRI -> the objects of its sg:mapsToLevel
LevelLookup = Callable[[ox.NamedNode], Iterable[ox.NamedNode]]
XSD = "http://www.w3.org/2001/XMLSchema#"

_KEY = re.compile(r"^#\s*(title|description|param|derive)\s*:\s?(.*)$", re.IGNORECASE)
_DERIVE = re.compile(r"^\?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<fn>[a-z-]+)\(\?(?P<arg>[A-Za-z_][A-Za-z0-9_]*)\)"
                     r"(?:\s+(?:—|–|--|-)\s*(?P<desc>.*))?\s*$")
_PARAM = re.compile(
    r"^\?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+\(?(?P<type>[A-Za-z]+)\)?"
    r"(?:\s+\[?default\s+(?P<default><[^>]*>|\"(?:[^\"\\]|\\.)*\"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?|[^\s\]]+)\]?)?"
    r"(?:\s+(?:—|–|--|-)\s*(?P<desc>.*))?\s*$"
)
_LITERAL = re.compile(r'^"((?:[^"\\]|\\.)*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<([^>]*)>)?$')
_ABS_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


@dataclass(frozen=True)
class Param:
    """One declared parameter of a curated query (from its `# param:` header), checked before the query runs."""
    name: str
    type: str
    default: str | None = None
    description: str = ""

    def to_json(self) -> dict:
        """The parameter as JSON, for the workbench form and /queries."""
        return {"name": self.name, "type": self.type, "default": self.default,
                "required": self.default is None, "description": self.description}


@dataclass(frozen=True)
class CuratedQuery:
    """A curated .rq file with its title, description and parameters, runnable by name."""
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: Path | None = field(default=None, compare=False)
    derived: tuple[tuple[str, str, str], ...] = ()  # (variable, derivation, parameter): see DERIVATIONS

    def to_json(self) -> dict:
        """The query's metadata as JSON, for the workbench and /queries."""
        return {"name": self.name, "title": self.title, "description": self.description,
                "params": [p.to_json() for p in self.params]}

    def bind(self, args: dict[str, str] | None = None, mapped: LevelLookup | None = None) -> str:
        """The query text with its parameters (given, else defaults) inlined: what to run.

        `mapped` looks up what a framework level sg:mapsToLevel in the build (see `store_levels`); without it
        a `level` parameter takes the shared levels only."""
        values = {v.value: t for v, t in self.substitutions(args, mapped).items()}
        for name, fn, arg in self.derived:
            values[name] = DERIVATIONS.get(fn)(values[arg])
        return inline(self.text, values)

    def substitutions(
        self, args: dict[str, str] | None = None, mapped: LevelLookup | None = None
    ) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Typed pyoxigraph terms for the declared params: given values, else defaults; a `level` parameter
        as the shared level it is or maps to (`shared_level`).

        Unknown argument names, missing required params, ill-typed values and a level that is neither a
        shared level nor mapped to one raise ValueError.
        """
        args = {k.lstrip("?$"): v for k, v in (args or {}).items()}
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(args) - set(declared))
        if unknown:
            valid = ", ".join(declared) or "(none)"
            raise ValueError(f"query {self.name!r} has no parameter {', '.join(unknown)}; its parameters are: {valid}")
        subs = {}
        for p in self.params:
            value = args.get(p.name, p.default)
            if value is None:
                raise ValueError(
                    f"query {self.name!r} needs parameter {p.name!r} ({p.type}): {p.description or 'no default'}"
                )
            try:
                term = parse_value(p.type, value)
                if p.type == "level":
                    term = shared_level(term, mapped)
            except ValueError as e:
                raise ValueError(f"query {self.name!r}, parameter {p.name!r}: {e}") from None
            subs[ox.Variable(p.name)] = term
        return subs


def _label_key(term: ox.NamedNode | ox.Literal) -> ox.Literal:
    from skillgraph.views import query_key

    return ox.Literal(query_key(term.value))


# derivations a `# derive:` line can name: a constant computed from a parameter's value when the query is
# bound, because Oxigraph does not push a value computed inside the query (BIND) into a triple pattern
DERIVATIONS: Registry[Callable[[ox.NamedNode | ox.Literal], ox.NamedNode | ox.Literal]] = Registry("derivation")
DERIVATIONS.register("label-key", _label_key)


@lru_cache(maxsize=1)
def shared_levels() -> tuple[ox.NamedNode, ...]:
    """The shared levels of the ontology (the members of sg:ProficiencyScale), lowest rank first."""
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    from skillgraph.ontology import load_ontology

    ont = load_ontology(with_skos=False)
    ranked = [(int(ont.value(lv, URIRef(SG + "rank"))), str(lv))
              for lv in ont.subjects(SKOS.inScheme, URIRef(SG + "ProficiencyScale"))
              if ont.value(lv, URIRef(SG + "rank")) is not None]
    return tuple(ox.NamedNode(iri) for _, iri in sorted(ranked))


def shared_level(term: ox.NamedNode | ox.Literal, mapped: LevelLookup | None = None) -> ox.NamedNode:
    """The shared level a `level` value names: itself when it is one, else the one shared level it
    sg:mapsToLevel in the build (`mapped`); anything else is a ValueError naming the valid levels."""
    shared = shared_levels()
    if term in shared:
        return term  # type: ignore[return-value]
    targets = {t for t in (mapped(term) if mapped is not None and isinstance(term, ox.NamedNode) else ())
               if t in shared}
    if len(targets) == 1:
        return targets.pop()
    valid = ", ".join("sg:" + lv.value[len(SG):] for lv in shared)
    why = (f"maps to several shared levels ({', '.join(sorted(t.value for t in targets))})" if targets
           else "is neither a shared level nor a framework level that sg:mapsToLevel one in this build")
    raise ValueError(f"{term} {why}; valid levels: {valid}, or a framework level with sg:mapsToLevel")


def store_levels(store: ox.Store) -> LevelLookup:
    """A `mapped` look-up on a build's store: the objects of `level sg:mapsToLevel ?` in any graph (one index read)."""
    maps = ox.NamedNode(SG + "mapsToLevel")

    def mapped(level: ox.NamedNode) -> list[ox.NamedNode]:
        return [q.object for q in store.quads_for_pattern(level, maps, None, None)
                if isinstance(q.object, ox.NamedNode)]

    return mapped


def inline(text: str, values: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with each parameter written as a constant throughout its WHERE clause.

    Oxigraph applies `substitutions=` as a filter on the finished solutions, so a query whose
    parameter should select a few rows still computes them all (occupation_profile on the full
    O*NET graph: 469 s substituted, 3 s inlined). Inlining gives the optimiser the constant; a
    BIND at the end of the WHERE group keeps the parameter in the projection and solution
    modifiers. Strings, IRIs and comments are skipped by the tokenizer, so only the variable
    itself is replaced.
    """
    from skillgraph.sparqltext import TOKEN

    tokens = list(TOKEN.finditer(text))
    opens = [i for i, t in enumerate(tokens) if t.lastgroup == "other" and t.group() == "{"]
    if not opens or not values:
        return text
    depth, close = 0, None
    for i in range(opens[0], len(tokens)):
        tok = tokens[i]
        if tok.lastgroup == "other" and tok.group() in "{}":
            depth += 1 if tok.group() == "{" else -1
            if depth == 0:
                close = i
                break
    if close is None:
        return text
    names = {f"{sigil}{name}": term for name, term in values.items() for sigil in "?$"}
    out = []
    for i, tok in enumerate(tokens):
        if i == close:
            out.append("".join(f" BIND({term} AS ?{name})" for name, term in values.items()) + "\n")
        if opens[0] < i < close and tok.lastgroup == "word" and tok.group() in names:
            out.append(str(names[tok.group()]))
        else:
            out.append(tok.group())
    return "".join(out)


def parse_value(kind: str, value: str) -> ox.NamedNode | ox.Literal:
    """One parameter value as a pyoxigraph term of the declared type (see the module docstring)."""
    from skillgraph.ontology import PREFIXES

    v = value.strip()
    if kind in ("iri", "level"):
        if v.startswith("<") and v.endswith(">"):
            v = v[1:-1]
        elif ":" in v and v.split(":", 1)[0] in PREFIXES:
            v = PREFIXES[v.split(":", 1)[0]] + v.split(":", 1)[1]
        if not _ABS_IRI.match(v):
            raise ValueError(f"{value!r} is not an absolute IRI")
        try:
            return ox.NamedNode(v)
        except ValueError as e:
            raise ValueError(f"{value!r} is not a valid IRI: {e}") from None
    if kind == "literal":
        m = _LITERAL.match(v)
        if not m:
            return ox.Literal(value)
        text = re.sub(r"\\(.)", lambda x: {"n": "\n", "t": "\t", "r": "\r"}.get(x.group(1), x.group(1)), m.group(1))
        if m.group(2):
            return ox.Literal(text, language=m.group(2).lower())
        if m.group(3):
            return ox.Literal(text, datatype=ox.NamedNode(m.group(3)))
        return ox.Literal(text)
    if kind == "integer":
        if not _INTEGER.match(v):
            raise ValueError(f"{value!r} is not an integer")
        return ox.Literal(str(int(v)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "decimal":
        try:
            d = Decimal(v)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
        if not d.is_finite() or "e" in v.lower():
            raise ValueError(f"{value!r} is not a decimal number (write it without an exponent)")
        return ox.Literal(v.lstrip("+"), datatype=ox.NamedNode(XSD + "decimal"))
    raise ValueError(f"unknown parameter type {kind!r}; valid types are: {', '.join(PARAM_TYPES)}")


def load(path: str | Path, name: str | None = None) -> CuratedQuery:
    """Read one .rq file and its header; a malformed header raises SourceError (file, line, problem)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise SourceError(path, f"not UTF-8 text: {e}") from None
    title = None
    desc: list[str] = []
    params: list[Param] = []
    derived: list[tuple[str, str, str]] = []
    seen: dict[str, int] = {}
    last = None
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s:
            last = None
            continue
        if not s.startswith("#"):
            break
        m = _KEY.match(s)
        if m:
            key, rest = m.group(1).lower(), m.group(2).strip()
            if key == "title":
                if title is not None:
                    raise SourceError(path, "a second '# title:' line", line=lineno)
                title, last = rest, "title"
            elif key == "description":
                desc, last = [rest], "description"
            elif key == "derive":
                derived.append(_derivation(path, lineno, rest, seen))
                last = None
            else:
                pm = _PARAM.match(rest)
                if not pm:
                    raise SourceError(path, "malformed '# param:' line; expected "
                                      "'# param: ?name (iri|literal|integer|decimal|level) [default <value>] "
                                      "— description'",
                                      line=lineno)
                kind = pm.group("type").lower()
                if kind not in PARAM_TYPES:
                    raise SourceError(
                        path, f"unknown parameter type {kind!r}; valid types are: {', '.join(PARAM_TYPES)}", line=lineno
                    )
                pname = pm.group("name")
                if pname in seen:
                    raise SourceError(
                        path, f"parameter ?{pname} declared twice (first on line {seen[pname]})", line=lineno
                    )
                seen[pname] = lineno
                default = pm.group("default")
                if default is not None:
                    try:
                        parse_value(kind, default)
                    except ValueError as e:
                        raise SourceError(path, f"default of ?{pname}: {e}", line=lineno) from None
                params.append(Param(pname, kind, default, (pm.group("desc") or "").strip()))
                last = ("param", len(params) - 1)
        elif last == "description":
            desc.append(s.lstrip("#").strip())
        elif isinstance(last, tuple):  # a param description continued on the next comment line
            i = last[1]
            p = params[i]
            params[i] = Param(p.name, p.type, p.default, (p.description + " " + s.lstrip("#").strip()).strip())
        elif last == "title":
            title = (title + " " + s.lstrip("#").strip()).strip()
    if not title:
        raise SourceError(path, "no '# title:' line in the header comments", line=1)
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for p in params:
        if not re.search(r"[?$]" + re.escape(p.name) + r"\b", body):
            raise SourceError(path, f"parameter ?{p.name} is declared but not used in the query", line=seen[p.name])
    from skillgraph.sparqltext import projection

    projected = projection(text)
    if projected is not None:
        for p in params:
            if p.name not in projected:
                raise SourceError(path, f"parameter ?{p.name} is not in the SELECT projection; pyoxigraph binds "
                                  f"parameters through the projection (SEP-0007 substitution): add ?{p.name} "
                                  "to the SELECT clause (and to GROUP BY if the query aggregates)", line=seen[p.name])
    return CuratedQuery(name or path.stem, title, " ".join(d for d in desc if d), tuple(params), text, path,
                        tuple(derived))


def _derivation(path: Path, lineno: int, rest: str, params: dict[str, int]) -> tuple[str, str, str]:
    """A `# derive: ?var = derivation(?param) — description` line, checked against the params declared above it."""
    m = _DERIVE.match(rest)
    if not m:
        raise SourceError(path, "malformed '# derive:' line; expected '# derive: ?name = derivation(?param) — "
                          "description'", line=lineno)
    if m.group("fn") not in DERIVATIONS:
        raise SourceError(path, f"unknown derivation {m.group('fn')!r}; valid derivations are: "
                          f"{', '.join(sorted(DERIVATIONS))}", line=lineno)
    if m.group("arg") not in params:
        raise SourceError(path, f"derivation of ?{m.group('name')} reads ?{m.group('arg')}, which no '# param:' line "
                          "above it declares", line=lineno)
    if m.group("name") in params:
        raise SourceError(path, f"?{m.group('name')} is a parameter; a derived variable needs a name of its own",
                          line=lineno)
    return m.group("name"), m.group("fn"), m.group("arg")


def queries_dir() -> Path:
    """The folder of the packaged curated queries, wherever the package is installed."""
    return Path(str(resources.files(__name__)))


def catalog(directory: str | Path | None = None) -> dict[str, CuratedQuery]:
    """Every curated query in `directory` (default: this package), by name (the file stem)."""
    d = Path(directory) if directory is not None else queries_dir()
    return {p.stem: load(p) for p in sorted(d.glob("*.rq"))}


def get(name: str, directory: str | Path | None = None) -> CuratedQuery:
    """One curated query by name; an unknown name raises ValueError listing the valid ones."""
    cat = catalog(directory)
    try:
        return cat[name]
    except KeyError:
        raise ValueError(
            f"unknown curated query {name!r}; valid names are: {', '.join(sorted(cat)) or '(none)'}"
        ) from None
