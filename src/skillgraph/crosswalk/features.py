"""Named evidence features of a (task, candidate ESCO skill) pair, for the support re-ranker (rerank.py).

Each feature is one kind of evidence the issue lists, and the alignment names the kinds that were
present (sg:evidenceKind, `EVIDENCE_KIND`). All are in [0, 1] or small ranges:

  dense_sim            cosine of the task's and the skill label's all-MiniLM-L6-v2 embeddings
  desc_sim             cosine of the task's and the skill's "label. description" embeddings (the skill's
                       meaning, where the label alone is terse or ambiguous)
  dense_gap            the task's best candidate cosine minus this one (how far behind the best it is)
  lexical_sim          the lexical similarity (lexical.py, weighted inside the task's occupation)
  statement_chain      a * sim(statement, skill) through the best statement anchored to the task
  chain_dense          the same chain measured densely: a * cosine of the statement's ("label. text") and the
                       skill label's embeddings, the best anchored statement (the chain's dense counterpart, as
                       dense_sim is lexical_sim's: a statement says "escalation" where its task says "refer
                       unresolved grievances to designated departments")
  chain_gap            the task's best chain_dense minus this one (0 for a task without anchored statements), as
                       dense_gap is to dense_sim
  essential_relation   the skill is essential for an ESCO occupation linked to the task's occupation:
                       the link's confidence (published links 1)
  optional_relation    the same for an optional relation
  isco_siblings        share of the other ESCO occupations in the linked occupations' ISCO-08 unit group
                       relating the skill (essential 1, optional 0.5); the best group
  dwa_agreement        cosine of the skill with the mean embedding of the other tasks sharing a Detailed
                       Work Activity with the task (Tasks to DWAs)
  element_importance   O*NET Importance, for the task's occupation, of the O*NET element the skill closely
                       matches, (IM - 1) / 4 times the match's confidence; the best
  reuse_transversal, reuse_cross_sector, reuse_sector_specific
                       ESCO's reuse level of the skill (occupation-specific or none: all 0)
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rdflib import URIRef

from .dense_space import DESCRIBED
from .inputs import Inputs

if TYPE_CHECKING:
    from .dense_space import DenseSpace

DENSE_FEATURES = ("dense_sim", "dense_gap", "dwa_agreement", "desc_sim", "chain_dense", "chain_gap")
FEATURES = ("dense_sim", "dense_gap", "desc_sim", "lexical_sim", "statement_chain", "chain_dense", "chain_gap",
            "essential_relation", "optional_relation", "isco_siblings", "dwa_agreement", "element_importance",
            "reuse_transversal", "reuse_cross_sector", "reuse_sector_specific")
LEXICAL_FEATURES = tuple(f for f in FEATURES if f not in DENSE_FEATURES)
# the sg:evidenceKind value each feature adds to an alignment when it is non-zero (the gaps add none; the dense
# chain is dense evidence: every candidate of a task with anchored statements has a cosine through them, where
# "task-anchor" says a statement shares a specific word with the skill)
EVIDENCE_KIND = {"dense_sim": "dense", "desc_sim": "dense", "lexical_sim": "lexical", "statement_chain": "task-anchor",
                 "chain_dense": "dense",
                 "essential_relation": "essential-relation", "optional_relation": "optional-relation",
                 "isco_siblings": "isco-siblings", "dwa_agreement": "dwa-agreement", "element_importance": "rating",
                 "reuse_transversal": "reuse-level", "reuse_cross_sector": "reuse-level",
                 "reuse_sector_specific": "reuse-level"}
REUSE = {"transversal": "reuse_transversal", "cross-sector": "reuse_cross_sector",
         "sector-specific": "reuse_sector_specific"}
W_REL = {"essential": 1.0, "optional": 0.5}


@dataclass
class Candidate:
    """What the scorer knows of one (task, skill) candidate before the features are assembled."""

    skill: URIRef
    relation: str | None      # strongest ESCO relation to a linked ESCO occupation
    link: float               # that link's confidence (0 without a relation)
    lexical: float            # s_raw
    chain: float              # s_via


class FeatureSpace:
    """Precomputed structure (ISCO groups' relations, DWA neighbours) to give candidates their features."""

    def __init__(self, inp: Inputs, element_match: dict[URIRef, list[tuple[URIRef, float]]],
                 space: DenseSpace | None = None,
                 anchors: Mapping[URIRef, Sequence[tuple[URIRef, float]]] | None = None) -> None:
        """`anchors`: task -> [(statement, anchor confidence)], the statement -> task anchors (the aligner's)."""
        self.inp = inp
        self.element_match = element_match
        self.space = space
        self.anchors = anchors or {}
        # ISCO-08 unit group -> its ESCO occupations, and per group skill -> summed relation weight
        self.group_of: dict[URIRef, str] = {}
        members: dict[str, list[URIRef]] = defaultdict(list)
        for eo, (_, _, code) in inp.esco_occupations.items():
            g = code.strip()[:4]
            if g:
                self.group_of[eo] = g
                members[g].append(eo)
        self.members = dict(members)
        self._group_weights: dict[str, dict[URIRef, float]] = {}
        self.tasks_of_dwa: dict[URIRef, set[URIRef]] = defaultdict(set)
        for t, dwas in inp.task_dwas.items():
            for d in dwas:
                self.tasks_of_dwa[d].add(t)

    def _weights(self, group: str) -> dict[URIRef, float]:
        w = self._group_weights.get(group)
        if w is None:
            w = defaultdict(float)
            for eo in self.members.get(group, ()):
                for skill, (rel, _) in self.inp.esco_relations.get(eo, {}).items():
                    w[skill] += W_REL.get(rel, 0.0)
            self._group_weights[group] = w = dict(w)
        return w

    def _siblings(self, occs: Iterable[URIRef]) -> list[tuple[dict[URIRef, float], dict[URIRef, float], int]]:
        """Per ISCO group of the task's linked ESCO occupations: (group weights, the linked ones' own, n others)."""
        linked: dict[str, set[URIRef]] = defaultdict(set)
        for o in occs:
            for eo in self.inp.onet_to_esco.get(o, ()):
                g = self.group_of.get(eo)
                if g is not None:
                    linked[g].add(eo)
        out = []
        for g, own in sorted(linked.items()):
            others = len(self.members.get(g, ())) - len(own)
            if others <= 0:
                continue
            own_w: dict[URIRef, float] = defaultdict(float)
            for eo in own:
                for skill, (rel, _) in self.inp.esco_relations.get(eo, {}).items():
                    own_w[skill] += W_REL.get(rel, 0.0)
            out.append((self._weights(g), own_w, others))
        return out

    def rows(self, task: URIRef, occs: Iterable[URIRef], cands: list[Candidate]) -> list[dict[str, float]]:
        """The features of each candidate of one task, by name (FEATURES)."""
        inp = self.inp
        occs = sorted(occs, key=str)
        sib = self._siblings(occs)
        skills = [c.skill for c in cands]
        dense_sims = dwa = desc = None
        chain = [0.0] * len(skills)
        if self.space is not None:
            for st, a in self.anchors.get(task, ()):
                if st in inp.statements:
                    chain = [max(x, a * y) for x, y in zip(chain, self.space.cosines(st, skills), strict=True)]
            dense_sims = self.space.cosines(task, skills)
            desc = self.space.cosines(task, [(DESCRIBED, s) for s in skills])
            neighbours = set().union(*(self.tasks_of_dwa.get(d, set()) for d in inp.task_dwas.get(task, ()))) - {task}
            c = self.space.centroid(sorted(neighbours, key=str))
            dwa = self.space.cosines(c, skills) if c is not None else [0.0] * len(skills)
        best = max(dense_sims) if dense_sims else 0.0
        best_chain = max(chain, default=0.0)
        out = []
        for i, c in enumerate(cands):
            f = dict.fromkeys(FEATURES, 0.0)
            if dense_sims is not None and dwa is not None and desc is not None:
                f["dense_sim"] = dense_sims[i]
                f["desc_sim"] = desc[i]
                f["dense_gap"] = best - dense_sims[i]
                f["dwa_agreement"] = dwa[i]
            f["lexical_sim"] = c.lexical
            f["statement_chain"] = c.chain
            f["chain_dense"] = chain[i]
            f["chain_gap"] = best_chain - chain[i]
            if c.relation in ("essential", "optional"):
                f[f"{c.relation}_relation"] = c.link
            f["isco_siblings"] = max(((w.get(c.skill, 0.0) - own.get(c.skill, 0.0)) / n for w, own, n in sib),
                                     default=0.0)
            imp = 0.0
            for el, mconf in self.element_match.get(c.skill, ()):
                for o in occs:
                    im = inp.ratings.get((o, el, "IM"))
                    if im is not None:
                        imp = max(imp, max(0.0, (im[1] - 1.0) / 4.0) * mconf)
            f["element_importance"] = imp
            reuse = REUSE.get(inp.skill_reuse.get(c.skill, ""))
            if reuse:
                f[reuse] = 1.0
            out.append(f)
        return out


def evidence_kinds(f: dict[str, Any]) -> set[str]:
    """The sg:evidenceKind values of the features that are present (non-zero) for a candidate."""
    return {EVIDENCE_KIND[k] for k, v in f.items() if k in EVIDENCE_KIND and v > 0}
