"""The alignment kinds, scored by lexical similarity and structural evidence (kind c is read from a curated set).

Confidence (every kind):   conf = 1 - (1 - s) ** (1 + b)

s is a lexical similarity in [0, 1] (`lexical.Corpus.similarity`; inside one occupation weighted by
the occupation's own vocabulary, so that words all its texts share count for little). Evidence that
goes through a statement anchored to a task is s_via = a * sim(statement, skill), a the anchor's
confidence (a chain is as strong as the product of its links). Where a skill has both direct
evidence (the task's own text) and evidence through statements, the two are independent paths and
combine as a noisy-OR: s = 1 - (1 - s_direct) * (1 - s_via); either alone gives itself.
b >= 0 is the structural weight. Structure amplifies lexical evidence but never creates it: s = 0 gives
conf = 0, b = 0 gives conf = s, b = 1 squares the distance to 1 (s = 0.3 -> 0.51). Weights:
  ESCO relation of the skill to an ESCO occupation crosswalked to the O*NET occupation:
      essential 1.0, optional 0.5, none 0;
  O*NET rating (kind b, at a level): + 0.5 when the Level rating, for the task's occupation, of an element
      the skill exactly or closely matches in the curated set (curated.py) falls in that level's band;
  published anchor set (kind a): 0.5 for a task in the set the statement's publisher lists;
  AEI task observations (kind a): 0.25 for a task the Anthropic Economic Index observed, when the
      statement cites the AEI.

Anchors (kind a), by what the statement cites:
  O*NET, and the publisher lists an anchor set: the best task of the set wherever there is any
      specific lexical evidence (s >= S_MIN_IN_SET, 0.05). The publisher says each such statement is
      mapped to one of these few tasks; the crosswalk only has to say which, so a weak but specific
      overlap is enough to choose, and the confidence (1 - (1 - s) ** 1.5, ~0.07-0.5) says how sure.
  the AEI (AI-at-Work statements): AEI observations are keyed by O*NET task statements, so the
      occupation's AEI-observed tasks are the statement's grounding; not a list the publisher gave for
      the statement, so the ordinary floor S_MIN applies.
  neither (mastery ladder; Pathsmith-only, SAFI- or WEF-only statements: skill-level or no
      evidence): only a high similarity (s >= ANCHOR_HIGH) to one of the occupation's tasks.
"""
from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from skillgraph import fastgraph, iri
from skillgraph.ontology import SEMAPV, SG, SSSOM
from skillgraph.progress import progress

from . import curated, level_prior, parallel
from . import rerank as rerank_mod
from .features import DENSE_FEATURES, Candidate, FeatureSpace, evidence_kinds
from .inputs import Inputs
from .lexical import METHOD_VERSION, Context, Corpus, Doc
from .occupations import METHOD as OCCUPATION_METHOD
from .occupations import match_occupations
from .retrieval import fuse, make

W_REL = {"essential": 1.0, "optional": 0.5}
W_ANCHOR_SET = 0.5
W_AI_TASK = 0.25
W_RATING_LEVEL = 0.5

# Lexical evidence below S_MIN is noise (one shared generic word such as "customer"): structure may
# amplify lexical evidence but a pair must clear S_MIN on its own text first.
S_MIN = 0.2
# Inside a publisher's anchor set a statement citing O*NET needs only specific evidence to choose its
# task (see the module docstring); outside any set, a statement citing nothing task-level needs a lot.
S_MIN_IN_SET = 0.0    # plus: the two texts share a stem not generic in the occupation (Context.specific_shared)
S_MIN_AEI = 0.1
ANCHOR_HIGH = 0.45
# thresholds on confidence (and, for closeMatch, on the lexical similarity itself)
ANCHOR_RELATIVE, ANCHOR_MAX = 0.85, 3
CONTEXT_CACHE = 16  # occupation contexts kept at once (the run visits occupations in order)
PARTS_PER_PROCESS = 16  # parts of the task list per scoring process: each takes the next free one (parallel.py)
# Support: the direct task-skill path needs S_MIN; the path through an anchored statement needs a
# statement-skill similarity of S_MIN_VIA with a specific shared stem (generic words are already
# discounted, so this is not the one-generic-word noise S_MIN guards against), and the chain then
# carries a * sim, so the answer's confidence stays low unless both links are good.
S_MIN_VIA = 0.1
SUPPORT_MIN, SUPPORT_TOP = 0.1, 10  # the flagship and `skillgraph eval` read at most 10 answers a task
SUPPORT_FILL = 3       # a task with no answer over SUPPORT_MIN keeps its best few, at their (low) confidence
RETRIEVAL = "lexical"  # the default retrieval over all ESCO skills (retrieval.RETRIEVERS; fused when several)
RETRIEVE_TASK, RETRIEVE_STATEMENT = 40, 15  # candidates from lexical retrieval over all ESCO skills
CLOSE_CONF, CLOSE_SIM, RELATED_CONF, MATCH_TOP = 0.6, 0.45, 0.3, 3
STATEMENT_MIN, STATEMENT_TOP = 0.25, 3
LEXICAL_POOL = 25  # candidates taken from the inverted index before structural re-scoring

