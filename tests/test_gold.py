"""The judged gold set (eval/gold/onet_task_esco_skill.sssom.tsv): SSSOM/TSV structure, grades, splits, and that
every IRI resolves against the staged O*NET 30.1 and ESCO v1.1.1 releases."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from pathlib import Path

import pytest

from skillgraph.tabular import read_table

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold"
SSSOM = GOLD / "onet_task_esco_skill.sssom.tsv"
RULE = GOLD / "README.md"

# The judged figures: whole tasks only (every pooled candidate of the task judged).
TASKS_PER_SPLIT = {"tune": 115, "heldout": 148}
OCCUPATIONS_PER_SPLIT = {"tune": 52, "heldout": 74}
PAIRS_PER_GRADE = {"0": 5588, "1": 1923, "2": 606}
PAIRS_PER_SPLIT = {"tune": 3513, "heldout": 4604}
POOL_METHODS = {"bm25", "dense", "profile", "dense_desc", "v3", "hybrid",  # gold_pool.py, first and --extend
                "reranked", "chain"}  # gold_pool.py --extend --occupation, --pool-runs
REQUIRED_META = {"mapping_set_id", "license", "creator_label", "mapping_date", "curie_map"}
REQUIRED_COLUMNS = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label",
                    "mapping_justification", "grade", "split", "onet_soc", "job_zone"]
TASK_NS = "https://w3id.org/skillgraph/id/onet/task/"
ESCO_NS = "http://data.europa.eu/esco/skill/"


def parse_sssom(path: Path) -> tuple[dict, list[dict[str, str]]]:
    """SSSOM/TSV: a '#'-prefixed YAML block (flat keys plus the curie_map mapping), then a TSV table."""
    meta: dict = {}
    block: dict | None = None
    with open(path, encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    body = []
    for n, line in enumerate(lines, 1):
        if not line.startswith("#"):
            body.append(line)
            continue
        text = line[2:] if line.startswith("# ") else line[1:]
        key, sep, value = text.strip().partition(":")
        assert sep, f"{path}:{n}: metadata line is not 'key: value': {line!r}"
        if text.startswith("  ") and block is not None:
            block[key] = value.strip()
        elif value.strip():
            meta[key], block = value.strip(), None
        else:
            meta[key] = block = {}
    rows = list(csv.DictReader([b for b in body if b], delimiter="\t"))
    return meta, rows


@pytest.fixture(scope="module")
def gold() -> tuple[dict, list[dict[str, str]]]:
    return parse_sssom(SSSOM)


def expand(curie: str, curie_map: dict[str, str]) -> str:
    prefix, sep, local = curie.partition(":")
    assert sep and prefix in curie_map, f"{curie!r} uses a prefix missing from curie_map"
    return curie_map[prefix] + local


def test_header_and_columns(gold):
    meta, rows = gold
    assert REQUIRED_META <= set(meta), REQUIRED_META - set(meta)
    assert meta["mapping_set_id"].startswith("https://w3id.org/skillgraph/")
    assert meta["curie_map"]["sgtask"] == TASK_NS and meta["curie_map"]["escoskill"] == ESCO_NS
    assert rows and all(set(REQUIRED_COLUMNS) <= set(r) for r in rows)
    try:
        import yaml  # a cross-check with a real YAML parser where one is installed
    except ImportError:
        return
    with open(SSSOM, encoding="utf-8") as f:
        head = "".join(line[2:] if line.startswith("# ") else line[1:] for line in f if line.startswith("#"))
    parsed = yaml.safe_load(head)
    assert {k: (v if isinstance(v, dict) else str(v)) for k, v in parsed.items()} == meta


def test_values(gold):
    meta, rows = gold
    cm = meta["curie_map"]
    for i, r in enumerate(rows, 2):
        assert r["grade"] in {"0", "1", "2"}, f"row {i}: grade {r['grade']!r}"
        assert r["split"] in {"tune", "heldout"}, f"row {i}: split {r['split']!r}"
        assert r["mapping_justification"] == "semapv:ManualMappingCuration", f"row {i}"
        assert r["predicate_id"] == "skos:relatedMatch", f"row {i}"
        assert r["predicate_modifier"] == ("Not" if r["grade"] == "0" else ""), f"row {i}"
        assert expand(r["subject_id"], cm).startswith(TASK_NS) and expand(r["object_id"], cm).startswith(ESCO_NS)
        assert r["job_zone"] in {"1", "2", "3", "4", "5"}, f"row {i}"
        methods = set(r["pool_methods"].split("+"))
        assert methods and methods <= POOL_METHODS, f"row {i}: pool_methods {r['pool_methods']!r}"
    pairs = [(r["subject_id"], r["object_id"]) for r in rows]
    assert len(pairs) == len(set(pairs)), "a (task, skill) pair is judged twice"


def test_splits_disjoint_by_occupation_and_counted(gold):
    _, rows = gold
    occ_split: dict[str, set[str]] = defaultdict(set)
    task_split: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        occ_split[r["onet_soc"]].add(r["split"])
        task_split[r["subject_id"]].add(r["split"])
    assert all(len(s) == 1 for s in occ_split.values()), {o: s for o, s in occ_split.items() if len(s) > 1}
    counts = {"tune": 0, "heldout": 0}
    for s in task_split.values():
        counts[next(iter(s))] += 1
    assert counts == TASKS_PER_SPLIT
    occ = {"tune": 0, "heldout": 0}
    for s in occ_split.values():
        occ[next(iter(s))] += 1
    assert occ == OCCUPATIONS_PER_SPLIT
    grades = {"0": 0, "1": 0, "2": 0}
    pairs = {"tune": 0, "heldout": 0}
    for r in rows:
        grades[r["grade"]] += 1
        pairs[r["split"]] += 1
    assert grades == PAIRS_PER_GRADE
    assert pairs == PAIRS_PER_SPLIT


def test_every_sampled_task_judged_with_its_whole_pool(gold):
    """Every sampled task is in the file with its whole pool judged (at least one pair each), in its sampled split."""
    meta, rows = gold
    have = defaultdict(set)
    for r in rows:
        have[expand(r["subject_id"], meta["curie_map"])[len(TASK_NS):]].add(expand(r["object_id"], meta["curie_map"]))
    with open(GOLD / "pool.tsv", encoding="utf-8") as f:
        pool = defaultdict(set)
        for r in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"):
            pool[r["task_id"]].add(r["skill_uri"])
    assert len(have) == sum(TASKS_PER_SPLIT.values())
    with open(GOLD / "sample.tsv", encoding="utf-8") as f:
        sampled = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        sample = {r["task_id"]: r for r in sampled}
    assert set(have) == set(sample), "the gold file and the sample differ in their tasks"
    splits = {expand(r["subject_id"], meta["curie_map"])[len(TASK_NS):]: r["split"] for r in rows}
    assert all(splits[t] == sample[t]["split"] for t in sample), "a task's split differs from the sample's"
    for task, skills in have.items():
        assert skills == pool[task], f"task {task}: judged pairs differ from its pool"
        assert len(skills) >= 1


def test_judging_rule_is_written():
    text = RULE.read_text(encoding="utf-8")
    assert "## The judging rule" in text and "AI model" in text


def test_iris_resolve_against_the_releases(gold, shared_data):
    meta, rows = gold
    cm = meta["curie_map"]
    tasks = {
        r["Task ID"]: r
        for r in read_table(shared_data / "onet/30.1/Task Statements.xlsx", ["Task ID", "O*NET-SOC Code"])
    }
    zones = {r["O*NET-SOC Code"]: r["Job Zone"] for r in read_table(shared_data / "onet/30.1/Job Zones.xlsx")}
    with gzip.open(shared_data / "esco/v1.1.1/skills_en.csv.gz", "rt", newline="", encoding="utf-8") as f:
        skills = {r["conceptUri"]: r["preferredLabel"] for r in csv.DictReader(f)}
    for i, r in enumerate(rows, 2):
        tid = expand(r["subject_id"], cm)[len(TASK_NS):]
        assert tid in tasks, f"row {i}: task {tid} not in O*NET 30.1"
        assert tasks[tid]["O*NET-SOC Code"] == r["onet_soc"], f"row {i}: occupation"
        assert tasks[tid]["Task"].strip() == r["subject_label"], f"row {i}: task text"
        assert str(int(float(zones[r["onet_soc"]]))) == r["job_zone"], f"row {i}: job zone"
        uri = expand(r["object_id"], cm)
        assert skills.get(uri) is not None, f"row {i}: {uri} not in ESCO v1.1.1"
        assert skills[uri].strip() == r["object_label"], f"row {i}: skill label"
