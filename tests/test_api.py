"""The REST API on the embedded build, called as a client would: short ids, level names, paging, CSV."""
from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest

from skillgraph import store as store_mod
from skillgraph.queries import catalog
from skillgraph.query import run

SKILL_UUID = "946c1229-1171-40d4-82cc-fe3f483ca100"
SKILL = f"http://data.europa.eu/esco/skill/{SKILL_UUID}"
TASK = "https://w3id.org/skillgraph/id/onet/task/2582"
OCC = "https://w3id.org/skillgraph/id/onet/occupation/43-4051.00"


@pytest.fixture(scope="module")
def client(embedded_build):
    from skillgraph.server import create_app

    app = create_app({"BUILD_DIR": str(embedded_build[0]), "WORKERS": 1})
    yield app.test_client()
    app.extensions["skillgraph"].close()


def get_json(client, url: str) -> dict:
    r = client.get(url)
    assert r.status_code == 200, r.data.decode()
    assert r.mimetype == "application/json"
    return json.loads(r.data)


def local_rows(store, name: str, **params) -> Counter:
    """The query's rows run in-process, as a multiset (a SELECT without DISTINCT may repeat rows)."""
    cq = catalog()[name]
    res = run(store, cq.bind(params))
    names = [v.value for v in res.variables]
    return Counter(tuple(None if s[n] is None else s[n].value for n in names) for s in res)


def api_rows(body: dict, names: list[str]) -> Counter:
    def plain(v):
        if isinstance(v, dict):
            return v["iri"]
        return None if v is None else (str(v) if not isinstance(v, float) else v)

    return Counter(tuple(plain(item.get(n)) for n in names) for item in body["items"])


def test_flagship_question_by_level_name(client, embedded_store):
    body = get_json(client, "/api/tasks/2582/esco-skills?level=Advanced")
    assert body["parameters"] == {"task": TASK, "level": "https://w3id.org/skillgraph/ontology#Advanced"}
    assert body["query"]["name"] == "esco_skills_for_task_at_level"
    # the query's answers (the build's default method), in its order; escalation first
    local = local_rows(embedded_store, "esco_skills_for_task_at_level", task=f"<{TASK}>",
                       level="<https://w3id.org/skillgraph/ontology#Advanced>")
    assert len(body["items"]) == sum(local.values()) == body["total"] > 1
    assert [i["skillLabel"] for i in body["items"]][0] == "perform escalation procedure"
    item = body["items"][0]
    assert item["skill"] == {"iri": SKILL, "page": f"http://localhost/resource?iri=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fskill%2F{SKILL_UUID}"}
    assert 0 < item["confidence"] <= 1
    assert item["requiredLevel"]["iri"] == "https://w3id.org/skillgraph/ontology#Advanced"
    assert item["evidencePath"].startswith(
        "statement “Escalation summarization” <https://w3id.org/skillgraph/id/pathsmith/statement/"
    ) and "> anchored to the task at the required level; ESCO essential skill" in item["evidencePath"]
    assert item["alignment"]["page"].startswith("http://localhost/id/crosswalk/alignment/")
    graphs = {a["graph"].rsplit("/", 1)[-1]: a for a in body["attribution"]}
    assert {"crosswalk", "esco", "onet", "pathsmith"} <= set(graphs)
    assert graphs["esco"]["licenses"] == ["http://data.europa.eu/eli/dec/2011/833/oj"]
    assert graphs["ontology"]["licenses"] == [
        "https://creativecommons.org/licenses/by/4.0/"
    ]  # sg:Advanced is the ontology's
    assert graphs["crosswalk"]["licenses"] == [
        "http://data.europa.eu/eli/dec/2011/833/oj",
        "https://creativecommons.org/licenses/by/4.0/",
        "https://opensource.org/licenses/MIT",
        "https://w3id.org/skillgraph/licence/unstated",
    ]
    assert graphs["onet"]["creditLine"].startswith("This page includes information from the O*NET 30.1 Database")
    # the same answer for the numeric level, sg: name and the full IRI
    for level in ("3", "sg:Advanced", "advanced", "https://w3id.org/skillgraph/ontology%23Advanced"):
        assert get_json(client, f"/api/tasks/2582/esco-skills?level={level}")["items"] == body["items"]


