"""Incremental builds on the embedded default: a rebuild with nothing changed maps nothing and publishes
the same graph; a rebuild after one source changed maps again only that source and what joins to it, and
gives the graph a from-scratch build of the same inputs gives; a source given as a list of paths
(repeatable --aei) is fingerprinted path by path."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from skillgraph import store
from skillgraph.build import build
from skillgraph.mappings import SOURCES
from skillgraph.reasoning import store_graph


def graphs_of(build_dir: Path, build_id: str | None = None) -> dict[str, Graph]:
    """Every named graph of a build (default: the current one), without the dcterms:created stamps
    (a from-scratch build stamps the graphs it maps anew)."""
    st = store.open_read_only(build_dir, build_id)
    out = {}
    for name in st.named_graphs():
        g = store_graph(st, name)
        g.remove((None, DCTERMS.created, None))
        out[name.value] = g
    return out


def info(build_dir: Path) -> dict:
    return json.loads((store.build_path(build_dir) / "reports" / "build.json").read_text(encoding="utf-8"))


def stages(build_dir: Path, kind: str) -> set[str]:
    return {k.split(":", 1)[1] for k in info(build_dir)["timings_s"] if k.startswith(kind + ":")}


@pytest.fixture(scope="module")
def first(embedded_build, tmp_path_factory):
    """A copy of the session's embedded build folder (rebuilding in it must not move the shared one's CURRENT)."""
    d = tmp_path_factory.mktemp("incremental") / "build"
    shutil.copytree(embedded_build[0], d, symlinks=True)
    return d


def test_a_rebuild_with_nothing_changed_maps_nothing_and_publishes_the_same_graph(first):
    before = info(first)
    log: list[str] = []
    summary = build(first, log=log.append)
    after = info(first)
    assert summary.build_id != before["build_id"] and store.current_id(first) == summary.build_id
    assert after["reused_from"] == before["build_id"]
    assert after["timings_s"].keys() == {"snapshot"}
    assert after["graphs"] == before["graphs"] and summary.graphs == before["graphs"]
    assert [line for line in log if line.startswith("nothing changed since build")]
    old, new = graphs_of(first, before["build_id"]), graphs_of(first)
    assert old.keys() == new.keys() and len(new) == len(before["graphs"]) == 13
    for g in new:
        assert isomorphic(old[g], new[g]), g
    exports = store.build_path(first) / "exports"
    assert {p.name for p in exports.iterdir()} == {f"{k}.ttl" for k in before["graphs"]} | {
        "skillgraph.nq", "skillgraph.trig", "crosswalk.sssom.tsv"}


def test_one_changed_source_is_mapped_again_with_what_joins_to_it_and_nothing_else(first, tmp_path):
    esco = tmp_path / "esco"
    shutil.copytree(SOURCES.get("esco").embedded_path(), esco)
    skills = esco / "v1.1.1-sample" / "skills_en.csv"
    text = skills.read_text(encoding="utf-8")
    assert text.count(",customer service,") == 1
    skills.write_text(text.replace(",customer service,", ",customer service (edited),"), encoding="utf-8")

    build(first, paths={"esco": esco}, log=lambda m: None)
    got = info(first)
    # esco changed; nesta joins to the esco graph; everything else is copied from the previous build
    assert stages(first, "map") == {"esco", "nesta"}
    assert stages(first, "reuse") == set(SOURCES.keys()) - {"esco", "nesta"}
    assert set(got["reused"]) == stages(first, "reuse")  # the crosswalk aligns esco's labels: computed again
    incremental = graphs_of(first)

    scratch = tmp_path / "scratch"
    build(scratch, paths={"esco": esco}, log=lambda m: None, incremental=False)
    assert stages(scratch, "reuse") == set() and info(scratch)["reused"] == []
    fresh = graphs_of(scratch)
    assert incremental.keys() == fresh.keys() and len(fresh) == len(got["graphs"]) == 13
    for g in fresh:
        assert isomorphic(incremental[g], fresh[g]), g
    st = store.open_read_only(first)
    assert bool(st.query('ASK { GRAPH ?g { ?s ?p "customer service (edited)"@en } }'))


def test_a_list_of_paths_is_fingerprinted_path_by_path(first, tmp_path):
    """aei takes several releases (repeatable --aei): giving one more release maps aei again, nothing else."""
    aei = SOURCES.get("aei")
    release = next(p for p in sorted(aei.embedded_path().iterdir()) if p.is_dir())
    extra = tmp_path / "aei" / release.name
    shutil.copytree(release, extra)
    build(first, log=lambda m: None)  # back to the embedded inputs (the previous test changed esco)
    build(first, paths={"aei": [extra.parent]}, log=lambda m: None)
    assert stages(first, "map") == {"aei"}
    assert info(first)["sources"]["aei"]["path"] == [str(extra.parent), str(aei.embedded_path())]
