"""Lexical-only vs dense-only vs hybrid retrieval over ALL ESCO v1.1.1 skills, on the judged gold set.

For every task of the chosen split of eval/gold/onet_task_esco_skill.sssom.tsv, each method ranks all
13,896 ESCO skills:

  lexical  the crosswalk's lexical scorer (skillgraph.crosswalk.lexical, v2, global weights) over the skill
           texts the crosswalk reads (label + altLabels + definition/description + scope note), searched
           through its inverted index;
  dense    all-MiniLM-L6-v2 cosine of the task text with the skill text (skillgraph.crosswalk.dense), for
           two skill texts: the preferred label alone, and label + description;
  hybrid   reciprocal rank fusion (dense.fuse, k=60) of the lexical and dense top 100.

Metrics are those of skillgraph.crosswalk.evaluate (P@5, nDCG@10, hit@1, hit@5, judged@5), computed two ways:
  all      the full ranking; a skill nobody judged for the task counts as not relevant (grade 0);
  judged   condensed lists: unjudged skills are removed from each ranking before scoring, so a method is
           not punished for finding skills outside the judged pool (which dense retrieval of label only,
           BM25 and ESCO profiles built).

    python scripts/dense_eval.py --cache DIR [--all-tasks]

--all-tasks also encodes every O*NET task (to fill the cache for a build and measure throughput). Needs the
`dense` extra and the model files (see skillgraph.crosswalk.dense), and the staged upstream data.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from pathlib import Path

from gold_common import SSSOM_TSV, read_skill_texts, read_tasks, shared_dir

from skillgraph import iri
from skillgraph.crosswalk import dense
from skillgraph.crosswalk.evaluate import Answer, evaluate, read_gold
from skillgraph.crosswalk.lexical import Corpus, Doc

DEPTH = 100  # ranks kept per method (metrics need 10; fusion takes the top 100 of each)
SHOWN = ("P@5", "nDCG@10", "hit@1", "hit@5", "judged@5")



def timed(what: str, fn, n: int):
    t = time.perf_counter()
    out = fn()
    s = time.perf_counter() - t
    print(f"  {what}: {n} texts in {s:.1f} s" + (f" ({n / s:.0f} texts/s)" if s > 0 and n else ""))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True, help="embedding cache directory")
    ap.add_argument("--gold", type=Path, default=SSSOM_TSV)
    ap.add_argument("--split", default="heldout", choices=("tune", "heldout"))
    ap.add_argument("--variants", nargs="+", default=["label", "label+description"],
                    choices=["label", "label+description"], help="skill texts to embed")
    ap.add_argument("--all-tasks", action="store_true", help="encode every O*NET task too (fills the cache)")
    a = ap.parse_args()
    reason = dense.unavailable_reason()
    if reason:
        raise SystemExit(f"dense retrieval unavailable: {reason}")
    d = shared_dir()
    gold = read_gold(a.gold)
    gold_tasks = sorted({j.task for j in gold if j.split == a.split})
    judged: dict[str, set[str]] = {}
    for j in gold:
        judged.setdefault(j.task, set()).add(j.skill)
    tasks = {str(iri.onet.task(tid)): t.text for tid, t in read_tasks(d).items()}
    skills = read_skill_texts(d, with_definition=True)
    uris = [s["uri"] for s in skills]
    print(f"{len(skills)} ESCO skills, {len(tasks)} O*NET tasks, {len(gold_tasks)} {a.split} gold tasks")

    # lexical (the crosswalk's scorer, global weights, every task and skill in the corpus as in a build)
    t0 = time.perf_counter()
    corpus = Corpus()
    for uri, text in tasks.items():
        corpus.add(Doc(uri, text, text))
    for s in skills:
        corpus.add(Doc(s["uri"], s["label"], s["full"]))
    index = corpus.index(uris)
    lexical = {t: [k for k, _ in index.search(t, k=DEPTH)] for t in gold_tasks}
    print(f"  lexical: {len(gold_tasks)} tasks ranked in {time.perf_counter() - t0:.1f} s")

    # dense
    cache = dense.EmbeddingCache(a.cache)
    enc = dense.Encoder()
    print(f"dense: {dense.PROVENANCE['model']} ({dense.PROVENANCE['license']}), numpy threads "
          f"{os.environ.get('OMP_NUM_THREADS') or os.environ.get('OPENBLAS_NUM_THREADS') or 'default'}, "
          f"cache {len(cache)} vectors before")
    task_list = list(tasks) if a.all_tasks else gold_tasks
    tvec = timed("tasks", lambda: enc.encode([tasks[t] for t in task_list], cache), len(task_list))
    tv = tvec[[task_list.index(t) for t in gold_tasks]] if a.all_tasks else tvec
    variants = {"label": [s["label"] for s in skills],
                "label+description": [dense.skill_text(s["label"], s["description"]) for s in skills]}
    dense_rank: dict[str, dict[str, list[str]]] = {}
    for name, texts in variants.items():
        if name not in a.variants:
            continue
        before = enc.encoded
        vecs = timed(f"skills ({name})", lambda texts=texts: enc.encode(texts, cache), len(texts))
        print(f"    encoded now: {enc.encoded - before}, from cache: {len(texts) - (enc.encoded - before)}")
        idx, _ = dense.DenseIndex(uris, vecs).retrieve(tv, DEPTH)
        dense_rank[name] = {t: [uris[i] for i in row] for t, row in zip(gold_tasks, idx, strict=True)}
    print(f"encoded by the network this run: {enc.encoded} texts; cache now {len(cache)} vectors")

    methods: dict[str, dict[str, list[str]]] = {"lexical": lexical}
    for name, ranks in dense_rank.items():
        methods[f"dense ({name})"] = ranks
    for name, ranks in dense_rank.items():
        methods[f"hybrid (lexical + dense {name})"] = {
            t: [k for k, _ in dense.fuse(lexical[t], ranks[t], limit=DEPTH)] for t in gold_tasks}

    def run(ranks: dict[str, list[str]], condensed: bool) -> dict[str, list[Answer]]:
        out = {}
        for t, keys in ranks.items():
            keep = [k for k in keys if not condensed or k in judged.get(t, ())]
            out[t] = [Answer(k, 1.0 - i / (len(keep) + 1), None) for i, k in enumerate(keep)]
        return out

    print(f"\n{datetime.date.today()} {platform.node()} ({os.cpu_count()} cores), split {a.split}, "
          f"{len(gold_tasks)} tasks; 'all': unjudged = not relevant; 'judged': unjudged removed (condensed)")
    head = f"{'method':42} {'ranking':8} " + " ".join(f"{m:>8}" for m in SHOWN)
    print(head)
    for name, ranks in methods.items():
        for condensed in (False, True):
            r = evaluate(gold, run(ranks, condensed), a.split)
            print(f"{name:42} {'judged' if condensed else 'all':8} " + " ".join(f"{r[m]:8.3f}" for m in SHOWN))
    cache.close()


if __name__ == "__main__":
    main()