KINDS = ("statement_task_anchor", "esco_skill_supports_task", "onet_element_esco_skill",
         "statement_esco_skill", "wef_esco_skill", "onet_occupation_esco_occupation")

METHODS = {
    "statement_task_anchor": (
        f"statement-task-anchor v2 ({METHOD_VERSION}; published anchor set, AEI task observations)"
    ),
    "published_anchor": "published-anchor v1 (anchor asserted by the statement's publisher)",
    "esco_skill_supports_task": (
        f"skill-supports-task v3 (retrieval {RETRIEVAL} over all ESCO skills; {METHOD_VERSION}; ESCO relations, "
        "task anchors as noisy-OR; level from statements, O*NET Levels, Job Zone)"
    ),
    "onet_element_esco_skill": curated.METHOD,
    "statement_esco_skill": f"statement-skill match v2 ({METHOD_VERSION}; ESCO relations)",
    "wef_esco_skill": f"wef-skill match v2 ({METHOD_VERSION})",
    "onet_occupation_esco_occupation": OCCUPATION_METHOD,
}


def confidence(s: float, b: float) -> float:
    """Combine lexical similarity s with structural weight b so structure amplifies evidence but never creates it."""
    s = max(0.0, min(1.0, s))
    return 1.0 - (1.0 - s) ** (1.0 + max(0.0, b))



def match_predicate(conf: float, sim: float) -> URIRef | None:
    """The rule both match kinds use: skos:closeMatch when confident and similar enough, skos:relatedMatch
    when only confident enough, None (no alignment) below that."""
    if conf >= CLOSE_CONF and sim >= CLOSE_SIM:
        return SKOS.closeMatch
    if conf >= RELATED_CONF:
        return SKOS.relatedMatch
    return None

@dataclass
class Alignment:
    """One scored correspondence, held in Python until it is written as an sg:Alignment with its evidence."""
    kind: str
    subject: URIRef
    predicate: URIRef
    object: URIRef
    similarity: float
    confidence: float
    justification: URIRef
    level: URIRef | None = None
    evidence: list[tuple[URIRef, str]] = field(default_factory=list)  # (resource, evidence kind)
    evidence_kinds: set[str] = field(default_factory=set)
    required_level: URIRef | None = None   # support: the level the skill is needed at for the task
    level_evidence: str | None = None      # support: what set it (LEVEL_EVIDENCE)
    relation_type: str | None = None       # support: ESCO relation of the skill to a crosswalked occupation
    levels: list[URIRef] = field(default_factory=list)  # support: every level it answers the flagship at
    subject_label: str | None = None  # support: the skill's label (in the node's evidence text, not a triple)
    method: str | None = None  # sg:method when the run's method differs from the kind's (METHODS)
    answers_from: URIRef | None = None     # support: the lowest of `levels` (it answers at that level and above)
    level_statement: tuple[URIRef, str] | None = None  # support: the statement that set the level, its label

    @property
    def iri(self) -> URIRef:
        """A stable IRI from the aligned terms and level, so reruns mint the same alignment node."""
        return iri.crosswalk.mint(
            "alignment", iri.digest(self.subject, self.predicate, self.object, self.level or "")
        )


_LITERALS: dict[object, Literal] = {}


def _lit(value: str | float) -> Literal:
    """An interned literal: a float as a 4-place xsd:decimal, else a plain string. The full crosswalk
    repeats a few dozen method, kind and score literals millions of times; one object each saves ~GBs."""
    lit = _LITERALS.get(value)
    if lit is None:
        lit = _LITERALS[value] = (Literal(Decimal(f"{value:.4f}"), datatype=XSD.decimal)
                                  if isinstance(value, float) else Literal(value))
    return lit


#: sg:relationType of a support alignment whose skill is in no ESCO profile of the ESCO occupations
#: crosswalked to the task's occupation (found by retrieval or through a statement only)
NO_RELATION = "none"
#: the mapping set of the support kind: its method is written once there, not on each of ~185k nodes
SUPPORT_SET = iri.crosswalk.SUPPORT_SET


T = TypeVar("T", bound=tuple)  # a ranked row: (raw probability, ...)


def kept_answers(ranked: Sequence[T], calibrate: Callable[[float], float]) -> list[tuple[T, float]]:
    """The re-ranked answers a task keeps, with their calibrated confidence: of `ranked` ((raw probability, ...),
    best first) at most SUPPORT_TOP, those under SUPPORT_MIN only to make up SUPPORT_FILL. The build and
    scripts/fit_reranker.py --cv cut the same way."""
    out: list[tuple[T, float]] = []
    for row in ranked[:SUPPORT_TOP]:
        conf = calibrate(row[0])
        if conf < SUPPORT_MIN and len(out) >= SUPPORT_FILL:
            break
        out.append((row, conf))
    return out


