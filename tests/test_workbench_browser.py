"""The workbench end to end in headless Chromium: type a query, run it, read the table, follow a link.

Needs Debian's `chromium` package (/usr/bin/chromium, or SKILLGRAPH_CHROMIUM) and Playwright for
Python (the `test` extra); Playwright's own browser download is never used. Without them the
test skips, or fails when CI=true. Screenshots go to the test's tmp folder (or
$SKILLGRAPH_ARTIFACTS when set) and their paths are printed.
"""
from __future__ import annotations

import os
import shutil
import urllib.parse
from pathlib import Path

import pytest
from conftest import in_ci

from skillgraph import store as store_mod
from skillgraph.ontology import PREFIXES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
QUERY = "SELECT ?task ?label WHERE { ?task a sg:Task ; skos:prefLabel ?label } ORDER BY ?label"


def _missing(msg: str):
    if in_ci():
        pytest.fail(msg + " -- required when CI=true (apt-get install -y chromium; pip install -e '.[test]')")
    pytest.skip(msg)


@pytest.fixture(scope="module")
def browser():
    exe = os.environ.get("SKILLGRAPH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).is_file():
        _missing(f"Chromium is not installed ({exe} is missing; Debian: apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def shots(tmp_path):
    d = Path(os.environ.get("SKILLGRAPH_ARTIFACTS") or tmp_path / "screenshots")
    d.mkdir(parents=True, exist_ok=True)
    taken = []

    def shot(page, name: str) -> None:
        path = d / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        print(f"screenshot: {path}")

    yield shot


def expected(build_dir) -> set[tuple[str, str]]:
    st = store_mod.open_read_only(build_dir)
    return {
        (s["task"].value, s["label"].value) for s in st.query(QUERY, prefixes=PREFIXES, use_default_graph_as_union=True)
    }


def table_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "#result-table tr",
        "trs => trs.slice(1).map(tr => Array.from(tr.cells).map(td => td.querySelector('a') ? "
        "td.querySelector('a').textContent : td.firstChild ? td.firstChild.textContent : ''))",
    )


def test_workbench_in_chromium(browser, http_endpoint, embedded_build, shots):
    base = http_endpoint(embedded_build[0], workers=1)
    want = expected(embedded_build[0])
    assert len(want) == 13
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(base + "/")
    start = page.input_value("#query")
    assert all(f"PREFIX {k}: <{v}>" in start for k, v in PREFIXES.items())  # prefixes prefilled
    assert page.locator("#highlight .tk-kw").count() > 0  # highlighted
    # type a query after the prefixes, run it, read the table page by page
    page.fill("#query", start[: start.index("SELECT")])
    page.focus("#query")
    page.keyboard.press("Control+End")
    page.keyboard.type(QUERY)
    assert page.locator("#highlight .tk-var", has_text="?task").count() >= 2
    page.select_option("#pagesize", "10")
    page.click("#run")
    page.wait_for_selector("#result-table")
    first = table_rows(page)
    assert len(first) == 10 and page.inner_text("#range") == "rows 1–10 of 13"
    shots(page, "01-query-table")
    page.click("#next")
    second = table_rows(page)
    assert len(second) == 3 and page.inner_text("#range") == "rows 11–13 of 13"
    assert {tuple(r) for r in first + second} == want
    page.click("#prev")
    assert page.inner_text("#status").startswith("13 row(s)")
    # downloads in every result format
    hrefs = page.eval_on_selector_all("#downloads a", "as => as.map(a => [a.textContent, a.href])")
    assert [n for n, _ in hrefs] == ["json", "xml", "csv", "tsv"]
    csv_text = page.request.get(dict(hrefs)["csv"]).text()
    assert csv_text.splitlines()[0] == "task,label" and len(csv_text.splitlines()) == 14
    # follow a link to the task's Linked Data page
    task, label = sorted(want, key=lambda r: r[1])[0]
    page.click(f'#result-table a[href$="/id/{task.split("/id/", 1)[1]}"]')
    page.wait_for_selector("h1#label")
    assert page.inner_text("h1#label") == label
    assert page.url == base + "/id/" + task.split("/id/", 1)[1]
    assert "O*NET 30.1 Database" in page.inner_text("table.sources")
    shots(page, "02-resource-page")
    # errors shown in place, from a shareable link that runs at once
    page.goto(base + "/?query=SELEC%20nonsense&run=1")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error").startswith("400")
    shots(page, "03-error-in-place")
    # the graph picker, through a shareable link
    onet = "https://w3id.org/skillgraph/graph/onet"
    page.goto(base + "/?" + urllib.parse.urlencode(
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "run": "1", "graph": onet}))
    page.wait_for_selector("#result-table")
    assert page.input_value("#graph") == onet
    assert table_rows(page) == [[str(store_mod.build_info(embedded_build[0])["graphs"]["onet"])]]
    share = page.get_attribute("#share", "href")
    assert "run=1" in share and "graph=" in share
    # a curated query as a one-click example with its parameters
    page.goto(base + "/")
    page.click('li[data-name="esco_skills_for_task_at_level"] button.run-example')
    page.wait_for_selector("#result-table")
    assert "perform escalation procedure" in page.inner_text("#result-table")
    assert page.input_value("#query").startswith("# title: Which ESCO skills support an O*NET task")
    shots(page, "04-curated-example")
    # the ontology documentation
    page.goto(base + "/ontology")
    assert "An occupation-specific task statement" in page.inner_text("#Task + dd")
    shots(page, "05-ontology")
    page.close()
