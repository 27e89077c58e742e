"""A REST API for the common questions, for people who do not write SPARQL.

Each endpoint runs one curated query of queries/ (the same .rq file /queries/<name> runs): its
URL parameters are read as typed values (a task id, a level, a decimal ...), turned into the
query's declared parameters, and bound through CuratedQuery.bind, which parses every value into
an RDF term of the declared type and writes it back as a term: nothing is pasted into query text.
Short forms are accepted: `2582` for an O*NET task, `43-4051.00` (or `43-4051`) for an occupation,
an ESCO UUID for an ESCO skill, `3` / `Advanced` / `sg:Advanced` for a level.

Answers are JSON (default) or CSV (`format=csv` or `Accept: text/csv`), paged with `limit` and
`offset`; JSON items link every IRI to its Linked Data page, and every answer names the
licences and credit lines of the graphs its rows come from (CSV: `Link: rel="license"` headers
and a `describedby` link to the JSON). The OpenAPI document at /api/openapi.json is generated
from the endpoint table below and the headers of the .rq files.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from skillgraph import iri
from skillgraph.ontology import PREFIXES
from skillgraph.sparqltext import projection

from . import pooled, resources
from .backends import local_state
from .formats import parse_accept
from .problems import HTTPProblem

bp = Blueprint("api", __name__, url_prefix="/api")

LEVELS = ("Foundational", "Intermediate", "Advanced", "Expert")
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}
MAX_LIMIT, DEFAULT_LIMIT = 1000, 100


# ---------------------------------------------------------------- typed URL values -> query values

def _iri(iri: str) -> str:
    return f"<{ox.NamedNode(iri).value}>"


def _short_or_iri(v: str, short: str, make: Callable[[re.Match], str], iri_pattern: str, what: str) -> str:
    """A short id (matched by `short`, turned into an IRI by `make`) or a full IRI matching `iri_pattern`."""
    v = v.strip()
    m = re.fullmatch(short, v)
    if m:
        return _iri(make(m))
    if re.fullmatch(iri_pattern, v):
        return _iri(v)
    raise ValueError(f"{v!r} is not {what}")


def onet_task(v: str) -> str:
    """API parameter: an O*NET task id or IRI, checked and expanded to the IRI the graph uses."""
    return _short_or_iri(
        v,
        r"[0-9]{1,8}",
        lambda m: str(iri.onet.task(int(m.group()))),
        re.escape(iri.onet.SCHEME.prefix("task")) + r"[0-9]+",
        "an O*NET Task ID (e.g. 2582) or an O*NET task IRI",
    )


def soc_code(v: str) -> str:
    """API parameter: an O*NET-SOC code or occupation IRI, checked and expanded to the IRI the graph uses."""
    return _short_or_iri(
        v,
        r"([0-9]{2}-[0-9]{4})(\.[0-9]{2})?",
        lambda m: str(iri.onet.occupation(m.group(1) + (m.group(2) or ".00"))),
        re.escape(iri.onet.SCHEME.prefix("occupation")) + r"[0-9]{2}-[0-9]{4}\.[0-9]{2}",
        "an O*NET-SOC code (e.g. 43-4051.00) or an O*NET occupation IRI",
    )


def esco_skill(v: str) -> str:
    """API parameter: an ESCO skill UUID or IRI, checked and expanded to the IRI the graph uses."""
    uuid = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    return _short_or_iri(v, uuid, lambda m: str(iri.esco.skill(m.group().lower())),
                         iri.esco.pattern("skill", ident=uuid).pattern[1:-1], "an ESCO skill UUID or an ESCO skill IRI")


def level(v: str) -> str:
    """API parameter: a proficiency level by name or IRI, checked against the ontology's levels."""
    v = v.strip()
    by_name = {n.lower(): n for n in LEVELS}
    if re.fullmatch(r"[1-4]", v):
        return _iri(PREFIXES["sg"] + LEVELS[int(v) - 1])
    name = v[3:] if v.lower().startswith("sg:") else v
    if name.lower() in by_name:
        return _iri(PREFIXES["sg"] + by_name[name.lower()])
    if v.startswith(("http://", "https://")):  # a framework level that sg:mapsToLevel a shared one
        return _iri(v)
    raise ValueError(f"{v!r} is not a level; use 1-4, {', '.join(LEVELS)} or a level IRI")


def confidence(v: str) -> Decimal:
    """API parameter: a confidence between 0 and 1, refused with a clear message otherwise."""
    try:
        d = Decimal(v.strip())
    except InvalidOperation:
        raise ValueError(f"{v!r} is not a decimal number") from None
    if not d.is_finite() or not 0 <= d <= 1:
        raise ValueError(f"{v!r} is not between 0 and 1")
    return d


