"""The flagship crosswalk query for a random sample of O*NET tasks at every shared level (issue 12: a
look-up answered for every task and level), over loopback HTTP to SkillGraph's SPARQL endpoint, to its
REST route (`/api/tasks/<id>/esco-skills?level=`, the same curated query bound by the server), to its
curated-query route (`/queries/esco_skills_for_task_at_level?task=&level=`) and to
`oxigraph serve-read-only --union-default-graph` on the same store.

The sample is drawn with a fixed seed from the tasks typed sg:Task in the O*NET graph, as SkillGraph's
endpoint lists them. Each (task, level) pair is sent to both servers one after the other (so that a
change in the machine's load touches both alike), after one warm-up each; every answer's row count is
kept, so the report says how many pairs came back empty and where the two servers disagree.
"""
from __future__ import annotations

import json
import random
import time
import urllib.parse

from common import median, p95
from endpoints import Client, Server, rows

SG = "https://w3id.org/skillgraph/ontology#"
ONET_GRAPH = "https://w3id.org/skillgraph/graph/onet"
LEVELS = ("Foundational", "Intermediate", "Advanced", "Expert")


def sample_tasks(server: Server, n: int, seed: int, timeout: float) -> tuple[list[str], int]:
    """`n` task IRIs drawn with `seed` from every task of the O*NET graph (sorted first), as `server` lists them
    (one with no result limit); and how many there are."""
    c = Client(server.port, server.path, timeout)
    try:
        status, body = c.query(f"SELECT ?t WHERE {{ GRAPH <{ONET_GRAPH}> {{ ?t a <{SG}Task> }} }}")
    finally:
        c.close()
    if status != 200:
        raise RuntimeError(f"listing the tasks answered HTTP {status}")
    tasks = sorted(b["t"]["value"] for b in json.loads(body)["results"]["bindings"])
    return random.Random(seed).sample(tasks, min(n, len(tasks))), len(tasks)


def texts(tasks: list[str]) -> list[tuple[str, str, str]]:
    """(task, level, query text) for every task at every shared level, bound as the server binds them."""
    from skillgraph.queries import catalog

    q = catalog()["esco_skills_for_task_at_level"]
    return [(t, lv, q.bind({"task": f"<{t}>", "level": f"<{SG}{lv}>"})) for t in tasks for lv in LEVELS]


class ApiClient(Client):
    """SkillGraph's REST route for the flagship on one kept-alive connection; `query` takes a (task, level) pair
    and asks for every item (limit 1000), so its row count is the SPARQL answer's."""

    def query(self, pair) -> tuple[int, bytes]:  # type: ignore[override]
        task, level = pair
        self.conn.request("GET", f"/api/tasks/{task.rsplit('/', 1)[1]}/esco-skills?level={level}&limit=1000")
        r = self.conn.getresponse()
        return r.status, r.read()


class CuratedClient(Client):
    """SkillGraph's curated-query route, `/queries/<name>?task=&level=`, answering SPARQL JSON."""

    def query(self, pair) -> tuple[int, bytes]:  # type: ignore[override]
        task, level = pair
        args = urllib.parse.urlencode({"task": f"<{task}>", "level": f"sg:{level}"})
        self.conn.request("GET", f"/queries/esco_skills_for_task_at_level?{args}",
                          headers={"Accept": "application/sparql-results+json"})
        r = self.conn.getresponse()
        return r.status, r.read()


def api_rows(body: bytes) -> int:
    return json.loads(body)["total"]


API = "SkillGraph REST API"
CURATED = "SkillGraph /queries route"


def measure(servers: list[Server], pairs: list[tuple[str, str, str]], timeout: float) -> dict[str, dict]:
    """Per server (and SkillGraph's REST route, as API): latencies (s) of the pairs answered, rows per pair
    (None: not HTTP 200), statuses not 200."""
    clients: dict[str, Client] = {s.name: Client(s.port, s.path, timeout) for s in servers}
    clients[API] = ApiClient(servers[0].port, "", timeout)
    clients[CURATED] = CuratedClient(servers[0].port, "", timeout)
    out: dict[str, dict] = {name: {"times": [], "rows": [], "failed": {}} for name in clients}
    try:
        for name, c in clients.items():  # warm-up: each server's first query of this text shape
            c.query(pairs[0][:2] if name in (API, CURATED) else pairs[0][2])
        for task, level, text in pairs:
            for name, c in clients.items():
                t0 = time.perf_counter()
                try:
                    status, body = c.query((task, level) if name in (API, CURATED) else text)
                except TimeoutError:
                    status, body = 599, b""
                    c.close()
                    clients[name] = c = type(c)(c.port, c.path, timeout)
                dt = time.perf_counter() - t0
                r = out[name]
                if status == 200:
                    r["times"].append(dt)
                    r["rows"].append(api_rows(body) if name == API else rows(body))
                else:
                    r["rows"].append(None)
                    r["failed"][status] = r["failed"].get(status, 0) + 1
    finally:
        for c in clients.values():
            c.close()
    for r in out.values():
        r["median_ms"] = median(r["times"]) * 1000 if r["times"] else None
        r["p95_ms"] = p95(r["times"]) * 1000 if r["times"] else None
        r["empty"] = sum(1 for n in r["rows"] if n == 0)
    return out