def support_comment(a: Alignment, kinds: set[str]) -> str:
    """The support alignment's evidence as one sentence (sssom:comment), what the flagship prints as its
    evidence path. Fixed layout, so the flagship reads the statement label and the kinds off it:
    "[statement “S” <IRI> anchored to the task at the required level; ]<relation>; level from L; evidence K1, K2"
    (a label's ” and ; are written as " and ,; the IRI lets the flagship name the statement, and its graph)."""
    rel = (f"ESCO {a.relation_type} skill of the crosswalked ESCO occupation"
           if a.relation_type not in (None, NO_RELATION) else "not in the profile of the crosswalked ESCO occupations")
    parts = [rel, f"level from {a.level_evidence}", f"evidence {', '.join(sorted(kinds))}"]
    if a.level_statement:
        st, label = a.level_statement
        label = " ".join(label.replace("”", '"').replace(";", ",").split())
        parts.insert(0, f"statement “{label}” <{st}> anchored to the task at the required level")
    return "; ".join(parts)


def emit(g: Graph, a: Alignment, add: Callable[[Any], object] | None = None) -> None:
    """Write an alignment into the crosswalk graph with its score, method and evidence (PROV/SSSOM terms).

    A support alignment (kind b, the flagship's) is kept to 12 triples + its sg:evidence: its levels as
    the lowest one it answers at (sg:answersFromLevel), its method once on SUPPORT_SET, its evidence kinds,
    level statement and relation in one sssom:comment, its relation type always (NO_RELATION when none);
    the skill's label is the ESCO graph's. Every value the flagship reads is there, so no OPTIONAL."""
    node = a.iri
    ts = [(node, RDF.type, SG.Alignment), (node, OWL.annotatedSource, a.subject),
          (node, OWL.annotatedProperty, a.predicate), (node, OWL.annotatedTarget, a.object),
          (node, SSSOM.confidence, _lit(round(float(a.confidence), 4))),
          (node, SG.similarity, _lit(round(float(a.similarity), 4))),
          (node, SSSOM.mapping_justification, a.justification)]
    kinds = set(a.evidence_kinds)
    for res, kind in a.evidence:
        ts.append((node, SG.evidence, res))
        kinds.add(kind)
    if a.required_level is not None:  # support
        ts += [(node, SG.requiredLevel, a.required_level),
               (node, SG.levelEvidence, _lit(a.level_evidence or "default")),
               (node, SG.answersFromLevel, a.answers_from or a.required_level),
               (node, SG.relationType, _lit(a.relation_type or NO_RELATION)),
               (node, SSSOM.comment, Literal(support_comment(a, kinds)))]
    else:
        ts.append((node, SG.method, _lit(a.method or METHODS[a.kind])))
        if a.level is not None:
            ts.append((node, SG.proficiencyLevel, a.level))
        ts += [(node, SG.evidenceKind, _lit(k)) for k in sorted(kinds)]
    ts.append((a.subject, a.predicate, a.object))
    add = add or fastgraph.adder(g)  # the crosswalk passes one adder for all its alignments (2.5 M triples)
    for t in ts:
        add(t)


def emit_sets(g: Graph, alignments: list[Alignment]) -> None:
    """The mapping set description of the support kind (its method, once), when the run made support alignments."""
    support = [a for a in alignments if a.required_level is not None]
    if support:
        methods = {a.method or METHODS["esco_skill_supports_task"] for a in support}
        assert len(methods) == 1, f"one support method per run, not {sorted(methods)}"
        g.addN((s, p, o, g) for s, p, o in [
            (SUPPORT_SET, RDF.type, SSSOM.MappingSet),
            (SUPPORT_SET, RDFS.label, Literal("ESCO skills supporting O*NET tasks, at levels", lang="en")),
            (SUPPORT_SET, SG.method, _lit(methods.pop()))])


