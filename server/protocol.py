"""The SPARQL 1.1 Protocol at /sparql: reading a request strictly, checking the query, running it.

The request-reading and query-running steps are plain functions (`read_request`, `execute`), so
they can be tested without HTTP; the Blueprint only wires them to Flask's request.

Parameters are decoded strictly as UTF-8, the only encoding the protocol allows: a body or a
query string that is not valid UTF-8, or a charset other than UTF-8, is refused (400/415), never
guessed at.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import MultiDict

from skillgraph.ontology import PREFIXES

from . import checks, description, formats
from .executor import Busy, Job, MemoryLimit, QueryTimeout, WorkerDied
from .problems import HTTPProblem

bp = Blueprint("sparql", __name__)

FORM_KIND = {"SELECT": formats.RESULTS, "ASK": formats.RESULTS,
             "CONSTRUCT": formats.GRAPH, "DESCRIBE": formats.GRAPH}
FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
UTF8_NAMES = ("utf-8", "utf8")
READ_ONLY = "SPARQL Update is not allowed: this endpoint is read-only"


@dataclass
class Operation:
    """What a protocol request asks for: a query (None: the service description) and its parameters."""

    query: str | None
    params: MultiDict


def decode_params(raw: bytes, where: str) -> MultiDict:
    """`a=b&c=d` (percent-encoded UTF-8) into a MultiDict; invalid UTF-8 is a 400.

    Percent-encoding leaves only ASCII on the wire, so the raw bytes are read as ASCII and the
    escapes decoded strictly as UTF-8 (parse_qsl on bytes would re-encode its text as ASCII and
    refuse every query holding a non-ASCII character, such as "—" in a comment).
    """
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
        return MultiDict(pairs)
    except (UnicodeDecodeError, ValueError) as e:
        raise HTTPProblem(400, f"the {where} is not valid percent-encoded UTF-8: {e}") from None


def _charset_is_utf8(mimetype_params: dict, ctype: str) -> None:
    cs = mimetype_params.get("charset")
    if cs is not None and cs.strip().strip('"').lower() not in UTF8_NAMES:
        raise HTTPProblem(415, f"{ctype} must be UTF-8 (SPARQL 1.1 Protocol); got charset={cs!r}")


def read_request(method: str, mimetype: str, mimetype_params: dict, query_string: bytes, body: bytes) -> Operation:
    """The operation a request carries, or HTTPProblem (4xx) saying what is wrong with it."""
    args = decode_params(query_string, "query string")
    if method in ("GET", "HEAD"):
        if "update" in args:
            raise HTTPProblem(403, READ_ONLY)
        queries = args.getlist("query")
        if not queries:
            return Operation(None, args)
        params = args
    elif method == "POST":
        ctype = (mimetype or "").lower()
        if ctype == UPDATE_TYPE:
            raise HTTPProblem(403, READ_ONLY)
        if ctype == FORM_TYPE:
            _charset_is_utf8(mimetype_params, ctype)
            form = decode_params(body, "form body")
            if "update" in form:
                raise HTTPProblem(403, READ_ONLY)
            queries = form.getlist("query")
            params = MultiDict(list(args.items(multi=True)) + list(form.items(multi=True)))
        elif ctype == QUERY_TYPE:
            _charset_is_utf8(mimetype_params, ctype)
            try:
                queries = [body.decode("utf-8")]
            except UnicodeDecodeError as e:
                raise HTTPProblem(400, f"the query body is not valid UTF-8: {e}") from None
            params = args
        else:
            raise HTTPProblem(415, f"unsupported Content-Type {ctype or '(none)'!r}; POST "
                                   f"{FORM_TYPE} (query=...) or {QUERY_TYPE}")
        if not queries:
            raise HTTPProblem(400, "no query: send query=... (form) or the query text as application/sparql-query")
    else:
        raise HTTPProblem(
            405, f"method {method} is not allowed; use GET or POST", {"Allow": "GET, HEAD, POST, OPTIONS"}
        )
    if len(queries) > 1:
        raise HTTPProblem(400, "more than one query parameter; send exactly one")
    if not queries[0].strip():
        raise HTTPProblem(400, "the query is empty")
    return Operation(queries[0], params)


def check(text: str, allow_service: bool) -> checks.Verdict:
    """The server's verdict on the query text, or HTTPProblem (refused before any worker runs it)."""
    v = checks.inspect(text)
    if not v.ok:
        raise HTTPProblem(v.status, v.reason)
    if v.service and not allow_service:
        raise HTTPProblem(
            403,
            "SERVICE (federated query) is disabled on this endpoint; the operator can enable it with --allow-service",
        )
    return v