def test_flagship_at_a_framework_level_answers_at_its_shared_level(client):
    """A framework level (Pathsmith level 3, which sg:mapsToLevel sg:Advanced) is resolved in the build before
    the query runs, and answered at its shared level; a level IRI that is no level is a 400 naming the valid ones."""
    shared = get_json(client, "/api/tasks/2582/esco-skills?level=Advanced")
    framework = get_json(client, "/api/tasks/2582/esco-skills?level=https://w3id.org/skillgraph/id/pathsmith/level/3")
    assert framework["items"] == shared["items"] and len(shared["items"]) > 1
    assert {i["level"]["iri"] for i in framework["items"]} == {"https://w3id.org/skillgraph/ontology#Advanced"}
    r = client.get("/api/tasks/2582/esco-skills?level=https://w3id.org/skillgraph/id/pathsmith/statement/x")
    assert r.status_code == 400
    msg = r.data.decode()
    assert "parameter 'level'" in msg and "is neither a shared level nor a framework level" in msg
    assert "valid levels: sg:Foundational, sg:Intermediate, sg:Advanced, sg:Expert" in msg
    r = client.get("/queries/esco_skills_for_task_at_level?level=https://w3id.org/skillgraph/id/pathsmith/level/9")
    assert r.status_code == 400 and "valid levels: sg:Foundational" in r.data.decode()


def test_min_confidence_is_a_typed_filter(client, embedded_store):
    all_levels = {}
    for n in (1, 2, 3, 4):
        all_levels[n] = get_json(client, f"/api/tasks/2582/esco-skills?level={n}")["items"]
    total = sum(len(v) for v in all_levels.values())
    assert total > 1
    for n, items in all_levels.items():
        kept = get_json(client, f"/api/tasks/2582/esco-skills?level={n}&min_confidence=0.5")["items"]
        assert kept == [i for i in items if i["confidence"] >= 0.5]
    r = client.get("/api/tasks/2582/esco-skills?min_confidence=high")
    assert r.status_code == 400 and "min_confidence: 'high' is not a decimal number" in r.data.decode()
    assert client.get("/api/tasks/2582/esco-skills?min_confidence=1.5").status_code == 400


def test_occupation_profile_with_paging(client, embedded_store):
    names = ["occupation", "graph", "aspect", "item", "label"]
    whole = local_rows(embedded_store, "occupation_profile", occupation=f"<{OCC}>")
    first = get_json(client, "/api/occupations/43-4051.00?limit=1000")
    assert first["total"] == sum(whole.values()) == len(first["items"])
    short = get_json(client, "/api/occupations/43-4051?limit=50")  # 43-4051 means 43-4051.00
    assert short["total"] == first["total"] and len(short["items"]) == 50
    assert short["links"]["next"] == "http://localhost/api/occupations/43-4051?limit=50&offset=50"
    pages, url = [], "/api/occupations/43-4051?limit=50"
    while url:
        body = get_json(client, url)
        pages.extend(body["items"])
        url = body["links"].get("next", "").replace("http://localhost", "")
    assert pages == first["items"]
    idx = {
        n: i
        for i, n in enumerate(
            ["occupation", "graph", "aspect", "item", "label", "importance", "level", "value", "flag"]
        )
    }
    projected = Counter()
    for r, k in whole.items():
        projected[tuple(r[idx[n]] for n in names)] += k
    assert api_rows(first, names) == projected