def text(v: str) -> str:
    """API parameter: a free-text search string of bounded length."""
    v = v.strip()
    if not v or len(v) > 200:
        raise ValueError("give 1 to 200 characters of text")
    return str(ox.Literal(v))  # a typed literal written as a term; the loader parses it back


# ---------------------------------------------------------------- the endpoint table


@dataclass(frozen=True)
class ApiParam:
    """One parameter of a REST endpoint: where it comes from and how it is checked, for handlers and OpenAPI."""
    name: str
    where: str  # "path" or "query"
    description: str
    schema: dict
    parse: Callable[[str], object]
    query_param: str | None = None  # the .rq parameter it sets; None: it filters the rows
    filter_column: str | None = None  # for a filter: the column compared (>=)


@dataclass(frozen=True)
class Endpoint:
    """One REST endpoint backed by a curated query, so the route and its OpenAPI entry come from one place."""
    rule: str  # Flask rule
    path: str  # OpenAPI path
    query: str  # curated query name
    operation_id: str
    params: tuple[ApiParam, ...] = field(default_factory=tuple)


LEVEL_PARAM = ApiParam("level", "query", "proficiency level: 1-4, Foundational, Intermediate, Advanced, Expert, "
                       "sg:Advanced, or the IRI of a framework level", {"type": "string", "example": "Advanced"},
                       level, "level")
MIN_CONF = ApiParam("min_confidence", "query", "lowest alignment confidence to list (0-1)",
                    {"type": "number", "minimum": 0, "maximum": 1, "example": 0.5}, confidence,
                    filter_column="confidence")

ENDPOINTS = (
    Endpoint("/tasks/<task>/esco-skills", "/api/tasks/{task}/esco-skills", "esco_skills_for_task_at_level",
             "escoSkillsForTask",
             (ApiParam("task", "path", "O*NET Task ID (e.g. 2582) or task IRI", {"type": "string", "example": "2582"},
                       onet_task, "task"), LEVEL_PARAM, MIN_CONF)),
    Endpoint("/occupations/<soc>", "/api/occupations/{soc}", "occupation_profile", "occupationProfile",
             (ApiParam("soc", "path", "O*NET-SOC code (43-4051.00, or 43-4051 for .00) or occupation IRI",
                       {"type": "string", "example": "43-4051.00"}, soc_code, "occupation"),)),
    Endpoint("/esco/skills/<uuid>/onet-tasks", "/api/esco/skills/{uuid}/onet-tasks", "onet_tasks_for_esco_skill",
             "onetTasksForEscoSkill",
             (ApiParam("uuid", "path", "ESCO skill UUID (the last part of its IRI) or the skill IRI",
                       {"type": "string", "example": "946c1229-1171-40d4-82cc-fe3f483ca100"}, esco_skill, "skill"),
              MIN_CONF)),
    Endpoint("/search", "/api/search", "search_labels", "searchLabels",
             (ApiParam("q", "query", "text to find in labels, case-insensitive (1-200 characters)",
                       {"type": "string", "example": "escalation"}, text, "q"),)),
)
REQUIRED_QUERY = {"search_labels": ("q",)}
PAGING = (
    {
        "name": "limit",
        "in": "query",
        "description": f"items per page (1-{MAX_LIMIT})",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    },
    {
        "name": "offset",
        "in": "query",
        "description": "items to skip",
        "schema": {"type": "integer", "minimum": 0, "default": 0},
    },
    {
        "name": "format",
        "in": "query",
        "description": "json (default) or csv; Accept: text/csv works too",
        "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
    },
)


_CATALOGS: dict[Path, tuple[tuple, dict]] = {}


def curated_catalog():
    """The curated queries, read again only when a file of their folder changed: reading and checking the
    files' headers on every request cost more than the flagship's look-up itself (bench/run.py --parts flagship)."""
    from skillgraph.queries import catalog, queries_dir

    d = Path(current_app.config.get("QUERIES_DIR") or queries_dir())
    stamp = tuple((p.name, st.st_mtime_ns, st.st_size) for p in sorted(d.glob("*.rq")) for st in (p.stat(),))
    known = _CATALOGS.get(d)
    if known is None or known[0] != stamp:
        known = _CATALOGS[d] = (stamp, catalog(d))
    return known[1]


def _int_arg(name: str, default: int, lo: int, hi: int | None = None) -> int:
    v = request.args.get(name)
    if v is None or v == "":
        return default
    if not re.fullmatch(r"[0-9]+", v.strip()) or int(v) < lo or (hi is not None and int(v) > hi):
        raise HTTPProblem(400, f"{name}={v!r}: give an integer {lo}{'-' + str(hi) if hi else ' or more'}")
    return int(v)


