"""What the endpoint says about itself: the SPARQL 1.1 Service Description and the HTML home page.

Both are built from the current build: its named graphs, the triple counts of build.json, and
the provenance description each source graph carries about itself (`<graph> a sg:SourceGraph;
dcterms:license ...; sg:creditLine ...; schema:version ...`), copied as it is in the store.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

import pyoxigraph as ox

from skillgraph.ontology import DCTERMS, RDFS, SCHEMA, SERIALIZATION_PREFIXES, SG

from .formats import FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _nn(x) -> ox.NamedNode:
    return ox.NamedNode(str(x))


@dataclass
class GraphInfo:
    """What the service knows about one named graph (size, description) for pages and VoID."""
    iri: str
    triples: int | None = None
    description: list[ox.Triple] = field(default_factory=list)

    def first(self, prop) -> str | None:
        """The first value of a property in the graph's description, if any."""
        p = str(prop)
        vals = [t.object for t in self.description if t.subject.value == self.iri and t.predicate.value == p]
        en = [v for v in vals if isinstance(v, ox.Literal) and v.language in ("en", None)]
        v = (en or vals or [None])[0]
        return None if v is None else v.value

    @property
    def name(self) -> str:
        """The graph's short name, the last segment of its IRI."""
        return self.iri.rsplit("/", 1)[-1]

    @property
    def title(self) -> str:
        """A human title for the graph: its title, label or short name."""
        return self.first(DCTERMS.title) or self.first(RDFS.label) or self.name


def graph_infos(st: ox.Store, counts: dict[str, int] | None = None) -> list[GraphInfo]:
    """Each named graph with its self-description (and blank nodes it points to, one level deep)."""
    counts = counts or {}
    out = []
    for g in sorted(st.named_graphs(), key=lambda n: str(n)):
        if not isinstance(g, ox.NamedNode):
            continue
        desc = []
        for q in st.quads_for_pattern(g, None, None, g):
            desc.append(ox.Triple(q.subject, q.predicate, q.object))
            if isinstance(q.object, ox.BlankNode):
                desc.extend(ox.Triple(b.subject, b.predicate, b.object)
                            for b in st.quads_for_pattern(q.object, None, None, g))
        key = g.value.rsplit("/", 1)[-1]
        out.append(GraphInfo(g.value, counts.get(key), desc))
    return out


def service_description(endpoint: str, graphs: list[GraphInfo], allow_service: bool) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of the endpoint, as triples."""
    svc = ox.NamedNode(endpoint)
    def sd(local):
        return ox.NamedNode(SD + local)
    t = [
        ox.Triple(svc, RDF_TYPE, sd("Service")),
        ox.Triple(svc, sd("endpoint"), svc),
        ox.Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(svc, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(svc, _nn(DCTERMS.title), ox.Literal("SkillGraph SPARQL endpoint", language="en")),
        ox.Triple(svc, _nn(DCTERMS.description), ox.Literal(
            "Read-only SPARQL 1.1 query service over the SkillGraph competency knowledge graph; without "
            "default-graph-uri the default graph is the union of all named graphs.", language="en")),
    ]
    if allow_service:
        t.append(ox.Triple(svc, sd("feature"), sd("BasicFederatedQuery")))
    for _, f in FORMATS.items():
        if f.sd_iri:
            t.append(ox.Triple(svc, sd("resultFormat"), ox.NamedNode(f.sd_iri)))
    ds, dg = ox.BlankNode(), ox.BlankNode()
    t += [ox.Triple(svc, sd("defaultDataset"), ds), ox.Triple(ds, RDF_TYPE, sd("Dataset")),
          ox.Triple(ds, sd("defaultGraph"), dg), ox.Triple(dg, RDF_TYPE, sd("Graph"))]
    known = [g.triples for g in graphs if g.triples is not None]
    if graphs and len(known) == len(graphs):  # the union's size is only an upper bound; state the sum of parts
        t.append(ox.Triple(dg, _nn(DCTERMS.description), ox.Literal(
            f"the union of the {len(graphs)} named graphs ({sum(known)} triples in all)", language="en")))
    for g in graphs:
        ng, gr = ox.BlankNode(), ox.BlankNode()
        name = ox.NamedNode(g.iri)
        t += [ox.Triple(ds, sd("namedGraph"), ng), ox.Triple(ng, RDF_TYPE, sd("NamedGraph")),
              ox.Triple(ng, sd("name"), name), ox.Triple(ng, sd("graph"), gr), ox.Triple(gr, RDF_TYPE, sd("Graph"))]
        if g.triples is not None:
            t.append(ox.Triple(gr, ox.NamedNode(VOID + "triples"),
                               ox.Literal(str(g.triples), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
        t += g.description
    return t


SD_PREFIXES = {"sd": SD, "void": VOID, **SERIALIZATION_PREFIXES}


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


EXAMPLE = """PREFIX sg: <https://w3id.org/skillgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph ORDER BY ?graph"""