def test_esco_skill_to_onet_tasks_json_and_csv(client, embedded_store):
    body = get_json(client, f"/api/esco/skills/{SKILL_UUID}/onet-tasks")
    local = local_rows(embedded_store, "onet_tasks_for_esco_skill", skill=f"<{SKILL}>")
    # crosswalk v3: one alignment per (task, skill) with its levels as values, a row per level; needed at
    # Advanced (the statement "Escalation summarization" reaches it best), the escalation skill supports task
    # 2582 at Advanced and Expert (skills needed at Foundational answer the levels below)
    got = api_rows(body, ["skill", "task", "occupation", "level"])
    assert sum(got.values()) == sum(local.values()) == body["total"]
    at_2582 = {k[3].rsplit("#", 1)[1] for k in got if k[:3] == (SKILL, TASK, OCC)}
    assert at_2582 == {"Advanced", "Expert"}
    r = client.get(f"/api/esco/skills/{SKILL_UUID}/onet-tasks", headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.data.decode())))
    assert len(rows) == body["total"]
    conf = {i["confidence"] for i in body["items"] if i["task"]["iri"] == TASK}
    assert [(x["task"], x["skillLabel"], float(x["confidence"])) for x in rows if x["task"] == TASK] == [
        (TASK, "perform escalation procedure", c) for c in conf] * 2
    assert '<http://data.europa.eu/eli/dec/2011/833/oj>; rel="license"' in r.headers["Link"]
    assert 'rel="describedby"; type="application/json"' in r.headers["Link"]


def test_search_across_sources(client, embedded_store):
    body = get_json(client, "/api/search?q=escalation&limit=1000")
    labels = {(i["resource"]["iri"], i["label"]) for i in body["items"]}
    assert (SKILL, "perform escalation procedure") in labels
    assert (
        "https://w3id.org/skillgraph/id/pathsmith/statement/43-4051.00-communication-9",
        "Escalation summarization",
    ) in labels
    assert {i["graph"]["iri"].rsplit("/", 1)[-1] for i in body["items"]} >= {"esco", "pathsmith", "ladder", "aiwork"}
    assert all("escalation" in i["label"].lower() for i in body["items"])
    local = local_rows(embedded_store, "search_labels", q='"escalation"')
    assert body["total"] == sum(local.values())
    # a quote or brace is text to look for, never query syntax
    weird = get_json(client, '/api/search?q=%22%7D%20UNION%20%7B')
    assert weird["total"] == 0 and weird["parameters"] == {"q": '"} UNION {'}


def test_bad_and_unknown_ids(client):
    cases = {"/api/tasks/abc/esco-skills": 404, "/api/tasks/99999999/esco-skills": 404,
             "/api/occupations/11-1111.00": 404, "/api/occupations/4340": 404, "/api/esco/skills/xyz/onet-tasks": 404,
             "/api/tasks/2582/esco-skills?level=9": 400, "/api/search": 400, "/api/search?q=x&limit=0": 400,
             "/api/search?q=x&format=xml": 400, "/api/tasks/2582/esco-skills?lvl=3": 400}
    assert len(cases) == 10
    for url, status in cases.items():
        r = client.get(url)
        assert r.status_code == status, (url, r.data)
        assert r.mimetype == "text/plain"
    assert (
        "this endpoint takes: level, min_confidence, limit, offset, format"
        in client.get("/api/tasks/2582/esco-skills?lvl=3").data.decode()
    )


