"""What the server's query check costs: rdflib parse (uncached) and a cache hit, against running the query.

    python bench/server_check.py [BUILD_DIR]    # default: a fresh embedded build in a temp folder

For each curated query (parameters inlined, as served) and a 64 000-character VALUES query (the
longest the server parses): the uncached check, a cached check, and the query run on the store
in-process, each the median of several runs; the ratios are what to compare across machines.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path


def median_time(fn, n: int = 5) -> float:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> None:
    from skillgraph import store as store_mod
    from skillgraph.queries import catalog
    from skillgraph.query import run
    from skillgraph.server import checks

    if len(sys.argv) > 1:
        build_dir = Path(sys.argv[1])
    else:
        from skillgraph.build import build

        build_dir = Path(tempfile.mkdtemp()) / "build"
        build(build_dir)
    st = store_mod.open_read_only(build_dir)
    checks.inspect("ASK {}")  # the grammar's one-time warm-up, done at server start
    items = [(name, cq.bind({})) for name, cq in sorted(catalog().items())]
    values = " ".join(f"<http://example.org/item/{i}>" for i in range(2000))
    big = f"SELECT * WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?o }}"
    items.append((f"values ({len(big)} chars)", big[: checks.MAX_QUERY_CHARS - 20] + " } ?x ?p ?o }"
                  if len(big) > checks.MAX_QUERY_CHARS else big))
    print(f"{'query':40} {'check ms':>9} {'cached us':>10} {'run ms':>9} {'check/run':>10}")
    for name, text in items:
        parse = median_time(lambda text=text: checks._inspect(text))
        checks.inspect(text)
        hit = median_time(lambda text=text: checks.inspect(text), 50)
        run_s = median_time(lambda text=text: list(run(st, text)), 3)
        print(f"{name:40} {parse * 1e3:9.1f} {hit * 1e6:10.1f} {run_s * 1e3:9.1f} {parse / run_s:10.2f}")


if __name__ == "__main__":
    main()
