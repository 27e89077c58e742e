"""Publish a build to a remote SPARQL 1.1 store, switching readers over in one step.

1. Stage: each named graph of the build's store is PUT (SPARQL 1.1 Graph Store HTTP Protocol) under
   a staging name, `<graph>?build=<id>`, as one N-Triples body with a Content-Length, spooled to a
   temporary file (no graph is held in memory; Virtuoso 7.2 answers 201 to a chunked body and stores
   nothing), then the store's count of the staged graph is checked against what was sent. The live
   graphs are untouched; a failure here drops what was staged and leaves the store as it was.
2. Switch: ONE SPARQL Update request moves every staged graph onto its live name (MOVE), drops live
   graphs the new build no longer has, and rewrites the pointer graph (backends.MANIFEST) that names
   the live build id and graphs. A store that runs one update request as one transaction (Oxigraph,
   Jena Fuseki/TDB2; GraphDB/RDF4J) applies all of it or none, and a concurrent query sees the
   dataset before or after it, never in between.

What a reader sees: through `skillgraph serve --backend URL`, every answer comes from exactly one
build (queries name the live graphs as their dataset, so staging graphs are never visible, and the
pointer is checked before and after each query). A client querying the store directly sees whole
builds in the live graph names too, but its union default graph (if the store has one) also holds
the staging graphs while a publish is loading and the small pointer graph at all times.
"""
from __future__ import annotations

import base64
import http.client
import netrc
import os
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import quote, urlsplit

import pyoxigraph as ox

from skillgraph import store as store_mod
from skillgraph.errors import SkillGraphError
from skillgraph.server.backends import DCTERMS, MANIFEST, VOID_TRIPLES, Endpoints, RemoteBackend, endpoints

CHUNK_TRIPLES = 20000
XSD = "http://www.w3.org/2001/XMLSchema#"


class PublishError(SkillGraphError):
    """A publish failed; the store's live graphs and pointer are as they were before it."""


@dataclass
class Published:
    """What a publish loaded where, for the CLI's report and for tests."""
    build_id: str
    graphs: dict[str, int]  # live graph IRI -> triples loaded
    previous: str | None  # the build id the store served before (None: none)
    seconds: float


def staging_name(graph: str, build_id: str) -> str:
    """The staging graph a build is loaded into before readers are switched to it."""
    return f"{graph}?build={build_id}"


def _ntriples_file(st: ox.Store, graph: ox.NamedNode) -> tuple[IO[bytes], int]:
    """Graph `graph` as N-Triples in a temporary file (rewound), and its number of triples."""
    fh, counter = tempfile.TemporaryFile(prefix="skillgraph-publish-"), [0]
    for chunk in _ntriples_chunks(st, graph, counter):
        fh.write(chunk)
    fh.seek(0)
    return fh, counter[0]


def _ntriples_chunks(st: ox.Store, graph: ox.NamedNode, counter: list[int]) -> Iterator[bytes]:
    batch: list[ox.Triple] = []
    for q in st.quads_for_pattern(None, None, None, graph):
        batch.append(q.triple)
        if len(batch) >= CHUNK_TRIPLES:
            counter[0] += len(batch)
            # pyoxigraph's stub types serialize() as bytes | None; with no output argument it returns bytes
            yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[misc]
            batch = []
    if batch:
        counter[0] += len(batch)
        # pyoxigraph's stub types serialize() as bytes | None; with no output argument it returns bytes
        yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)  # type: ignore[misc]


CREDENTIAL_ENV = ("SKILLGRAPH_STORE_USER", "SKILLGRAPH_STORE_PASSWORD")
_AUTH_HINT = f" (publish authenticates with {CREDENTIAL_ENV[0]}/{CREDENTIAL_ENV[1]} or the host's ~/.netrc entry: "