def home_page(build_id: str, graphs: list[GraphInfo], queries: list[dict], problem: str | None = None,
              result_limit: int | None = None) -> str:
    """A small HTML page: a query form, the graphs with release, licence and credit line, the curated queries."""
    rows = []
    for g in graphs:
        lic = g.first(DCTERMS.license)
        rows.append(
            "<tr><td><code>{}</code><br>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                _e(g.iri), _e(g.title), _e(g.first(SCHEMA.version) or ""),
                f'<a href="{_e(lic)}">{_e(lic)}</a>' if lic else "", _e(g.first(SG.creditLine) or ""),
                "" if g.triples is None else f"{g.triples:,}"))
    fmts = "".join(f'<option value="{_e(n)}">{_e(n)} ({_e(f.media_type)})</option>'
                   for n, f in FORMATS.items())
    qitems = []
    for q in queries:
        params = "".join(
            f'<label>?{_e(p["name"])} <small>({_e(p["type"])})</small> '
            f'<input name="{_e(p["name"])}" value="{_e(p["default"] or "")}" size="60" '
            f'{"required" if p["required"] else ""} title="{_e(p["description"])}"></label><br>'
            for p in q["params"])
        qitems.append(
            f'<li><form method="get" action="queries/{_e(q["name"])}"><b>{_e(q["title"])}</b> '
            f'<code>{_e(q["name"])}</code><br><small>{_e(q["description"])}</small><br>{params}'
            f'<input type="hidden" name="format" value="csv"><button>run (CSV)</button></form></li>')
    err = f'<p style="color:#a00">{_e(problem)}</p>' if problem else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SkillGraph SPARQL endpoint</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em;vertical-align:top;font-size:90%}}
textarea{{width:100%;font-family:monospace}}li{{margin-bottom:1em}}</style></head>
<body><h1>SkillGraph SPARQL endpoint</h1>
<p>Build <code>{_e(build_id)}</code>. SPARQL 1.1 Protocol at <a href="sparql"><code>/sparql</code></a>
(GET, POST form, POST <code>application/sparql-query</code>); without <code>default-graph-uri</code> the
default graph is the union of all named graphs. Read-only. <a href="queries">Curated queries as JSON</a>.</p>
<p id="result-limit">Answers are capped at {_e(result_limit or "a fixed number of")} rows (SELECT) or triples
(CONSTRUCT, DESCRIBE). A capped answer carries the headers <code>X-SkillGraph-Truncated: true</code> and
<code>Warning</code>, and says so in its body where the format allows: a <code>link</code> to this paragraph
in the head of SPARQL JSON and XML results, a comment in Turtle, N-Triples and RDF/XML. Page with
<code>LIMIT</code>/<code>OFFSET</code>.</p>
{err}<form method="get" action="sparql"><textarea name="query" rows="8">{_e(EXAMPLE)}</textarea><br>
<select name="format">{fmts}</select> <button>Run query</button></form>
<h2>Graphs</h2><table><tr><th>graph</th><th>release</th><th>licence</th><th>credit line</th><th>triples</th></tr>
{"".join(rows)}</table>
<h2>Curated queries</h2><ul>{"".join(qitems) or "<li>none</li>"}</ul>
</body></html>"""
