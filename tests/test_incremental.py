"""Incremental builds on the embedded default: a rebuild with nothing changed does no mapping work and
publishes the same graph; a rebuild after one source changed maps again only that source and what joins
to it, and gives the graph a from-scratch build of the same inputs gives."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from skillgraph import store
from skillgraph.build import build
from skillgraph.mappings import SOURCES


def graphs_of(build_dir: Path, build_id: str | None = None) -> dict[str, Graph]:
    """Every named graph of a build (default: the current one) as rdflib graphs, without the build-time
    dcterms:created stamps (a from-scratch build stamps its graphs anew)."""
    st = ox.Store.read_only(str(store.store_path(build_dir, build_id)))
    out = {}
    for g in st.named_graphs():
        rg = Graph().parse(data=st.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g), format="nt")
        rg.remove((None, DCTERMS.created, None))
        out[g.value] = rg
    return out


def info(build_dir: Path) -> dict:
    return json.loads((store.build_path(build_dir) / "reports" / "build.json").read_text(encoding="utf-8"))


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
    assert not [k for k in after["timings_s"] if k.startswith(("map:", "reuse:"))]
    assert after["timings_s"].keys() == {"snapshot"}
    assert after["graphs"] == before["graphs"] and summary.graphs == before["graphs"]
    assert any("nothing changed" in line for line in log)
    old = graphs_of(first, before["build_id"])
    new = graphs_of(first)
    assert old.keys() == new.keys() and len(new) == len(before["graphs"])
    for g in new:
        assert isomorphic(old[g], new[g]), g
    exports = store.build_path(first) / "exports"
    assert {p.name for p in exports.iterdir()} == {f"{k}.ttl" for k in before["graphs"]} | {"skillgraph.nq",
                                                                                           "crosswalk.sssom.tsv"}


def test_one_changed_source_is_mapped_again_with_what_joins_to_it_and_nothing_else(first, tmp_path):
    esco = tmp_path / "esco"
    shutil.copytree(SOURCES.get("esco").embedded_path(), esco)
    skills = esco / "v1.1.1-sample" / "skills_en.csv"
    text = skills.read_text(encoding="utf-8")
    assert text.count(",customer service,") == 1
    skills.write_text(text.replace(",customer service,", ",customer service (edited),"), encoding="utf-8")

    build(first, paths={"esco": esco}, log=lambda m: None)
    got = info(first)
    mapped = {k.split(":", 1)[1] for k in got["timings_s"] if k.startswith("map:")}
    reused = {k.split(":", 1)[1] for k in got["timings_s"] if k.startswith("reuse:")}
    # esco changed; nesta reads the esco graph; everything else is read back from the previous build
    assert mapped == {"esco", "nesta"}
    assert reused == set(SOURCES.keys()) - {"esco", "nesta"}
    assert set(got["reused"]) == reused  # the crosswalk aligns esco's labels: computed again
    incremental = graphs_of(first)

    scratch = tmp_path / "scratch"
    build(scratch, paths={"esco": esco}, log=lambda m: None, incremental=False)
    assert not [k for k in info(scratch)["timings_s"] if k.startswith("reuse:")]
    fresh = graphs_of(scratch)
    assert incremental.keys() == fresh.keys() and len(fresh) == len(got["graphs"])
    for g in fresh:
        assert isomorphic(incremental[g], fresh[g]), g
    st = store.open_read_only(first)
    assert bool(st.query('ASK { GRAPH ?g { ?s ?p "customer service (edited)"@en } }'))
