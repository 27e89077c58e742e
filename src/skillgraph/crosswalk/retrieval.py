"""Retrievers of candidate ESCO skills over all of ESCO, by name, and their fusion.

Why a registry: retrieval only proposes candidates (every candidate is then scored the same way, and
structure is a feature, never a filter), so a second method -- a dense sentence encoder beside the
lexical inverted index -- can be added by name and fused with the others without touching the scorer.
`fuse` is reciprocal-rank fusion (RRF): it needs no score calibration between methods.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .align import Aligner

RRF_K = 60  # the usual RRF constant: a rank's weight 1 / (RRF_K + rank)


class Retriever(Protocol):
    """Proposes the best `k` ESCO skills for a text of the corpus (a task or a statement), with scores."""

    name: str

    def retrieve(self, query: Hashable, k: int) -> list[tuple[Hashable, float]]:
        """The best `k` skills for the query, best first, with the method's own scores."""
        ...


class LexicalRetriever:
    """Cosine over the query's discriminating stems (lexical.InvertedIndex.retrieve): no extra package."""

    name = "lexical"

    def __init__(self, aligner: Aligner) -> None:
        self.index = aligner.skill_index()

    def retrieve(self, query: Hashable, k: int) -> list[tuple[Hashable, float]]:
        """The `k` skills with the highest cosine to the query over its discriminating stems."""
        return self.index.retrieve(query, k)


class DenseRetriever:
    """Cosine of all-MiniLM-L6-v2 embeddings (dense_space.DenseSpace): needs the `dense` extra and the model."""

    name = "dense"

    def __init__(self, aligner: Aligner) -> None:
        if aligner.dense_space is None:
            from .dense_space import DenseSpace

            aligner.dense_space = DenseSpace(aligner.inp)
        self.space = aligner.dense_space

    def retrieve(self, query: Hashable, k: int) -> list[tuple[Hashable, float]]:
        """The `k` skills whose label embeddings are nearest the query's text embedding."""
        return self.space.retrieve(query, k)


RETRIEVERS: dict[str, Callable[[Aligner], Retriever]] = {"lexical": LexicalRetriever, "dense": DenseRetriever}

# The build's default: the re-ranked hybrid where the dense extra and model are installed (better than the
# lexical v3 formula on every held-out metric of the judged gold set), else lexical; build.json and
# sg:method say which ran. Choose another with --crosswalk-retrieval.
DEFAULT_MODE = "auto"

# What `--crosswalk-retrieval` chooses: retrievers fused, and the re-ranker that scores their candidates
# (None: the v3 formula). `auto` is `hybrid` when dense retrieval can run here, else `lexical`.
MODES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "lexical": (("lexical",), None),
    "lexical-reranked": (("lexical",), "lexical"),
    "hybrid": (("lexical", "dense"), "hybrid"),
}


def resolve(mode: str) -> str:
    """The mode that runs for a requested one: `auto` -> hybrid or lexical by what is installed; an unknown
    mode is a ValueError listing the valid ones; hybrid without the dense extra says what to install."""
    from . import dense

    if mode == "auto":
        return "hybrid" if dense.available() else "lexical"
    if mode not in MODES:
        raise ValueError(f"unknown crosswalk retrieval {mode!r}; valid: {', '.join(['auto', *sorted(MODES)])}")
    if "dense" in MODES[mode][0]:
        reason = dense.unavailable_reason()
        if reason:
            raise dense.DenseUnavailable(f"crosswalk retrieval {mode!r} needs dense retrieval: {reason}")
    return mode


def make(names: Sequence[str], aligner: Aligner) -> list[Retriever]:
    """The named retrievers for an aligner; an unknown name is a ValueError listing the valid ones."""
    unknown = [n for n in names if n not in RETRIEVERS]
    if unknown or not names:
        raise ValueError(f"unknown retriever(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
                         f"valid: {', '.join(sorted(RETRIEVERS))}")
    return [RETRIEVERS[n](aligner) for n in names]


def fuse(rankings: Sequence[list[tuple[Hashable, float]]], k: int) -> list[Hashable]:
    """The best `k` keys by reciprocal-rank fusion of several rankings (one ranking: itself, cut to k)."""
    if len(rankings) == 1:
        return [key for key, _ in rankings[0][:k]]
    score: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, (key, _) in enumerate(ranking, start=1):
            score[key] = score.get(key, 0.0) + 1.0 / (RRF_K + rank)
    return [key for key, _ in sorted(score.items(), key=lambda x: (-x[1], str(x[0])))[:k]]
