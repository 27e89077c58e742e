"""`skillgraph eval`: metrics of a crosswalk run (its SSSOM export) on a judged gold set, held-out part.

The gold file here is a hand-written fixture in the gold format (not judgements of record); the
expected figures are worked out by hand in the comments from the sample crosswalk's answers.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from skillgraph.cli import main
from skillgraph.crosswalk import align
from skillgraph.crosswalk.evaluate import expected_calibration_error, read_gold
from skillgraph.crosswalk.sssom import write_sssom
from skillgraph.errors import SourceError

from test_crosswalk import sample_graphs

GOLD = Path(__file__).parent / "fixtures" / "crosswalk" / "gold" / "sample_gold.sssom.tsv"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    graphs = sample_graphs()
    g, _ = align(graphs)
    path = tmp_path_factory.mktemp("run") / "crosswalk.sssom.tsv"
    write_sssom(g, path, labels=graphs.values())
    return path


def test_eval_prints_the_metrics_of_a_run(sample_run, capsys):
    assert main(["eval", str(GOLD), "--run", f"lexical={sample_run}", "--format", "json"]) == 0
    r = json.loads(capsys.readouterr().out)["lexical"]
    # held-out tasks 2582, 2583, 9999, 1234 (1234 unanswered); the run's answers, best first:
    #   2582: escalation (2)                        P@5 1/5, hit@1, nDCG 1
    #   2583: charges (0), customer service (1)     P@5 1/5, hit@5, nDCG (1/log2 3) / (3 + 1/log2 3)
    #   9999: customer service (0), contact customers (unjudged), communicate (1)   P@5 1/5, hit@5, nDCG 1/2
    assert r["tasks"] == 4
    assert r["P@5"] == pytest.approx(0.6 / 4)
    assert r["hit@1"] == pytest.approx(1 / 4) and r["hit@5"] == pytest.approx(3 / 4)
    assert r["coverage"] == pytest.approx(3 / 4)
    l3 = 1 / math.log2(3)
    assert r["nDCG@10"] == pytest.approx((1 + l3 / (3 + l3) + 0.5) / 4)
    # judged answers (confidence, relevant): (0.1317, 1) (0.174, 0) (0.1409, 1) in one bin, (0.8188, 0), (0.5172, 1)
    bin1 = abs((0.1317 + 0.174 + 0.1409) / 3 - 2 / 3)
    assert r["ECE"] == pytest.approx(3 / 5 * bin1 + 0.8188 / 5 + (1 - 0.5172) / 5)
    # escalation needed at Advanced (the run says Advanced); customer service at Intermediate (the run: Expert)
    assert r["level accuracy"] == pytest.approx(0.5)


def test_eval_table_and_tune_split(sample_run, capsys):
    assert main(["eval", str(GOLD), "--run", f"lexical={sample_run}", "--split", "tune"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tune tasks of")
    assert out[1].split() == ["method", "tasks", "P@5", "nDCG@10", "hit@1", "hit@5", "coverage", "ECE", "level", "accuracy"]
    assert out[2].split() == ["lexical", "1", "0.200", "1.000", "1.000", "1.000", "1.000", "0.068", "1.000"]


def test_calibration_error():
    assert expected_calibration_error([]) is None
    assert expected_calibration_error([(0.95, 1), (0.05, 0)]) == pytest.approx(0.05)


@pytest.mark.parametrize("column, value, problem", [
    ("judgement", "3", "judgement '3' is not 0, 1 or 2"),
    ("mapping_justification", "semapv:LexicalMatching", "is not semapv:ManualMappingCuration"),
    ("split", "test", "split 'test' is not one of tune, heldout"),
])
def test_gold_errors_name_file_line_and_column(tmp_path, column, value, problem):
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    cols = lines[header].split("\t")
    row = lines[header + 3].split("\t")
    row[cols.index(column)] = value
    lines[header + 3] = "\t".join(row)
    bad = tmp_path / "gold.tsv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as e:
        read_gold(bad)
    assert (e.value.line, e.value.column) == (header + 4, column) and problem in e.value.problem


def test_gold_without_judgement_column(tmp_path):
    bad = tmp_path / "gold.tsv"
    bad.write_text("subject_id\tobject_id\tmapping_justification\tsplit\nonet:task/1\tesco:skill/x\tsemapv:ManualMappingCuration\ttune\n",
                   encoding="utf-8")
    with pytest.raises(SourceError, match="lacks the judgement column"):
        read_gold(bad)
    assert main(["eval", str(bad), "--run", f"x={bad}"]) == 2