def _wants_csv() -> bool:
    f = request.args.get("format", "").strip().lower()
    if f:
        if f not in ("json", "csv"):
            raise HTTPProblem(400, f"format={f!r}: valid formats are json, csv")
        return f == "csv"
    entries = {mr: q for mr, q, _ in parse_accept(request.headers.get("Accept"))}
    return entries.get("text/csv", 0) > 0 and entries.get("text/csv", 0) >= entries.get("application/json", 0)


def _value(b: dict | None, root: str):
    if b is None:
        return None
    if b["type"] == "uri":
        href = resources.local_href(b["value"])
        return {"iri": b["value"], "page": root + href if href.startswith("/") else href}
    if b["type"] == "bnode":
        return {"bnode": b["value"]}
    dt = b.get("datatype")
    if dt in NUMERIC:
        return float(b["value"]) if not dt.endswith(("integer", "int", "long", "Integer")) else int(b["value"])
    if dt == XSD + "boolean":
        return b["value"] == "true"
    return b["value"]


def attribution(rows: pooled.Rows, page: list[dict]) -> list[dict]:
    """The graphs the page's rows come from (graphs stating its IRIs, or named in a ?graph column).

    Asked graph by graph, one indexed look-up per IRI and graph not yet found (not every quad of every IRI:
    an ESCO skill is the subject of hundreds on the full store), and only of the build's graphs, the ones
    that have an attribution."""
    state = local_state()
    graphs: set[str] = set()
    iris = {b["value"] for row in page for b in row.values() if b["type"] == "uri"}
    known = {g.iri for g in state.graphs}
    for term in sorted(iris):
        if term in known:
            graphs.add(term)
            continue
        subject = ox.NamedNode(term)
        for g in known - graphs:
            if next(state.store.quads_for_pattern(subject, None, None, ox.NamedNode(g)), None) is not None:
                graphs.add(g)
    root = request.host_url.rstrip("/") + request.script_root
    return resources.graph_attribution(state.graphs, sorted(graphs), root, state.store)


def _must_exist(iri: str, p: ApiParam) -> None:
    """404 for a well-formed id the build does not know (an indexed lookup on the state store)."""
    state = local_state()
    state.current()
    st = state.store
    if next(iter(st.quads_for_pattern(ox.NamedNode(iri), None, None, None)), None) is None:
        raise HTTPProblem(404, f"{p.name}: {iri} is not in this build")


def answer(ep: Endpoint, path_args: dict) -> Response:
    """Run an endpoint's curated query with the checked parameters and return one page of rows."""
    cq = curated_catalog()[ep.query]
    args, filters, shown = {}, [], {}
    for p in ep.params:
        raw = path_args.get(p.name) if p.where == "path" else request.args.get(p.name)
        if raw is None or raw == "":
            if p.name in REQUIRED_QUERY.get(ep.query, ()):
                raise HTTPProblem(400, f"parameter {p.name!r} is required: {p.description}")
            continue
        try:
            value = p.parse(raw)
        except ValueError as e:
            raise HTTPProblem(400 if p.where == "query" else 404, f"{p.name}: {e}") from None
        if isinstance(value, Decimal):
            shown[p.name] = float(value)
        else:
            shown[p.name] = value[1:-1] if value.startswith("<") else raw.strip()
        if p.where == "path":
            _must_exist(value.strip("<>"), p)
        if p.query_param:
            args[p.query_param] = value
        else:
            filters.append((p.filter_column, value))
    unknown = sorted(set(request.args) - {p.name for p in ep.params} - {"limit", "offset", "format"})
    if unknown:
        raise HTTPProblem(
            400,
            f"unknown parameter(s) {', '.join(unknown)}; this endpoint takes: "
            + ", ".join([p.name for p in ep.params if p.where == "query"] + ["limit", "offset", "format"]),
        )
    limit, offset = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT), _int_arg("offset", 0, 0)
    try:
        query_text = cq.bind(args, pooled.level_lookup())
    except ValueError as e:
        raise HTTPProblem(400, str(e)) from None
    rows = pooled.select(query_text)
    kept = [r for r in rows.bindings
            if all(col in r and Decimal(r[col]["value"]) >= bound for col, bound in filters)]
    page = kept[offset:offset + limit]
    attr = attribution(rows, page)
    root = request.host_url.rstrip("/") + request.script_root
    base_args = {k: v for k, v in request.args.items() if k not in ("offset", "format")}
    here = root + request.path

    def link(**extra) -> str:
        return here + "?" + urlencode({**base_args, **extra})

    if _wants_csv():
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(rows.variables)
        for r in page:
            w.writerow([r[v]["value"] if v in r else "" for v in rows.variables])
        resp = Response(buf.getvalue(), content_type="text/csv; charset=utf-8")
        links = [f'<{lic}>; rel="license"' for a in attr for lic in a["licenses"]]
        links.append(f'<{link(offset=offset, format="json")}>; rel="describedby"; type="application/json"')
        resp.headers["Link"] = ", ".join(dict.fromkeys(links))
    else:
        body = {
            "query": {
                "name": cq.name,
                "title": cq.title,
                "sparql": root + "/queries/" + cq.name + "?" + urlencode(args),
            },
            "parameters": shown,
            "build": rows.build_id,
            "total": len(kept),
            "offset": offset,
            "limit": limit,
            "truncated": rows.truncated,
            "items": [{v: _value(r.get(v), root) for v in rows.variables if v in r} for r in page],
            "links": {"self": link(offset=offset), "csv": link(offset=offset, format="csv")},
            "attribution": attr,
        }
        if offset + limit < len(kept):
            body["links"]["next"] = link(offset=offset + limit)
        if offset > 0:
            body["links"]["prev"] = link(offset=max(0, offset - limit))
        resp = Response(json.dumps(body, indent=2, ensure_ascii=False), content_type="application/json")
    resp.headers["Vary"] = "Accept"
    resp.headers["X-SkillGraph-Build"] = rows.build_id
    resp.headers["X-Total-Count"] = str(len(kept))
    return resp


