"""Progress of long stages when not on a terminal: plain log lines (no carriage returns) with items,
rate and time left, sent to the build's log; nothing for stages that end quickly."""
from __future__ import annotations

import skillgraph.progress as progress


def test_a_long_stage_logs_plain_lines_with_items_rate_and_time_left(monkeypatch):
    monkeypatch.setenv("SKILLGRAPH_PROGRESS", "plain")  # as in CI logs, even when pytest runs on a terminal
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    lines: list[str] = []
    with progress.logging_to(lines.append):
        assert list(progress.track(range(3), "reading Task Statements.xlsx", unit="rows")) == [0, 1, 2]
    assert lines and all("\r" not in line and "\n" not in line for line in lines)
    assert lines[-1].startswith("reading Task Statements.xlsx: 3/3 rows [")
    assert "<" in lines[-1] and "rows/s" in lines[-1]  # elapsed<left, rate


def test_a_quick_stage_logs_nothing(monkeypatch):
    monkeypatch.setenv("SKILLGRAPH_PROGRESS", "plain")
    lines: list[str] = []
    with progress.logging_to(lines.append):
        assert sum(progress.track(range(1000), "quick")) == 499500
    assert lines == []


def test_a_build_logs_the_progress_of_its_long_stages(monkeypatch, tmp_path):
    """The build routes every stage's progress to its own log: SHACL per graph, the rules per round."""
    from skillgraph.build import build

    monkeypatch.setenv("SKILLGRAPH_PROGRESS", "plain")
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    log: list[str] = []
    build(tmp_path / "b", only=["wef"], log=log.append, export_formats=("nq",))
    # the sources' SHACL (wef), then the crosswalk's, aligned from the store once wef is in it
    shacl = [i for i, line in enumerate(log) if line.startswith("SHACL validation: 1/1 graphs [")]
    wef = next(i for i, line in enumerate(log) if line.startswith("validated wef: conforms"))
    crosswalk = next(i for i, line in enumerate(log) if line.startswith("validated crosswalk: conforms"))
    assert any(wef < i < crosswalk for i in shacl) and any(i > crosswalk for i in shacl)
    assert [line for line in log if line.startswith("rules, pass 1: ")]
    assert [line for line in log if line.startswith("loading wef: ")]


def test_reading_a_table_reports_rows_read(monkeypatch, tmp_path):
    from skillgraph.tabular import read_table

    monkeypatch.setenv("SKILLGRAPH_PROGRESS", "plain")
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    table = tmp_path / "Task Statements.csv"
    table.write_text("Task ID,Task\n1,a\n2,b\n3,c\n", encoding="utf-8")
    lines: list[str] = []
    with progress.logging_to(lines.append):
        assert [r["Task ID"] for r in read_table(table)] == ["1", "2", "3"]
    assert lines[-1].startswith("reading Task Statements.csv: 3 rows [") and "rows/s" in lines[-1]


def test_the_crosswalk_reports_its_scoring_and_its_graph(monkeypatch):
    """The crosswalk stage (minutes on the full releases) logs the tasks scored and the alignments written."""
    from skillgraph.crosswalk import align
    from tests.test_crosswalk import LEXICAL, sample_graphs

    monkeypatch.setenv("SKILLGRAPH_PROGRESS", "plain")
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(progress, "LOG_INTERVAL", 0.0)
    monkeypatch.setenv("SKILLGRAPH_CROSSWALK_WORKERS", "1")
    graphs = sample_graphs()
    log: list[str] = []
    with progress.logging_to(log.append):
        align(graphs, LEXICAL)
    scored = [line for line in log if line.startswith("scoring the tasks' support: ")]
    written = [line for line in log if line.startswith("writing the crosswalk graph: ")]
    assert scored and " tasks [" in scored[-1] and written and " alignments [" in written[-1]
