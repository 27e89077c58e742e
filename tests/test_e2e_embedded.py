"""The README's promise, end to end: the embedded default build served over HTTP answers SPARQLWrapper
clients exactly as the store answers in-process, in every format, and the flagship crosswalk question
works over the wire."""
from __future__ import annotations

import csv
import io
import json
import urllib.parse
import urllib.request

import pytest
from test_e2e_http import assert_endpoint_matches_store

pytestmark = pytest.mark.e2e

ALIGNMENTS_SELECT = """PREFIX sg: <https://w3id.org/skillgraph/ontology#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?a ?subject ?predicate ?object ?confidence ?level WHERE {
  ?a a sg:Alignment ; owl:annotatedSource ?subject ; owl:annotatedProperty ?predicate ;
     owl:annotatedTarget ?object ; sssom:confidence ?confidence .
  OPTIONAL { ?a sg:proficiencyLevel ?level } }"""
PROFILE_CONSTRUCT = """PREFIX sg: <https://w3id.org/skillgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?t skos:prefLabel ?l ; sg:taskOf ?o } WHERE { ?t sg:taskOf ?o ; skos:prefLabel ?l }"""
ASK_ESCALATION = """ASK { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> "perform escalation procedure"@en }"""


def test_embedded_build_over_http_equals_in_process(http_endpoint, embedded_build):
    d, _ = embedded_build
    base = http_endpoint(d)
    assert_endpoint_matches_store(base, d, ALIGNMENTS_SELECT, PROFILE_CONSTRUCT, ASK_ESCALATION)


def test_flagship_over_http_by_task_and_level(http_endpoint, embedded_build):
    d, _ = embedded_build
    base = http_endpoint(d)
    params = urllib.parse.urlencode({
        "task": "<https://w3id.org/skillgraph/id/onet/task/2582>",
        "level": "<https://w3id.org/skillgraph/ontology#Advanced>",
        "format": "csv",
    })
    with urllib.request.urlopen(f"{base}/queries/esco_skills_for_task_at_level?{params}", timeout=30) as r:
        rows = list(csv.DictReader(io.StringIO(r.read().decode("utf-8"))))
    hit = [r for r in rows if r["skillLabel"] == "perform escalation procedure"]
    assert hit, [r["skillLabel"] for r in rows]
    assert 0 < float(hit[0]["confidence"]) <= 1
    # crosswalk v3: one alignment per (task, skill); of the statements anchored to the task that reach the
    # skill, the one that reaches it best sets its required level (Advanced "Escalation summarization")
    assert hit[0]["statementLabel"] == "Escalation summarization"
    assert (hit[0]["requiredLevel"], hit[0]["levelEvidence"]) == (
        "https://w3id.org/skillgraph/ontology#Advanced", "task-statement")
    assert hit[0]["relationType"] == "essential"
    with urllib.request.urlopen(
        f"{base}/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}), timeout=30
    ) as r:
        assert json.loads(r.read())["results"]["bindings"]