def choose_formats(form: str | None, accept: str | None, fparams: list[str]) -> dict[str, str]:
    """kind -> format name for the answer; HTTPProblem 406 when the client accepts none that fits."""
    kind = FORM_KIND.get(form)
    if kind and fparams and not any(formats.by_name(kind, v) for v in fparams):
        valid = ", ".join(f.name for f in formats.of_kind(kind))
        raise HTTPProblem(406, f"format={','.join(fparams)} cannot answer a {form} query; valid formats: {valid}")
    chosen = {}
    for k in (formats.RESULTS, formats.GRAPH):
        f = formats.negotiate(k, accept, fparams)
        if f is None and k == kind:
            offered = ", ".join(formats.acceptable(k))
            raise HTTPProblem(
                406,
                f"cannot answer a {form} query in any type you accept (Accept: {accept}); acceptable types: {offered}",
            )
        chosen[k] = (f or formats.FORMATS.get(formats.DEFAULT[k])).name
    return chosen


def execute(state, cfg: dict, text: str, params: MultiDict, accept: str | None, endpoint: str, home: str,
            verdict: checks.Verdict | None = None) -> Response:
    """Check and run one query on a worker; the HTTP answer (HTTPProblem on every refusal).

    A query refused before is refused at once from the check's cache; otherwise a worker is
    reserved first (503 at once if none is free) and the query checked while it waits, so a
    flood costs no parsing. `verdict`: the check already made (a curated query's, taken from its
    text bound with its defaults: see pages.run_curated), so the text is not parsed again.
    """
    known = checks.cached(text) if verdict is None else None
    if known is not None:
        check(text, cfg["ALLOW_SERVICE"])
    build_id = state.current()
    d, n = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")

    made: list[Job] = []

    def make_job() -> Job:
        v = verdict or check(text, cfg["ALLOW_SERVICE"])
        chosen = choose_formats(v.form, accept, params.getlist("format"))
        made.append(Job(state.build_dir, build_id, text, chosen, cfg["RESULT_LIMIT"], form=v.form,
                        base_iri=endpoint, truncation_link=home + "#result-limit", query_dataset=v.dataset,
                        default_graphs=d if d or n else None, named_graphs=n if d or n else None,
                        prefixes=PREFIXES))
        return made[0]

    mb = cfg["MAX_MEMORY_MB"]
    try:
        ans = state.run(make_job, cfg["QUERY_TIMEOUT"])
    except QueryTimeout as e:
        raise HTTPProblem(
            503,
            f"{e}: QUERY_TIMEOUT is {cfg['QUERY_TIMEOUT']:g} s on this endpoint; narrow the query or add a LIMIT",
            {"Retry-After": "1"},
        ) from e
    except Busy as e:
        raise HTTPProblem(503, f"{e}; try again shortly", {"Retry-After": "2"}) from e
    except MemoryLimit as e:
        raise HTTPProblem(503, f"{e}; narrow the query or add a LIMIT") from e
    except WorkerDied as e:
        raise HTTPProblem(
            503,
            f"{e}; the usual cause is the memory limit of {mb} MB per query worker "
            "(MAX_MEMORY_MB, --max-memory); narrow the query or add a LIMIT",
        ) from e
    if not ans.ok:
        raise HTTPProblem(ans.status, ans.error)
    fmt = formats.FORMATS.get(ans.format)
    resp = Response(ans.body, status=200, content_type=fmt.content_type)
    resp.headers["Vary"] = "Accept"
    resp.headers["X-SkillGraph-Build"] = made[0].build_id if made else build_id  # the build that answered
    resp.headers["X-SkillGraph-Count"] = str(ans.count)
    if ans.truncated:
        unit = "rows" if fmt.kind == formats.RESULTS else "triples"
        resp.headers["X-SkillGraph-Truncated"] = "true"
        resp.headers["Warning"] = (f'199 - "result truncated to the first {cfg["RESULT_LIMIT"]} {unit} '
                                   f'(RESULT_LIMIT); use LIMIT/OFFSET to page"')
        resp.headers["Link"] = f'<{home}#result-limit>; rel="describedby"'
    return resp


def endpoint_url() -> str:
    """The public URL of the SPARQL endpoint, for the service description."""
    return request.host_url + "sparql"


def service_description(state, cfg: dict, accept: str | None, fparams: list[str], endpoint: str) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint, in the negotiated format."""
    import pyoxigraph as ox

    state.current()
    f = formats.negotiate(formats.GRAPH, accept, fparams)
    if f is None:
        raise HTTPProblem(406, "the service description is RDF; acceptable types: "
                               + ", ".join(formats.acceptable(formats.GRAPH)))
    triples = description.service_description(endpoint, state.graphs, cfg["ALLOW_SERVICE"])
    pfx = description.SD_PREFIXES if f.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    resp = Response(ox.serialize(triples, format=f.ox_format, prefixes=pfx), content_type=f.content_type)
    resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/sparql", methods=["GET", "POST"])
def sparql():
    """The SPARQL 1.1 Protocol endpoint: checks the query, runs it in a worker and negotiates the result format."""
    state, cfg = current_app.extensions["skillgraph"], current_app.config
    body = request.get_data(cache=False) if request.method == "POST" else b""
    op = read_request(request.method, request.mimetype, request.mimetype_params, request.query_string, body)
    accept = request.headers.get("Accept")
    if op.query is None:
        return service_description(state, cfg, accept, op.params.getlist("format"), endpoint_url())
    return execute(state, cfg, op.query, op.params, accept, endpoint_url(), request.host_url)
