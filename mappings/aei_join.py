"""Joining AEI task texts to O*NET task statements.

AEI keys tasks by the lower-cased task text of an older O*NET version, not by Task ID, so the
join goes by text in three steps: exact (case-folded), normalised (Unicode NFKC, quotes, dashes,
punctuation and whitespace), then fuzzy (rapidfuzz Indel ratio on the normalised text, blocked
with `process.extract` and a score cutoff). A text shared by several O*NET tasks (the same
statement in several occupations) joins to all of them; two *different* texts scoring equally
best is ambiguous and is never resolved silently: the row keeps both as candidates.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from skillgraph.ontology import SG

EXACT, NORMALISED, FUZZY, TASK_ID, AMBIGUOUS, UNMATCHED = (
    "exact",
    "normalised",
    "fuzzy",
    "task-id",
    "ambiguous",
    "unmatched",
)
METHODS = (TASK_ID, EXACT, NORMALISED, FUZZY, AMBIGUOUS, UNMATCHED)
DEFAULT_THRESHOLD = 0.90

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
                         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
                         "\u00a0": " "})
_NON_WORD = re.compile(r"[^\w]+")


def exact_key(text: str) -> str:
    """The key for the exact join step: case-folded text, so only case differences are forgiven."""
    return text.strip().casefold()


def normalise(text: str) -> str:
    """Case-, Unicode-, quote-, punctuation- and whitespace-insensitive form of a task text."""
    t = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    t = t.replace("'", "")  # customers' / customer's / customers -> one form
    return " ".join(_NON_WORD.sub(" ", t).split())


@dataclass(frozen=True)
class Match:
    """How an AEI task text was joined to an O*NET task (method, score, task), recorded on each row."""
    method: str
    score: float
    tasks: tuple[URIRef, ...] = ()       # joined tasks (empty unless matched)
    candidates: tuple[URIRef, ...] = ()  # equally good tasks of different texts (ambiguous only)
    matched_text: str | None = None


@dataclass
class TaskIndex:
    """The O*NET tasks of a graph, indexed by exact key, normalised key and Task ID."""

    texts: dict[URIRef, str] = field(default_factory=dict)
    occupation: dict[URIRef, URIRef] = field(default_factory=dict)
    by_exact: dict[str, list[URIRef]] = field(default_factory=dict)
    by_norm: dict[str, list[URIRef]] = field(default_factory=dict)
    by_id: dict[str, URIRef] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, g: Graph) -> TaskIndex:
        """Index the O*NET tasks of a mapped graph, so AEI texts can be joined without the O*NET files."""
        idx = cls()
        for t in g.subjects(RDF.type, SG.Task):
            if not isinstance(t, URIRef):
                continue
            labels = [
                label for label in g.objects(t, SKOS.prefLabel) if getattr(label, "language", None) in ("en", None)
            ]
            if not labels:
                continue
            idx.add(t, str(sorted(labels)[0]), g.value(t, SG.taskOf), g.value(t, SKOS.notation))
        return idx

    def add(self, task: URIRef, text: str, occupation=None, task_id=None) -> None:
        """Add one O*NET task text (with its occupation and id) to the index."""
        self.texts[task] = text
        if isinstance(occupation, URIRef):
            self.occupation[task] = occupation
        if task_id is not None:
            self.by_id[str(task_id)] = task
        self.by_exact.setdefault(exact_key(text), []).append(task)
        self.by_norm.setdefault(normalise(text), []).append(task)

    def __len__(self) -> int:
        return len(self.texts)


class Joiner:
    """Joins AEI texts to a TaskIndex; remembers every result so a text is looked up once."""

    def __init__(self, index: TaskIndex, threshold: float = DEFAULT_THRESHOLD, limit: int = 5):
        if not 0 < threshold <= 1:
            raise ValueError(f"fuzzy threshold must be in (0, 1], got {threshold}")
        self.index = index
        self.threshold = threshold
        self.limit = limit
        self._norm_keys = list(index.by_norm)
        self._cache: dict[tuple[str, str | None], Match] = {}

    def join(self, text: str, task_id: str | None = None) -> Match:
        """Join an AEI task text to an O*NET task: exact, then normalised, then fuzzy; cached per text."""
        key = (text, task_id)
        if key not in self._cache:
            self._cache[key] = self._join(text, task_id)
        return self._cache[key]

    def _join(self, text: str, task_id: str | None) -> Match:
        idx = self.index
        if task_id is not None and task_id in idx.by_id:
            t = idx.by_id[task_id]
            return Match(TASK_ID, 1.0, (t,), matched_text=idx.texts[t])
        hits = idx.by_exact.get(exact_key(text))
        if hits:
            return Match(EXACT, 1.0, tuple(sorted(hits)), matched_text=idx.texts[hits[0]])
        norm = normalise(text)
        hits = idx.by_norm.get(norm)
        if hits:
            distinct = {exact_key(idx.texts[t]) for t in hits}
            if len(distinct) == 1:
                return Match(NORMALISED, 1.0, tuple(sorted(hits)), matched_text=idx.texts[hits[0]])
            return Match(AMBIGUOUS, 1.0, candidates=tuple(sorted(hits)))
        return self._fuzzy(norm)

    def _fuzzy(self, norm: str) -> Match:
        from rapidfuzz import fuzz, process

        if not norm or not self._norm_keys:
            return Match(UNMATCHED, 0.0)
        cutoff = self.threshold * 100
        found = process.extract(norm, self._norm_keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=self.limit)
        if not found:
            best = process.extractOne(norm, self._norm_keys, scorer=fuzz.ratio)
            return Match(UNMATCHED, round(best[1] / 100, 4) if best else 0.0)
        top = found[0][1]
        tied = [k for k, s, _ in found if abs(s - top) < 1e-9]
        score = round(top / 100, 4)
        tasks = tuple(sorted(t for k in tied for t in self.index.by_norm[k]))
        if len(tied) > 1:
            return Match(AMBIGUOUS, score, candidates=tasks)
        return Match(FUZZY, score, tasks, matched_text=self.index.texts[tasks[0]])

    def counts(self) -> dict[str, int]:
        """Distinct texts by join method, over every text joined so far."""
        c = Counter(m.method for m in self._cache.values())
        return {m: c.get(m, 0) for m in METHODS}


TASK_COLUMNS = ("O*NET-SOC Code", "Task ID", "Task")


def task_graph_from_table(path) -> Graph:
    """An O*NET-like graph of sg:Task nodes from a Task Statements table (O*NET .xlsx/.txt or AEI's .csv.gz).

    Used to join AEI against a task list without mapping a whole O*NET release (the join report,
    tests). The IRIs and properties are those of the onet mapping (DEVELOPERS.md).
    """
    from rdflib import Literal

    from skillgraph import iri
    from skillgraph.tabular import read_table

    g = Graph()
    for row in read_table(path, required=TASK_COLUMNS):
        soc, tid, text = row.required("O*NET-SOC Code"), row.required("Task ID"), row.required("Task")
        if tid.endswith(".0"):  # numbers read back from a spreadsheet
            tid = tid[:-2]
        if not tid.isdigit():
            raise row.error(f"{tid!r} is not an O*NET Task ID", column="Task ID")
        t = iri.onet.task(tid)
        g.add((t, RDF.type, SG.Task))
        g.add((t, SKOS.prefLabel, Literal(text, lang="en")))
        g.add((t, SKOS.notation, Literal(tid)))
        g.add((t, SG.taskOf, iri.onet.occupation(soc)))
    return g