def _view(ep: Endpoint):
    def view(**path_args):
        return answer(ep, path_args)

    view.__name__ = ep.operation_id
    return view


for _ep in ENDPOINTS:
    bp.add_url_rule(_ep.rule, view_func=_view(_ep), methods=["GET"])


# ---------------------------------------------------------------- OpenAPI


def _schema_for_column(name: str) -> dict:
    return {"description": f"?{name} of the query; an IRI comes as {{iri, page}}",
            "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"},
                      {"type": "object", "properties": {"iri": {"type": "string"}, "page": {"type": "string"}}}]}


def openapi(catalog, server_url: str) -> dict:
    """The OpenAPI document of the REST endpoints, generated from the same definitions the handlers use."""
    paths = {}
    for ep in ENDPOINTS:
        cq = catalog[ep.query]
        declared = {p.name: p for p in cq.params}
        params = []
        for p in ep.params:
            desc = p.description
            if p.query_param and p.query_param in declared:
                qp = declared[p.query_param]
                desc += f". Sets ?{qp.name} ({qp.type}) of {ep.query}.rq: {qp.description}"
            params.append(
                {
                    "name": p.name,
                    "in": p.where,
                    "required": p.where == "path" or p.name in REQUIRED_QUERY.get(ep.query, ()),
                    "description": desc,
                    "schema": p.schema,
                }
            )
        columns = sorted(projection(cq.text) or [])
        item = {"type": "object", "properties": {c: _schema_for_column(c) for c in columns}}
        paths[ep.path] = {
            "get": {
                "operationId": ep.operation_id,
                "summary": cq.title,
                "description": f"{cq.description}\n\nRuns the curated query `{ep.query}` (queries/{ep.query}.rq).",
                "parameters": params + [dict(p) for p in PAGING],
                "responses": {
                    "200": {
                        "description": (
                            "one page of rows, with the licences and credit lines of the contributing graphs"
                        ),
                        "content": {
                            "application/json": {
                                "schema": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/Page"},
                                        {"type": "object", "properties": {"items": {"type": "array", "items": item}}},
                                    ]
                                }
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "400": {"$ref": "#/components/responses/Problem"},
                    "404": {"$ref": "#/components/responses/Problem"},
                    "503": {"$ref": "#/components/responses/Problem"},
                },
            }
        }
    attribution_schema = {
        "type": "object",
        "properties": {
            **{
                k: {"type": "string", "nullable": True}
                for k in ("graph", "graph_href", "title", "release", "rights", "creditLine")
            },
            "licenses": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "SkillGraph REST API", "version": "1",
                 "description": "The common questions of the SkillGraph competency graph as REST calls; each runs a "
                                "curated SPARQL query (see /queries). Every answer names the licences and credit lines "
                                "of the sources it draws on."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {
                "Attribution": attribution_schema,
                "Page": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "object"},
                        "parameters": {"type": "object"},
                        "build": {"type": "string"},
                        "total": {"type": "integer"},
                        "offset": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "truncated": {"type": "boolean"},
                        "links": {"type": "object", "additionalProperties": {"type": "string"}},
                        "attribution": {"type": "array", "items": {"$ref": "#/components/schemas/Attribution"}},
                    },
                },
            },
            "responses": {
                "Problem": {
                    "description": "what was wrong, as text",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    """Serve the OpenAPI document with this server's own URL."""
    doc = openapi(curated_catalog(), request.host_url.rstrip("/") + request.script_root)
    return Response(json.dumps(doc, indent=2), content_type="application/json")
