"""Every support method on the same tasks, for fitting the re-ranker and for `skillgraph eval` per method.

Why here and not in a script: scripts/fit_reranker.py (fit + evaluation files) and the slow regression test
(tests/test_rerank_full.py) must compute the same candidates, features and answers as a build does, so both
call these functions over one prepared aligner:

  lexical-v3        lexical retrieval, the v3 formula (what `--crosswalk-retrieval lexical` builds)
  lexical-reranked  lexical retrieval, re-ranker `lexical`
  dense             the 10 nearest skills by label embedding, confidence the cosine (uncalibrated)
  hybrid            reciprocal-rank fusion of lexical-v3's and dense's answers, confidence the higher of the
                    two (uncalibrated)
  hybrid-reranked   lexical + dense retrieval, re-ranker `hybrid` (what `--crosswalk-retrieval hybrid` builds)
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from rdflib import URIRef

from skillgraph.ontology import SEMAPV, SG

from . import rerank
from .align import Aligner, Alignment
from .dense_space import DenseSpace
from .evaluate import Answer
from .inputs import Inputs
from .retrieval import LexicalRetriever, fuse

METHODS = ("lexical-v3", "lexical-reranked", "dense", "hybrid", "hybrid-reranked")


STAGED_ONET_LACKS = ("Abilities", "Task Ratings", "Work Activities", "Work Context")  # shared/data/SOURCES.md


def gather_full(shared: Path, log: Callable[[str], None] = lambda m: None) -> Inputs:
    """The crosswalk's inputs of the full releases staged under `shared` (O*NET 30.1, ESCO v1.1.1, Nesta,
    AEI 2025-02-10; the other sources embedded), mapped as the full build maps them, without the crosswalk.
    Several GB: on a shared machine run it in the machine's full-size slot."""
    from skillgraph.build import assemble, configure, plan

    from .inputs import gather

    first = shared / "aei" / "release_2025_02_10"
    paths = {"onet": shared / "onet" / "30.1", "esco": shared / "esco" / "v1.1.1", "nesta": shared, "aei": first}
    options = {"soc_structure": first / "SOC_Structure.csv", "allow_missing": list(STAGED_ONET_LACKS)}
    configs = configure(paths, options)
    return gather(assemble(plan(configs), log, crosswalk=False, config=configs).graphs)


def prepared(inp: Inputs, cache: str | Path | None, tasks: Iterable[URIRef],
             log: Callable[[str], None] = lambda m: None) -> Aligner:
    """An aligner over all inputs, the kinds support reads (occupation links, anchors, element matches) run
    as a build runs them, scoring every candidate. Only the given tasks and those sharing a DWA with them are
    embedded: what their features read."""
    t0 = time.perf_counter()
    tasks = set(tasks)
    by_dwa: dict[URIRef, set[URIRef]] = {}
    for t, dwas in inp.task_dwas.items():
        for d in dwas:
            by_dwa.setdefault(d, set()).add(t)
    needed = tasks.union(*(by_dwa[d] for t in tasks for d in inp.task_dwas.get(t, ())))
    al = Aligner(inp, ("lexical", "dense"), None, DenseSpace(inp, cache, tasks=sorted(needed, key=str)))
    al.score_all = True
    al.occupation_links()
    al.statement_anchors()
    al.element_skills()
    al.prepare_support()
    assert al.dense_space is not None
    log(f"aligner ready in {time.perf_counter() - t0:.0f} s ({al.dense_space.encoded} texts encoded, "
        f"{al.dense_space.texts} in the space)")
    return al


def answers(al: Aligner, tasks: list[URIRef], method: str) -> dict[URIRef, list[Alignment]]:
    """One method's answers (alignments with levels) for the tasks; a name not in METHODS is a ValueError."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    assert al.dense_space is not None
    if method in ("dense", "hybrid"):
        lexical = answers(al, tasks, "lexical-v3") if method == "hybrid" else {}
        out = {}
        for t in tasks:
            d = [(s, max(0.0, min(1.0, c))) for s, c in al.dense_space.retrieve(t, 10)]
            conf = dict(d)
            if method == "hybrid":
                for a in lexical[t]:
                    conf[a.subject] = max(conf.get(a.subject, 0.0), a.confidence)
                order = fuse([[(a.subject, a.confidence) for a in lexical[t]], d], 10)
            else:
                order = [s for s, _ in d]
            out[t] = [_plain(al, URIRef(str(s)), t, conf[s], method) for s in order]
        return out
    hybrid_retrievers = al.retrievers
    if method.startswith("lexical"):
        al.retrievers = [LexicalRetriever(al)]
    model = {"lexical-v3": None, "lexical-reranked": "lexical", "hybrid-reranked": "hybrid"}[method]
    al.rerank = rerank.load(model) if model else None
    al.score_all = al.rerank is not None
    try:
        res = {}
        for t in tasks:
            res[t] = al.support_answers(t)
            al._answer_levels(res[t])
        return res
    finally:
        al.retrievers, al.rerank, al.score_all = hybrid_retrievers, None, True


def as_run(res: dict[URIRef, list[Alignment]]) -> dict[str, list[Answer]]:
    """Answers as `skillgraph eval` reads a run (evaluate.read_run of their SSSOM export gives the same)."""
    out = {}
    for t, ans in res.items():
        best: dict[str, Answer] = {}
        for a in ans:
            level = a.required_level if a.required_level in a.levels else (a.levels[0] if a.levels else None)
            best.setdefault(str(a.subject), Answer(str(a.subject), round(a.confidence, 4),
                                                   str(level) if level is not None else None))
        out[str(t)] = sorted(best.values(), key=lambda x: (-x.confidence, x.skill))
    return out


def _plain(al: Aligner, skill: URIRef, task: URIRef, conf: float, name: str) -> Alignment:
    """An answer of a method without levels (dense, fused): for evaluation files only."""
    return Alignment("esco_skill_supports_task", skill, SG.supportsTask, task, conf, conf,
                     SEMAPV.SemanticSimilarityThresholdMatching, None, [], {"dense"},
                     subject_label=al.inp.esco_skills[skill][0], method=f"{name} (evaluation run)")