def test_openapi_document_is_valid_and_generated_from_the_queries(client):
    from openapi_spec_validator import validate

    doc = get_json(client, "/api/openapi.json")
    validate(doc)
    assert set(doc["paths"]) == {"/api/tasks/{task}/esco-skills", "/api/occupations/{soc}",
                                 "/api/esco/skills/{uuid}/onet-tasks", "/api/search"}
    cat = catalog()
    op = doc["paths"]["/api/tasks/{task}/esco-skills"]["get"]
    assert op["summary"] == cat["esco_skills_for_task_at_level"].title
    assert cat["esco_skills_for_task_at_level"].description in op["description"]
    level = next(p for p in op["parameters"] if p["name"] == "level")
    assert "Sets ?level (level) of esco_skills_for_task_at_level.rq" in level["description"]
    items = op["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]["items"]["items"]
    assert "evidencePath" in items["properties"] and "confidence" in items["properties"]


def test_over_http(http_endpoint, embedded_build):
    import urllib.request

    base = http_endpoint(embedded_build[0], workers=1)
    with urllib.request.urlopen(base + "/api/tasks/2582/esco-skills?level=Advanced") as r:
        body = json.loads(r.read())
    # escalation first (the skills needed at the asked level come first)
    assert [i["skillLabel"] for i in body["items"]][0] == "perform escalation procedure" and len(body["items"]) > 1
    assert body["items"][0]["task"]["page"] == base + "/id/onet/task/2582"
    assert store_mod.current_id(embedded_build[0]) == body["build"]


def test_an_edited_curated_query_reaches_the_api_without_a_restart(embedded_build, tmp_path):
    """The server keeps the curated queries it read, and reads them again when a file of QUERIES_DIR changes."""
    import shutil

    from skillgraph.queries import queries_dir
    from skillgraph.server import create_app

    qd = tmp_path / "queries"
    shutil.copytree(queries_dir(), qd, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    app = create_app({"BUILD_DIR": str(embedded_build[0]), "WORKERS": 1, "QUERIES_DIR": str(qd)})
    try:
        c = app.test_client()

        def flagship() -> tuple[str, dict]:
            doc = get_json(c, "/api/openapi.json")
            return doc["paths"]["/api/tasks/{task}/esco-skills"]["get"]["summary"], get_json(
                c, "/api/tasks/2582/esco-skills?level=Advanced")["query"]

        title, query = flagship()
        assert title == catalog()["esco_skills_for_task_at_level"].title and query["title"] == title
        assert flagship() == (title, query)  # read once, served again
        rq = qd / "esco_skills_for_task_at_level.rq"
        rq.write_text(rq.read_text(encoding="utf-8").replace(f"# title: {title}", "# title: Skills for a task"),
                      encoding="utf-8")
        assert flagship()[0] == "Skills for a task" and flagship()[1]["title"] == "Skills for a task"
    finally:
        app.extensions["skillgraph"].close()


def test_curated_route_is_checked_once_per_query_with_its_values_as_terms(client, embedded_store):
    """/queries/<name>?... for many parameter values: the answers of the query run in-process (as sets), and the
    server parses the query once (its text bound with the defaults), not once per bound text."""
    import pyoxigraph as ox

    from skillgraph.server import checks

    name, sg = "esco_skills_for_task_at_level", "https://w3id.org/skillgraph/ontology#"
    tasks = sorted(r["t"].value for r in embedded_store.query(
        f"SELECT ?t WHERE {{ GRAPH <https://w3id.org/skillgraph/graph/onet> {{ ?t a <{sg}Task> }} }}"))
    assert len(tasks) == 13
    assert client.get(f"/queries/{name}").status_code == 200
    parsed = checks._cache.misses
    for task in tasks:
        for level in ("Foundational", "Expert"):
            params = {"task": f"<{task}>", "level": f"sg:{level}"}
            r = client.get(f"/queries/{name}", query_string=params)
            assert r.status_code == 200, r.data.decode()
            res = ox.parse_query_results(r.data, format=ox.QueryResultsFormat.JSON)
            got = Counter(tuple(None if s[v] is None else s[v].value for v in res.variables) for s in res)
            assert set(got) == set(local_rows(embedded_store, name, **params)) and got
    assert checks._cache.misses == parsed  # 26 new texts, no parse
    # a literal value stays one literal, whatever it holds: here, SPARQL that would call a service
    r = client.get("/queries/search_labels", query_string={"q": 'x" } SERVICE <http://127.0.0.1:9/sparql> { "'})
    assert r.status_code == 200, r.data.decode()
    res = ox.parse_query_results(r.data, format=ox.QueryResultsFormat.JSON)
    assert [s["q"].value for s in res] == []
