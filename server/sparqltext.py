"""A small SPARQL tokenizer: enough to tell the query form and to spot SERVICE and update keywords.

It skips strings (all four quote styles), IRIs and comments, so `"SERVICE"`, `<http://x/service>`
and `# SERVICE` are not mistaken for the keyword; prefixed names (`ex:service`) and variables
(`?service`) are single tokens that never equal a keyword. The real parser (Oxigraph's) still
has the last word on validity; this only decides what the server refuses before running a query.
"""
from __future__ import annotations

import re

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|$)
               |'(?:[^'\\\n\r]|\\.)*(?:'|$)|"(?:[^"\\\n\r]|\\.)*(?:"|$))
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<word>[?$@]?[A-Za-z0-9_\u00C0-\uFFFF][A-Za-z0-9_\-.\u00B7\u00C0-\uFFFF]*(?::[^\s(){}\[\],;"'<>]*)?|:[^\s(){}\[\],;"'<>]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def keywords(text: str) -> list[str]:
    """The bare words of a query (upper-cased), outside strings, IRIs and comments, in order."""
    out = []
    for m in _TOKEN.finditer(text):
        if m.lastgroup == "word":
            w = m.group()
            if w[0] not in "?$@" and ":" not in w:
                out.append(w.upper())
    return out


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK; an update keyword (INSERT, ...) if the text is an update; None if unknown."""
    for w in keywords(text):
        if w in QUERY_FORMS or w in UPDATE_KEYWORDS:
            return w
    return None


def uses_service(text: str) -> bool:
    """True if the query has a SERVICE clause (a federated call the server refuses unless allowed)."""
    return "SERVICE" in keywords(text)


def projection(text: str) -> set[str] | None:
    """The variables the top-level SELECT projects (without `?`); None for `SELECT *` or a non-SELECT query.

    pyoxigraph binds `substitutions=` through the projection (SEP-0007), so a curated SELECT query
    must project every parameter it declares; the loader checks this with the help of this function.
    """
    toks = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup not in ("ws", "comment")]
    start = None
    for i, (kind, val) in enumerate(toks):
        if kind == "word" and val.upper() in QUERY_FORMS + UPDATE_KEYWORDS:
            if val.upper() == "SELECT":
                start = i + 1
            break
    if start is None:
        return None
    out: set[str] = set()
    depth = 0
    prev = ""
    for kind, val in toks[start:]:
        up = val.upper()
        if depth == 0 and (val == "{" or (kind == "word" and up in ("WHERE", "FROM"))):
            break
        if val == "*" and depth == 0:
            return None
        if val == "(":
            depth += 1
        elif val == ")":
            depth -= 1
        elif kind == "word" and val[0] in "?$" and (depth == 0 or prev == "AS"):
            out.add(val[1:])
        prev = up
    return out