class Aligner:
    """Builds one corpus over every text of the run, then produces each alignment kind in turn."""

    def __init__(self, inp: Inputs, retrievers: tuple[str, ...] = ("lexical",), rerank: str | None = None,
                 dense_space=None):
        self.inp = inp
        self.retriever_names = retrievers
        self.rerank = rerank_mod.load(rerank) if rerank else None  # None: the v3 formula scores support
        self.dense_space = dense_space  # dense_space.DenseSpace, built by the dense retriever when absent
        self.score_all = rerank is not None  # keep candidates without lexical evidence (the re-ranker weighs them)
        c = self.corpus = Corpus()
        for t, (text, _) in inp.tasks.items():
            c.add(Doc(t, text, text))
        for e, (label, definition) in inp.onet_elements.items():
            c.add(Doc(e, label, f"{label} {definition}"))
        for s, (label, text) in inp.esco_skills.items():
            c.add(Doc(s, label, text))
        for st in inp.statements.values():
            c.add(Doc(st.iri, st.label or st.text, f"{st.label} {st.text}"))
        for w, (label, text) in inp.wef_entries.items():
            c.add(Doc(w, label, text))
        self.anchors: dict[URIRef, list[tuple[URIRef, float]]] = defaultdict(list)  # task -> [(statement, a)]
        self.element_match: dict[URIRef, list[tuple[URIRef, float]]] = defaultdict(
            list
        )  # ESCO skill -> [(element, conf)]
        self.report: dict[str, Any] = {k: 0 for k in KINDS}  # counts, and the retrieval method by name
        self._skill_index = None
        self.tasks_of: dict[URIRef, set[URIRef]] = defaultdict(set)
        for t, (_, occs) in inp.tasks.items():
            for o in occs:
                self.tasks_of[o].add(t)
        self.statements_of: dict[URIRef, set[URIRef]] = defaultdict(set)
        for st in inp.statements.values():
            for o in st.occupations:
                self.statements_of[o].add(st.iri)
        self._contexts: OrderedDict[frozenset, Context] = OrderedDict()

    def context(self, occupations) -> Context | None:
        """The vocabulary of these O*NET occupations: their tasks, statements and crosswalked ESCO skills."""
        key = frozenset(occupations)
        if not key:
            return None
        ctx = self._contexts.get(key)
        if ctx is None:
            docs: set = set()
            for o in key:
                docs |= self.tasks_of.get(o, set()) | self.statements_of.get(o, set())
                docs.update(s for s in self.inp.esco_skills_for_onet(o) if s in self.inp.esco_skills)
            ctx = self._contexts[key] = self.corpus.context(docs)
            while len(self._contexts) > CONTEXT_CACHE:
                self._contexts.popitem(last=False)
        else:
            self._contexts.move_to_end(key)
        return ctx

    # -- (f) O*NET occupations the published crosswalk is silent on -> ESCO occupations ----------
    def occupation_links(self) -> list[Alignment]:
        """Kind (f): link O*NET occupations Nesta is silent on to ESCO occupations, so every task has a profile."""
        links = match_occupations(self.inp, self.tasks_of)
        out = [Alignment("onet_occupation_esco_occupation", eo, pred, o, s if how != "soc-neighbour" else 0.0, s,
                         SEMAPV.MappingChaining if how == "soc-neighbour" else SEMAPV.LexicalMatching, None, [],
                         {"crosswalk-table" if how == "soc-neighbour" else "lexical"})
               for eo, pred, o, s, how in links]
        self.report["onet_occupation_esco_occupation"] = len(out)
        for how in ("weak-lexical", "soc-neighbour"):  # the fallbacks (occupations.py), counted apart
            self.report[f"onet_occupation_esco_occupation_{how.replace('-', '_')}"] = sum(
                1 for link in links if link[4] == how)
        self.report["onet_occupations_with_tasks"] = sum(1 for o in self.inp.onet_occupations if self.tasks_of.get(o))
        self.report["onet_occupations_with_tasks_linked"] = sum(
            1 for o in self.inp.onet_occupations if self.tasks_of.get(o) and self.inp.onet_to_esco.get(o))
        return out

    # -- (a) statement -> O*NET task anchors -------------------------------------------------
    def _anchor_pool(
        self, st, occ_tasks: set[URIRef], all_sets
    ) -> tuple[dict[URIRef, URIRef | None], float, float, bool]:
        """Candidate tasks with the evidence that puts each there, the similarity floor, the structural
        weight, and whether the pool is the publisher's (see the module docstring)."""
        inp = self.inp
        if st.cites_onet:
            sets = inp.anchor_sets.get(st.graph) or all_sets
            pool: dict[URIRef, URIRef | None] = {}
            for c, members in sorted(sets.items(), key=lambda x: str(x[0])):
                for t in sorted(members, key=str):
                    if t in inp.tasks and (not occ_tasks or t in occ_tasks):
                        pool.setdefault(t, c)
            if pool:
                return pool, S_MIN_IN_SET, W_ANCHOR_SET, True
        if st.cites_aei:
            pool = {t: min(inp.ai_usage[t], key=str) for t in sorted(occ_tasks, key=str) if inp.ai_usage.get(t)}
            if pool:
                return pool, S_MIN_AEI, W_AI_TASK, False
        if st.cites_onet:  # cites O*NET but no published set: the occupation's tasks, ordinary floor
            return {t: None for t in occ_tasks}, S_MIN, 0.0, False
        return {t: None for t in occ_tasks}, ANCHOR_HIGH, 0.0, False

    def statement_anchors(self) -> list[Alignment]:
        """Kind (a): anchor each statement to the O*NET tasks it describes, as the other kinds build on anchors."""
        inp = self.inp
        out: list[Alignment] = []
        all_sets = {c: m for sets in inp.anchor_sets.values() for c, m in sets.items()}
        self.report["statement_task_anchor_in_set"] = 0
        for st in sorted(inp.statements.values(), key=lambda x: str(x.iri)):
            for t in sorted(st.anchored):
                out.append(Alignment("published_anchor", st.iri, SG.anchoredTo, t, 1.0, 1.0,
                                     SEMAPV.ManualMappingCuration, st.level, [], {"published-anchor"}))
                self.anchors[t].append((st.iri, 1.0))
            if st.anchored:
                continue
            occ_tasks = set().union(*(self.tasks_of.get(o, set()) for o in st.occupations))
            pool, floor, weight, in_set = self._anchor_pool(st, occ_tasks, all_sets)
            if not pool:
                continue
            ctx = self.context(st.occupations)
            if in_set and (ctx is None or not ctx.active):
                floor = S_MIN  # no occupation vocabulary to tell specific from generic words: the ordinary floor
            scored = []
            for t, ev in pool.items():
                s = self.corpus.similarity(st.iri, t, ctx)
                if s <= floor or (
                    in_set and floor == S_MIN_IN_SET and ctx is not None and not ctx.specific_shared(st.iri, t)
                ):
                    continue
                scored.append((confidence(s, weight if ev is not None else 0.0), s, t, ev))
            if not scored:
                continue
            scored.sort(key=lambda x: (-x[0], str(x[2])))
            best = scored[0][0]
            for conf, s, t, ev in scored[:ANCHOR_MAX]:
                if conf < ANCHOR_RELATIVE * best:
                    break
                evidence = [(ev, "task-anchor")] if ev is not None else []
                out.append(Alignment("statement_task_anchor", st.iri, SG.anchoredTo, t, s, conf,
                                     SEMAPV.CompositeMatching if evidence else SEMAPV.LexicalMatching,
                                     st.level, evidence, {"lexical"}))
                self.anchors[t].append((st.iri, conf))
                self.report["statement_task_anchor_in_set"] += in_set
        anchored = {a.subject for a in out if a.kind == "statement_task_anchor"}
        self.report["statement_task_anchor"] = sum(1 for a in out if a.kind == "statement_task_anchor")
        self.report["published_anchor"] = len(out) - self.report["statement_task_anchor"]
        self.report["statements_anchored"] = len(anchored)
        self.report["statements_citing_onet"] = sum(1 for st in inp.statements.values() if st.cites_onet)
        self.report["statements_citing_onet_anchored"] = sum(
            1 for st in inp.statements.values() if st.cites_onet and (st.iri in anchored or st.anchored))
        return out

    # -- (c) O*NET element <-> ESCO skill: the curated set (curated.py), not computed ------------
    def skill_index(self):
        """The inverted index over all ESCO skills, built once and reused by the statement search."""
        if self._skill_index is None:
            self._skill_index = self.corpus.index(sorted(self.inp.esco_skills, key=str))
        return self._skill_index

    def element_skills(self) -> list[Alignment]:
        """Kind (c): the curated O*NET element -> ESCO skill matches whose element and skill are both in this build,
        confidence from the SKOS predicate; exact and close matches carry the element's O*NET Level to the skill."""
        inp = self.inp
        out: list[Alignment] = []
        dropped = 0
        evidence = [(URIRef(curated.MAPPING_SET_ID), "curated-mapping")]
        for m in curated.default().matches:
            if m.element not in inp.onet_elements or m.skill not in inp.esco_skills:
                dropped += 1  # one end is not in this build (e.g. the embedded sample): no dangling alignment
                continue
            conf = curated.CONFIDENCE[m.predicate]
            sim = self.corpus.similarity(m.element, m.skill)  # the texts' lexical similarity, for information
            out.append(Alignment("onet_element_esco_skill", m.element, m.predicate, m.skill, sim, conf,
                                 SEMAPV.ManualMappingCuration, None, list(evidence), set()))
            if m.predicate in curated.LEVEL_PREDICATES:  # only these carry an O*NET Level over to a skill
                self.element_match[m.skill].append((m.element, conf))
        self.report["onet_element_esco_skill"] = len(out)
        self.report["onet_element_esco_skill_close"] = sum(1 for a in out if a.predicate in curated.LEVEL_PREDICATES)
        self.report["onet_element_esco_skill_dropped"] = dropped
        return out

    # -- (b) ESCO skill sg:supportsTask O*NET task -------------------------------------------
    def _support_candidates(
        self, task: URIRef, occs, anchored
    ) -> dict[URIRef, tuple[str | None, URIRef | None, float]]:
        """Candidates from every source of evidence, none a filter: the ESCO profile of the crosswalked
        occupations (with the relation), lexical retrieval over all ESCO skills for the task, and for
        each statement anchored to the task, retrieval for the statement (the chain's second link)."""
        inp = self.inp
        cands: dict[URIRef, tuple[str | None, URIRef | None, float]] = {}
        for occ in sorted(occs, key=str):
            for eo in sorted(inp.onet_to_esco.get(occ, ()), key=str):
                w_link = inp.occupation_link_confidence.get((occ, eo), 1.0)  # published links: 1
                for skill, (rel, rnode) in inp.esco_relations.get(eo, {}).items():
                    b = W_REL.get(rel, 0.0) * w_link
                    if skill in inp.esco_skills and (skill not in cands or b > cands[skill][2]):
                        cands[skill] = (rel, rnode, b)
        for query, k in [(task, RETRIEVE_TASK), *((st.iri, RETRIEVE_STATEMENT) for st, _ in anchored)]:
            for key in fuse([r.retrieve(query, k) for r in self.retrievers], k):
                cands.setdefault(cast(URIRef, key), (None, None, 0.0))
        return cands

    def _level_of(
        self, skill: URIRef, occs, chain_levels: list[tuple[URIRef, URIRef, float]]
    ) -> tuple[URIRef | None, str, list]:
        """The level at which `skill` is needed for the task, the kind of evidence that set it, and that evidence:
        the level of the levelled statement anchored to the task that reaches the skill best (anchor confidence x
        similarity; several statements of one task at different levels each reach many skills through a shared
        word, and the lowest of them set every such skill's level to the lowest level); else the O*NET
        Level rating, for the task's occupation, of the element the skill closely matches (best match first);
        else the level the Job Zone prior gives the occupation's zone (level_prior.json, fitted on the gold's
        levelled tune pairs); else the scale's first level."""
        inp = self.inp
        if chain_levels:  # the statement that best describes the skill's use in the task (ties: the lower level)
            level, st, _ = min(chain_levels, key=lambda x: (-round(x[2], 6), self.rank[x[0]], str(x[1])))
            return level, "task-statement", [(st, "task-anchor")]
        for el, _ in sorted(self.element_match.get(skill, ()), key=lambda x: (-x[1], str(x[0]))):
            for occ in sorted(occs, key=str):
                lv = inp.ratings.get((occ, el, "LV"))
                band = inp.level_for_lv(lv[1]) if lv is not None else None
                if band is not None and lv is not None:
                    return band, "onet-element-level", [(lv[0], "rating")]
        zones = sorted(inp.job_zone[o] for o in occs if o in inp.job_zone)
        if zones and self.levels:
            z = zones[len(zones) // 2]
            return self.levels[min(self.prior.rank(z), len(self.levels)) - 1], "job-zone-prior", []
        return (self.levels[0] if self.levels else None), "default", []

    def _answer_levels(self, answers: list[Alignment]) -> None:
        """The levels at which each answer supports its task (see sg:supportsTask): every level at or above
        the level it is needed at; below the task's entry level (the lowest needed level of its answers),
        the entry-level answers, so that every level of a task with answers is answered. Also the label of
        the statement that set a level (the lowest-level statement anchored to the task among its evidence)."""
        ranks = [self.rank[a.required_level] for a in answers if a.required_level is not None]
        if not ranks:
            return
        entry = min(ranks)
        for a in answers:
            r = self.rank.get(a.required_level) if a.required_level is not None else None
            if r is None:
                continue
            a.levels = [lv for lv in self.levels if self.rank[lv] >= r or r == entry]
            a.answers_from = a.levels[0]
            if a.level_evidence == "task-statement":
                sts = sorted(str(e) for e, kind in a.evidence if kind == "task-anchor"
                             and e in self.inp.statements and self.inp.statements[e].level == a.required_level)
                if sts:
                    st = self.inp.statements[URIRef(sts[0])]
                    a.level_statement = (st.iri, st.label or st.text)

    def skills_support_tasks(self, tasks=None) -> list[Alignment]:
        """Kind (b): ranked ESCO skills for every O*NET task (or those given), each with a required level and
        the levels it answers; scored by the v3 formula, or by the re-ranker when the aligner has one."""
        inp = self.inp
        self.prepare_support()
        # occupation by occupation, so that each occupation's context is built once; the parts (whole
        # occupations) taken by forked processes on a big run (parallel.py), put back in this order
        order = sorted(inp.tasks if tasks is None else tasks,
                       key=lambda t: (sorted(str(o) for o in inp.tasks[t][1]), str(t)))
        n = parallel.workers() if len(order) >= parallel.MIN_TASKS else 1
        parts = parallel.split(order, n * PARTS_PER_PROCESS if n > 1 else 1,
                               key=lambda t: sorted(str(o) for o in inp.tasks[t][1]))
        out: list[Alignment] = []
        unanswered = no_profile = 0
        level_kinds: dict[str, int] = defaultdict(int)
        with progress("scoring the tasks' support", total=len(order), unit="tasks") as bar:
            def done(part: tuple[list[Alignment], int, int, dict[str, int], int]) -> None:
                bar.update(part[4])

            finished = parallel.map_parts(self._support_part, parts, sink=done, processes=n)
        for answers, part_unanswered, part_no_profile, part_kinds, _ in finished:
            out += answers
            unanswered += part_unanswered
            no_profile += part_no_profile
            for k, v in part_kinds.items():
                level_kinds[k] += v
        self.report["support_workers"] = min(n, len(parts))
        self.report["esco_skill_supports_task"] = len(out)
        self.report["support_retrieval"] = "+".join(self.retriever_names)  # which retrieval ran (build.json)
        self.report["support_scoring"] = f"re-ranker {self.rerank.name} ({rerank_mod.version()})" if self.rerank \
            else "v3 formula"
        if self.dense_space is not None:  # (how many were encoded, not read from the cache: dense_space.encoded)
            self.report["dense_texts"] = self.dense_space.texts
        self.report["tasks_answered"] = len(order) - unanswered
        self.report["tasks_unanswered"] = unanswered
        self.report["tasks_without_esco_crosswalk"] = no_profile
        for k, n in sorted(level_kinds.items()):
            self.report[f"support_level_{k}"] = n
        return out

    def _support_part(self, tasks: list[URIRef]) -> tuple[list[Alignment], int, int, dict[str, int], int]:
        """The answers of these tasks in order, and (tasks unanswered, tasks without an ESCO crosswalk,
        answers by level evidence, tasks scored)."""
        out: list[Alignment] = []
        unanswered = no_profile = 0
        level_kinds: dict[str, int] = defaultdict(int)
        for task in tasks:
            no_profile += not any(self.inp.onet_to_esco.get(o) for o in self.inp.tasks[task][1])
            answers = self.support_answers(task)
            if not answers:
                unanswered += 1
                continue
            self._answer_levels(answers)
            for ans in answers:
                level_kinds[ans.level_evidence or "default"] += 1
            out.extend(answers)
        return out, unanswered, no_profile, dict(level_kinds), len(tasks)

    def prepare_support(self) -> None:
        """Retrievers, levels and (for the re-ranker) the feature space, once before the tasks are scored."""
        if getattr(self, "retrievers", None) is not None:
            return
        self.retrievers = make(self.retriever_names, self)
        self.levels = [lv.iri for lv in self.inp.levels]
        self.rank = {lv.iri: lv.rank for lv in self.inp.levels}
        self.prior = level_prior.load()
        self.features = FeatureSpace(self.inp, self.element_match, self.dense_space, self.anchors) \
            if self.score_all else None
        if self.rerank is not None and self.dense_space is None and \
                any(f in self.rerank.features for f in DENSE_FEATURES):
            raise ValueError(f"re-ranker {self.rerank.name!r} reads dense features: run it with the dense retriever")

    def support_candidates(self, task: URIRef) -> list[tuple[Alignment, Candidate, float, float]]:
        """Every candidate skill of a task with its evidence: (alignment without final confidence, candidate,
        v3 formula confidence, raw lexical similarity). The scorers (formula or re-ranker) choose among them."""
        inp = self.inp
        _, occs = inp.tasks[task]
        statements = inp.statements
        anchored = [(statements[st], a) for st, a in self.anchors.get(task, ()) if st in statements]
        cands = self._support_candidates(task, occs, anchored)
        ctx = self.context(occs)
        corpus = self.corpus
        stems_of, similarity = corpus.stems_of, corpus.similarity
        task_stems = stems_of(task).keys()
        anchored_stems = [(st, a, stems_of(st.iri).keys()) for st, a in anchored]
        element_match, esco_skills, score_all = self.element_match, inp.esco_skills, self.score_all
        supports, composite, lexical = SG.supportsTask, SEMAPV.CompositeMatching, SEMAPV.LexicalMatching
        # the level of a skill with no chain and no curated element match: the task's (Job Zone or default)
        plain_level: tuple[URIRef | None, str, list] | None = None
        out = []
        for skill, (rel, rnode, b_rel) in cands.items():
            # a skill sharing no stem with the task (nor with a statement anchored to it) has no lexical
            # evidence, and structure never creates it: most of an occupation's profile, skipped unscored
            # by the formula (the re-ranker also weighs dense and structural evidence, so it sees them all)
            skill_stems = stems_of(skill)
            s_raw = 0.0 if task_stems.isdisjoint(skill_stems) else similarity(task, skill, ctx)
            chains = [(st, a) for st, a, stems in anchored_stems if not stems.isdisjoint(skill_stems)]
            if s_raw <= 0.0 and not chains and not score_all:
                continue
            rel_ev = [(rnode, f"{rel}-relation")] if rnode is not None else []
            s_direct = s_raw if s_raw >= S_MIN else 0.0
            s_via, via_ev, chain_levels = 0.0, [], []
            for st, a in chains:
                sim = similarity(st.iri, skill, ctx)
                if sim < S_MIN_VIA or (ctx is not None and not ctx.specific_shared(st.iri, skill)):
                    continue
                if a * sim > s_via:
                    s_via, via_ev = a * sim, [(st.iri, "task-anchor")]
                if st.level in self.rank:
                    chain_levels.append((st.level, st.iri, a * sim))
            s = 1.0 - (1.0 - s_direct) * (1.0 - s_via)  # independent paths: noisy-OR
            if chain_levels or skill in element_match:
                level, level_kind, level_ev = self._level_of(skill, occs, chain_levels)
            else:
                if plain_level is None:
                    plain_level = self._level_of(skill, occs, chain_levels)
                level, level_kind, level_ev = plain_level
            # an O*NET Level rating of the closely matching element for the occupation: structure
            conf = confidence(s, b_rel + (W_RATING_LEVEL if level_kind == "onet-element-level" else 0.0))
            evidence = via_ev + rel_ev + [e for e in level_ev if e not in via_ev]
            al = Alignment("esco_skill_supports_task", skill, supports, task, s, conf,
                           composite if (rel_ev or via_ev) else lexical,
                           None, evidence, {"lexical"}, required_level=level, level_evidence=level_kind,
                           relation_type=rel, subject_label=esco_skills[skill][0] or str(skill))
            link = b_rel / W_REL[rel] if rel in W_REL else 0.0
            out.append((al, Candidate(skill, rel, link, s_raw, s_via), conf, s_raw))
        return out

    def support_answers(self, task: URIRef) -> list[Alignment]:
        """A task's answers, best first: at most SUPPORT_TOP with confidence >= SUPPORT_MIN; a task nothing
        clears that for keeps its best SUPPORT_FILL at their (low) confidence, so that it is answered."""
        cands = self.support_candidates(task)
        if self.rerank is not None and self.features is not None:
            return self._reranked(task, cands)
        scored: list[tuple[float, float, Alignment]] = []
        for al, _, conf, s_raw in cands:
            weak = confidence(s_raw, 0.0)  # kept only to answer a task nothing else answers
            if conf < SUPPORT_MIN and weak <= 0.0:
                continue
            if conf < SUPPORT_MIN:
                al.similarity, al.confidence = s_raw, weak
            scored.append((conf, s_raw, al))
        strong = [x for x in scored if x[0] >= SUPPORT_MIN]
        strong.sort(key=lambda x: (-x[0], str(x[2].subject)))
        answers = [x[2] for x in strong[:SUPPORT_TOP]]
        if not answers:  # nothing clears the floor: the best few by raw similarity, with their low confidence
            scored.sort(key=lambda x: (-x[1], str(x[2].subject)))
            answers = [x[2] for x in scored[:SUPPORT_FILL]]
        return answers

    def _reranked(self, task: URIRef, cands: list[tuple[Alignment, Candidate, float, float]]) -> list[Alignment]:
        """The re-ranker's answers: ranked by the model, confidence its calibrated probability, evidence the
        kinds of its features that are present."""
        assert self.rerank is not None and self.features is not None
        model = self.rerank
        rows = self.features.rows(task, self.inp.tasks[task][1], [c for _, c, _, _ in cands])
        raw = model.raw([[f[n] for n in model.features] for f in rows])
        ranked = sorted(zip(raw, rows, (al for al, _, _, _ in cands), strict=True),
                        key=lambda x: (-x[0], str(x[2].subject)))
        answers: list[Alignment] = []
        for (_, f, al), conf in kept_answers(ranked, model.calibrate):
            al.confidence = conf
            al.justification = SEMAPV.CompositeMatching
            al.evidence_kinds = evidence_kinds({n: f[n] for n in model.features})
            al.method = self.support_method()
            answers.append(al)
        return answers

    def support_method(self) -> str:
        """sg:method of this run's support alignments: retrieval, scoring and level prior by name and version
        (worked out once per aligner: every support alignment of a run cites it)."""
        if getattr(self, "_support_method", None) is None:
            self._support_method = self._describe_support_method()
        return self._support_method

    def _describe_support_method(self) -> str:
        if self.rerank is None:
            return METHODS["esco_skill_supports_task"]
        prior = (getattr(self, "prior", None) or level_prior.load()).name
        return (f"skill-supports-task v4 (retrieval {'+'.join(self.retriever_names)} over all ESCO skills, fused "
                f"by reciprocal rank; re-ranker {self.rerank.name} {rerank_mod.version()}: logistic regression over "
                f"{', '.join(self.rerank.features)}, isotonic calibration; level from statements, O*NET Levels, "
                f"{prior})")

    # -- (d) levelled statement <-> ESCO skill -------------------------------------------------
    def statement_skills(self) -> list[Alignment]:
        """Kind (d): match levelled statements to ESCO skills, within their occupations where possible."""
        inp = self.inp
        out: list[Alignment] = []
        if not inp.esco_skills:
            return out
        for st in sorted(inp.statements.values(), key=lambda x: str(x.iri)):
            if st.level is None:
                continue
            cands: dict[URIRef, tuple[str, URIRef | None]] = {}
            for occ in st.occupations:
                for skill, rel in inp.esco_skills_for_onet(occ).items():
                    if skill in inp.esco_skills:
                        cands.setdefault(skill, rel)
            if cands:  # within the occupation: generic words discounted, a specific shared stem required
                ctx = self.context(st.occupations)
                pairs = [(skill, s) for skill in cands
                         if (s := self.corpus.similarity(st.iri, skill, ctx)) >= S_MIN_VIA
                         and (ctx is None or ctx.specific_shared(st.iri, skill))]
            else:  # no ESCO occupation for the statement's occupation: search all ESCO skills
                pairs = self.skill_index().search(st.iri, k=LEXICAL_POOL, min_sim=S_MIN)
            scored = []
            for skill, s in pairs:
                cand = cands.get(skill)
                ev = [(cand[1], f"{cand[0]}-relation")] if cand and cand[1] is not None else []
                conf = confidence(s, W_REL.get(cand[0], 0.0) if cand else 0.0)
                if conf >= STATEMENT_MIN:
                    scored.append(Alignment("statement_esco_skill", st.iri, SKOS.relatedMatch, skill, s, conf,
                                            SEMAPV.CompositeMatching if ev else SEMAPV.LexicalMatching,
                                            st.level, ev, {"lexical"}))
            scored.sort(key=lambda a: (-a.confidence, str(a.object)))
            out.extend(scored[:STATEMENT_TOP])
        self.report["statement_esco_skill"] = len(out)
        return out

    # -- (e) WEF entries <-> ESCO transversal skills ----------------------------------------
    def wef_skills(self) -> list[Alignment]:
        """Kind (e): match WEF skill entries to ESCO transversal skills by text alone."""
        inp = self.inp
        out: list[Alignment] = []
        if not inp.wef_entries or not inp.transversal:
            return out
        index = self.corpus.index(sorted(inp.transversal, key=str))
        for w in sorted(inp.wef_entries, key=str):
            scored = []
            for skill, s in index.search(w, k=LEXICAL_POOL, min_sim=S_MIN):
                pred = match_predicate(s, s)
                if pred is None:
                    continue
                scored.append(
                    Alignment(
                        "wef_esco_skill",
                        w,
                        pred,
                        cast(URIRef, skill),
                        s,
                        s,
                        SEMAPV.LexicalMatching,
                        None,
                        [],
                        {"lexical"},
                    )
                )
            out.extend(scored[:MATCH_TOP])
        self.report["wef_esco_skill"] = len(out)
        return out
