"""The crosswalk: alignments between sources, each with confidence, method and evidence.

Entry points: `align(graphs) -> (crosswalk graph, report)`, where `graphs` maps source ids to the mapped
source graphs; the build's `align_inputs(gather_from_store(staging store))`. Either way the inputs are
read by the SPARQL files in `queries/` (inputs.py) from a store holding each source in its named graph.
Five kinds of alignment, each an sg:Alignment node (SSSOM-style:
owl:annotatedSource / owl:annotatedProperty / owl:annotatedTarget, sssom:confidence,
sssom:mapping_justification, sg:similarity, sg:evidence; sg:method, sg:proficiencyLevel, sg:evidenceKind
on every kind but (b), whose method is written once on its mapping set and whose node carries what the
flagship reads: sg:requiredLevel, sg:levelEvidence, sg:answersFromLevel, sg:relationType, sssom:comment)
beside the plain triple it reifies:

  (a) statement sg:anchoredTo O*NET task   -- statements citing O*NET, within the published anchor set;
                                               citing the AEI, among the AEI-observed tasks; others only
                                               when very close to a task
  (b) ESCO skill sg:supportsTask O*NET task -- one node per pair, candidates from all of ESCO; its required
                                               level (statement, O*NET Level, Job Zone) and the lowest level it
                                               answers at (see align.Aligner.skills_support_tasks, align.emit)
  (c) O*NET element skos:exactMatch | closeMatch | broadMatch | narrowMatch | relatedMatch ESCO skill -- read
      from the curated SSSOM set (curated.py, data/), never computed
  (d) levelled statement skos:relatedMatch ESCO skill, at the statement's level
  (e) WEF skill entry skos:closeMatch | skos:relatedMatch ESCO transversal skill
  (f) ESCO occupation skos:closeMatch | skos:relatedMatch O*NET occupation the published crosswalk is
      silent on (occupations.py)

Scoring: `lexical` (TF-IDF cosine, label coverage, label agreement; inside one occupation with words
weighted by their specificity in that occupation's own texts, so that "customer" -- in most texts of
customer service representatives -- is no evidence there) combined with structural evidence by
conf = 1 - (1 - s) ** (1 + b) (see `align`). skillgraph/crosswalk/README.md has the method, its
reasons and the v1 -> v2 results.

Blocking and cost, with T tasks, K ESCO skills per crosswalked occupation profile (~30-150),
S statements, E O*NET elements, N ESCO skills, P the mean posting length of a stem:
  (a) S x |candidate tasks|;  (b) T x (K + 40 + 15 per anchored statement): the profile plus lexical
  retrieval over all N skills through the postings of the task's discriminating stems (never T x N);
  (c) one pass over the curated set;
  (d) S x K;  (e) WEF entries x inverted-index queries over the transversal skills.
Building the corpus is linear in the total text, an occupation's context linear in its texts. The
full O*NET (19,530 tasks) x ESCO (13,896 skills) run takes ~45 s.
"""
from __future__ import annotations

from collections.abc import Mapping

from rdflib import Graph
from rdflib.namespace import RDF

from skillgraph import fastgraph
from skillgraph.mappings.base import new_graph
from skillgraph.ontology import SG
from skillgraph.progress import track

from .align import KINDS, Aligner, Alignment, confidence, emit, emit_sets
from .inputs import Inputs, gather, gather_from_store, input_queries, store_of
from .retrieval import DEFAULT_MODE, MODES, resolve

__all__ = ["align", "align_inputs", "aligner", "Aligner", "Alignment", "Inputs", "gather", "gather_from_store",
           "input_queries", "store_of", "confidence", "KINDS", "MODES"]


def align(graphs: Mapping[str, Graph], retrieval: str = DEFAULT_MODE) -> tuple[Graph, dict]:
    """The crosswalk graph for the given source graphs, and a report of counts per alignment kind.

    `retrieval` (retrieval.MODES, or `auto`: hybrid when dense retrieval is installed, else lexical; default
    retrieval.DEFAULT_MODE) chooses the support method; the report's `support_mode`, `support_retrieval` and
    `support_scoring` say which ran.
    """
    return align_inputs(gather(graphs), retrieval)


def aligner(inp: Inputs, retrieval: str = DEFAULT_MODE) -> Aligner:
    """An aligner for the (resolved) retrieval mode: its retrievers and re-ranker."""
    mode = resolve(retrieval)
    retrievers, rerank = MODES[mode]
    return Aligner(inp, retrievers, rerank)


def align_inputs(inp: Inputs, retrieval: str = DEFAULT_MODE) -> tuple[Graph, dict]:
    """The crosswalk graph for inputs already gathered (`gather`, `gather_from_store`), and its report."""
    al = aligner(inp, retrieval)
    g = new_graph()
    alignments: list[Alignment] = al.occupation_links()  # (f) first: every later kind reads the occupation links
    alignments += al.statement_anchors()   # (a) first: (b) reads the anchors
    alignments += al.element_skills()      # (c) before (b): (b) reads the element matches for levels
    alignments += al.skills_support_tasks()
    alignments += al.statement_skills()
    alignments += al.wef_skills()
    # written once the scoring processes are gone: written while a forked child lives, every page the parent
    # writes is copied (the child keeps the old one), and the full build's peak rose from 3.9 to 5.0 GB
    add = fastgraph.adder(g)
    for a in track(alignments, "writing the crosswalk graph", unit="alignments"):
        emit(g, a, add)
    emit_sets(g, alignments)
    report = dict(al.report)
    report["support_mode"] = resolve(retrieval)
    report["alignments"] = len(g) and sum(1 for _ in g.subjects(RDF.type, SG.Alignment))
    report["inputs_tasks"] = len(inp.tasks)
    report["inputs_esco_skills"] = len(inp.esco_skills)
    report["inputs_statements"] = len(inp.statements)
    return g, report
