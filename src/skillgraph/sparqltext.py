"""A small SPARQL tokenizer for editing curated query text (inlining parameters, reading the projection).

It skips strings (all four quote styles), IRIs and comments, so a variable name inside them is
never touched. It decides nothing about security: the server decides on the parsed query
(skillgraph.server.checks, with rdflib's SPARQL parser).
"""
from __future__ import annotations

import re

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")

TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|$)
               |'(?:[^'\\\n\r]|\\.)*(?:'|$)|"(?:[^"\\\n\r]|\\.)*(?:"|$))
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<word>[?$@]?[A-Za-z0-9_\u00C0-\uFFFF][A-Za-z0-9_\-.\u00B7\u00C0-\uFFFF]*(?::[^\s(){}\[\],;"'<>]*)?
             |:[^\s(){}\[\],;"'<>]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def projection(text: str) -> set[str] | None:
    """The variables the top-level SELECT projects (without `?`); None for `SELECT *` or a non-SELECT query.

    pyoxigraph binds `substitutions=` through the projection (SEP-0007), so a curated SELECT query
    must project every parameter it declares; the loader checks this with the help of this function.
    """
    toks = [(m.lastgroup, m.group()) for m in TOKEN.finditer(text) if m.lastgroup not in ("ws", "comment")]
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