def credentials(url: str) -> tuple[str, str] | None:
    """The account publish writes with: $SKILLGRAPH_STORE_USER and $SKILLGRAPH_STORE_PASSWORD, else the
    entry for the URL's host in $NETRC (default ~/.netrc); None: send no credentials.

    Never taken from the URL: an endpoint URL is logged and shown by /health (backends.endpoints refuses one
    with user info).
    """
    user, password = (os.environ.get(k) for k in CREDENTIAL_ENV)
    if user or password:
        if not (user and password):
            raise ValueError(f"set both {CREDENTIAL_ENV[0]} and {CREDENTIAL_ENV[1]}, or neither")
        return user, password
    path = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    if not os.path.isfile(path):
        return None
    try:
        # ~/.netrc itself (NETRC unset) is refused if others may read it: netrc's own check
        entry = netrc.netrc(os.environ.get("NETRC") or None).authenticators(urlsplit(url).hostname or "")
    except netrc.NetrcParseError as e:
        raise ValueError(f"{e.filename}, line {e.lineno}: {e.msg}") from None
    return (entry[0], entry[2] or "") if entry else None


def _connect(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return conn_cls(parts.netloc, timeout=timeout), (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _authorization(method: str, url: str, account: tuple[str, str] | None) -> dict[str, str]:
    """The Authorization header for `method url`, answering the challenge the store sends to an unauthenticated
    HEAD (Digest, as Virtuoso's *-auth endpoints ask, or Basic); none if the store asks for none.

    Asked before each request: a body is sent once (a store refusing it may close the connection before
    reading it, so a 401 would show as a broken pipe), and a Digest nonce may go stale.
    """
    conn, path = _connect(url, 60.0)
    try:
        conn.request("HEAD", path)
        resp = conn.getresponse()
        resp.read()
        challenges = resp.headers.get_all("WWW-Authenticate") or []
    except (OSError, http.client.HTTPException) as e:
        raise PublishError(f"HEAD {url} failed: {type(e).__name__}: {e}") from None
    finally:
        conn.close()
    if resp.status != 401:
        return {}
    if account is None:
        raise PublishError(f"{method} {url} answered 401 Unauthorized{_AUTH_HINT}none is set)")
    by_scheme = {c.partition(" ")[0].lower(): c.partition(" ")[2] for c in challenges}
    if "digest" in by_scheme:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, *account)
        handler = urllib.request.HTTPDigestAuthHandler(passwords)
        chal = urllib.request.parse_keqv_list(urllib.request.parse_http_list(by_scheme["digest"]))
        value = handler.get_authorization(urllib.request.Request(url, method=method), chal)
        if value:
            return {"Authorization": f"Digest {value}"}
    if "basic" in by_scheme:
        return {"Authorization": "Basic " + base64.b64encode(":".join(account).encode()).decode("ascii")}
    raise PublishError(f"{url} asks for authentication publish cannot give ({', '.join(challenges) or 'no challenge'}"
                       "); it speaks Digest (MD5) and Basic")


def _http(method: str, url: str, body=None, ctype: str | None = None, timeout: float = 600.0,
          account: tuple[str, str] | None = None) -> None:
    """One HTTP request (body: bytes or a file, sent with its Content-Length), authenticated as `account` if
    given; PublishError unless the answer is 2xx."""
    headers = {"Content-Type": ctype} if ctype else {}
    if body is not None and not isinstance(body, bytes):
        headers["Content-Length"] = str(os.fstat(body.fileno()).st_size)
    headers.update(_authorization(method, url, account))
    conn, path = _connect(url, timeout)
    try:
        try:
            conn.request(method, path, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a store refusing the request (401, 413) may close before reading the body: read its answer
        resp = conn.getresponse()
        text = resp.read(2000).decode("utf-8", "replace")
        if not 200 <= resp.status < 300:
            hint = ""
            if resp.status in (401, 403):
                hint = f"{_AUTH_HINT}{'these were refused' if account else 'none is set'})"
            raise PublishError(f"{method} {url} answered {resp.status} {resp.reason}{hint}: {text.strip()[:500]}")
    except (OSError, http.client.HTTPException) as e:
        raise PublishError(f"{method} {url} failed: {type(e).__name__}: {e}") from None
    finally:
        conn.close()


def _gsp_url(gsp: str, graph: str) -> str:
    return f"{gsp}{'&' if '?' in gsp else '?'}graph={quote(graph, safe='')}"


def _literal(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def switch_update(build_id: str, graphs: dict[str, int], previous: list[str]) -> str:
    """The one SPARQL Update request that makes `build_id` live (see the module docstring)."""
    ops = [f"DROP SILENT GRAPH <{g}>" for g in sorted(set(previous) - set(graphs))]
    ops += [f"MOVE SILENT GRAPH <{staging_name(g, build_id)}> TO GRAPH <{g}>" for g in sorted(graphs)]
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    facts = [f"<{MANIFEST}> <{DCTERMS}identifier> {_literal(build_id)}",
             f"<{MANIFEST}> <{DCTERMS}modified> {_literal(now)}^^<{XSD}dateTime>"]
    for g, n in sorted(graphs.items()):
        facts += [f"<{MANIFEST}> <{DCTERMS}hasPart> <{g}>", f"<{g}> <{VOID_TRIPLES}> {int(n)}"]
    ops += [f"DROP SILENT GRAPH <{MANIFEST}>", f"INSERT DATA {{ GRAPH <{MANIFEST}> {{ {' . '.join(facts)} . }} }}"]
    return " ;\n".join(ops)


def publish(build_dir: str | Path, to: str, build_id: str | None = None, update: str | None = None,
            gsp: str | None = None, log: Callable[[str], None] = print) -> Published:
    """Load build `build_id` (default: CURRENT) of `build_dir` into the store at `to` and make it live."""
    t0 = time.monotonic()
    eps: Endpoints = endpoints(to, update, gsp)
    if not eps.update or not eps.gsp:
        raise ValueError(f"publishing to {to} needs its SPARQL Update and Graph Store endpoints: give --update "
                         "and --gsp, or use an oxigraph+http://, fuseki+http:// or virtuoso+http:// URL that implies "
                         "them")
    account = credentials(eps.update)
    build_id = build_id or store_mod.current_id(build_dir)
    if build_id is None:
        raise store_mod.NoBuild(f"no good build in {build_dir}: run 'skillgraph build' first")
    st = store_mod.open_read_only(build_dir, build_id)
    remote = RemoteBackend({"BACKEND": to, "BACKEND_UPDATE": eps.update, "BACKEND_GSP": eps.gsp,
                            "QUERY_TIMEOUT": 60.0})
    try:
        before = remote.read_pointer()
    except Exception as e:
        raise PublishError(f"cannot read the store at {eps.query}: {e}") from None
    if before is not None and before.build_id == build_id:
        log(f"build {build_id} is already live at {eps.query}")
        return Published(build_id, {g: n or 0 for g, n in before.graphs.items()}, build_id, time.monotonic() - t0)
    names = sorted(g.value for g in st.named_graphs() if isinstance(g, ox.NamedNode))
    loaded: dict[str, int] = {}
    try:
        for g in names:
            t1 = time.monotonic()
            fh, n = _ntriples_file(st, ox.NamedNode(g))
            with fh:
                _http("PUT", _gsp_url(eps.gsp, staging_name(g, build_id)), fh, "application/n-triples", account=account)
            _check_staged(remote, staging_name(g, build_id), n)
            loaded[g] = n
            log(f"staged {g} ({n:,} triples, {time.monotonic() - t1:.1f} s)")
        _http("POST", eps.update, switch_update(build_id, loaded, list(before.graphs) if before else []).encode(),
              "application/sparql-update; charset=utf-8", account=account)
    except PublishError:
        _drop_staged(eps, [staging_name(g, build_id) for g in names], log, account)
        raise
    log(f"build {build_id} is live at {eps.query} ({len(loaded)} graphs, {sum(loaded.values()):,} triples)")
    return Published(build_id, loaded, before.build_id if before else None, time.monotonic() - t0)


def _check_staged(remote: RemoteBackend, staged: str, sent: int) -> None:
    """Second line of defence: the store holds as many triples in the staging graph as were sent."""
    try:
        rows = remote._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{staged}> {{ ?s ?p ?o }} }}")
    except Exception as e:
        raise PublishError(f"cannot count the staged graph <{staged}> at {remote.endpoints.query}: {e}") from None
    held = int(rows[0]["n"].value) if rows and rows[0].get("n") else 0
    if held != sent:
        raise PublishError(f"the store accepted graph <{staged}> but holds {held:,} of the {sent:,} triples sent")


def _drop_staged(eps: Endpoints, staged: list[str], log: Callable[[str], None],
                 account: tuple[str, str] | None) -> None:
    """Best effort: remove a failed publish's staging graphs (the live ones were never touched)."""
    try:
        _http("POST", eps.update, " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in staged).encode(),
              "application/sparql-update; charset=utf-8", account=account)
    except PublishError as e:
        log(f"could not drop the staging graphs: {e}")
