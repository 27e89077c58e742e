"""Lexical similarity for the crosswalk: explainable, dependency-light, fast enough for full releases.

Pipeline for a text: Unicode-fold and lower-case -> split on non-alphanumerics -> drop English
stop words and one-letter tokens -> a small suffix stemmer (`stem`) so that "escalation",
"escalate" and "escalates" meet as "escal".

Similarity of a subject text to an object text (`Corpus.similarity`) is

    sim = 0.5 * cos + 0.25 * cov + 0.25 * lab

computed with one term weight w(t) throughout:

- cos: cosine of the texts' weighted vectors (sublinear tf = 1 + ln tf, times w) of the full texts
  (labels + definitions);
- cov: coverage, the w-weighted share of the object label's stems found in the subject's text
  (does the task mention what the skill's name says?);
- lab: label agreement, the w-weighted Dice overlap of the two labels' stems (the head words:
  "Escalation summarization" / "perform escalation procedure"), or rapidfuzz token_sort_ratio of the
  stemmed labels when that is >= 0.85 (spelling variants of near-identical short labels). A lower
  fuzzy ratio is not counted: between a task sentence and a three-word skill label it is ~0.4-0.5
  whatever the words, which made every skill of a profile look alike.

Term weight. Globally w(t) = idf(t) (smoothed, ln((1 + N) / (1 + df)) + 1, over every text of the
run). When two texts are compared inside one occupation (a task and the ESCO skills crosswalked to
its occupation, a statement and its occupation's tasks), w(t) = idf(t) * spec(t), spec being the
term's specificity within that occupation's own vocabulary (its tasks, its statements, its ESCO
skill profile; `Context`):

    spec(t) = min(1, ln((1 + n) / (1 + df_occ(t))) / ln 10)      in [0, 1]

a local idf that saturates: a stem in at most a tenth of the occupation's n texts keeps its full
weight, a stem in every one keeps none ("customer" for customer service representatives, in 54 % of
their tasks, statements and skills, keeps 0.27). Saturating, because a plain normalised local idf
also shrank the moderately frequent words that are the evidence ("escalation" is in 15 of their 187
texts). Why at all: global idf cannot see that "customer" is generic *here* (it is rare across all
33,000 O*NET tasks and ESCO skills), so task 2582 "Refer unresolved customer grievances ..." looked
similar to "customer service" and "process customer orders" through the one word that says nothing
about which of the occupation's skills the task needs. With spec, specific evidence (escalate,
grievance, refer, department) decides. Blocks of fewer than `CONTEXT_MIN_DOCS` texts are too small to
tell generic from specific and use global weights. A stem in at least GENERIC_SHARE of the
occupation's texts is generic: no evidence on its own (`Context.specific_shared`).

The stemmer also keeps a few words apart that its suffix rules would merge with unrelated ones
(customer / custom, designate / design): v1 anchored "Custom resolution design" to task 2582
"Refer unresolved customer grievances to designated departments" on exactly those two stems.

Search uses an inverted index (stem -> postings of (doc, weight)): a query touches only the
postings of its own stems, so one query costs O(sum of its stems' posting lengths), not O(N).
"""
from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

METHOD_VERSION = "tfidf-cosine+coverage+label, occupation-specificity weighted v2"

W_COS, W_COV, W_LAB = 0.5, 0.25, 0.25
FUZZY_MIN = 0.85        # a fuzzy label ratio below this is noise, not agreement
FUZZY_CUTOFF = 84.0     # rapidfuzz's score_cutoff (percent): below FUZZY_MIN with room to spare
CONTEXT_MIN_DOCS = 10   # fewer texts than this in an occupation's vocabulary: no local weighting
SPECIFIC_SHARE = 0.1    # a stem in at most this share of an occupation's texts keeps its full weight there
GENERIC_SHARE = 0.25    # a stem in at least this share of an occupation's texts is no evidence on its own
RETRIEVE_MAX_SHARE = 0.03  # retrieval over all ESCO skills skips stems in more than this share of them (~420)
RETRIEVE_MIN_POSTING = 50  # ... but never stems in at most this many (small indexes keep every stem)
SEARCH_RESCORE = 200  # InvertedIndex.search re-scores this many of the best docs by cosine

STOP_WORDS = frozenset("""
a about above across after again against all also am an and any are as at be because been before being
below between both but by can cannot could did do does doing down during each either etc e.g. few for from
further had has have having he her here hers him his how i if in into is it its itself just may might
more most must my no nor not of off on once only or other our ours out over own per same shall she
should so some such than that the their theirs them then there these they this those through to too
under until up upon using very via was we were what when where whether which while who whom whose why
will with within without would you your yours
""".split())

_TOKEN = re.compile(r"[a-z0-9]+")

# Derivational suffixes, longest first; each strips only if a stem of >= 3 letters remains.
_DERIVATIONAL = (
    "izations", "ization", "isation", "ational", "ivities", "ivity", "fulness", "iveness", "ousness",
    "ations", "ation", "ments", "ment", "ness", "ances", "ance", "ences", "ence", "ities", "ity",
    "ables", "able", "ibles", "ible", "ists", "ist", "isms", "ism", "ives", "ive", "izes", "ize",
    "ises", "ise", "ures", "ure", "ates", "ate", "ants", "ant", "ents", "ent", "ers", "er", "ors", "or",
    "ous", "ful", "ics", "ic", "als", "al", "y",
)
_VOWELS = set("aeiouy")
# Words the suffix rules would conflate with an unrelated word (customer -> custom, designate ->
# design): stemmed to a form of their own. Applied after the inflection step.
_PROTECTED = {"customer": "customer", "designate": "designat", "designation": "designat"}


def normalise(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes and dashes."""
    t = unicodedata.normalize("NFKD", text)
    if not t.isascii():  # (ASCII has no combining marks: most texts skip the per-character pass)
        t = "".join(c for c in t if not unicodedata.combining(c))
    return t.lower().replace("\u2019", "'").replace("'s ", " ")


def _inflection(w: str) -> str:
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("sses"):
        w = w[:-2]
    elif len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suf in ("ingly", "edly", "ing", "ed", "ly"):
        if w.endswith(suf) and len(w) - len(suf) >= 3 and _VOWELS & set(w[: -len(suf)]):
            w = w[: -len(suf)]
            if w.endswith(("at", "bl", "iz", "is")):
                w += "e"  # designated -> designate (Porter's step 1b repair)
            elif len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # planning -> plan
            break
    return w


_STEMS: dict[str, str] = {}  # word -> stem: the vocabulary is small, the texts many (the full run stems ~1M words)


def stem(word: str) -> str:
    """A light suffix stemmer (Porter-like, two passes): inflection, then one derivational suffix.

    Written rather than imported so the base install stays small and the behaviour is easy to read;
    it only has to conflate variants consistently, not produce dictionary words. Memoised.
    """
    s = _STEMS.get(word)
    if s is None:
        s = _STEMS[word] = _stem(word)
    return s


def _stem(word: str) -> str:
    if len(word) <= 3 or word.isdigit():
        return word
    w = _inflection(word)
    if w in _PROTECTED:
        return _PROTECTED[w]
    for suf in _DERIVATIONAL:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            break
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "ls":
        w = w[:-1]  # transferr(ing) -> transfer
    return w


def tokens(text: str) -> list[str]:
    """Content tokens of a text, unstemmed (stop words and one-letter tokens dropped)."""
    return [t for t in _TOKEN.findall(normalise(text)) if len(t) > 1 and t not in STOP_WORDS]


def stems(text: str) -> list[str]:
    """The stemmed tokens of a text, the unit all lexical similarity is computed on."""
    return [stem(t) for t in tokens(text)]


def label_key(text: str) -> str:
    """A stemmed label as one string, for fuzzy label-vs-label comparison."""
    return " ".join(stems(text))


@dataclass(frozen=True)
class Doc:
    """One text of the run: its label (short name) and its full text (label + definitions)."""

    key: Hashable
    label: str
    text: str


class Corpus:
    """Document frequencies over every text of a run, TF-IDF vectors, and inverted indexes.

    Add every text first (`add`), then ask for vectors or build indexes: idf is fixed when the first
    vector is computed so that all scores of a run use one weighting. Scores inside one occupation
    pass that occupation's `Context` (see `context`); scores without one use global weights.
    """

    def __init__(self) -> None:
        self._df: Counter[str] = Counter()
        self._n = 0
        self._idf: dict[str, float] | None = None
        self._tf: dict[Hashable, Counter[str]] = {}
        self._vec: dict[Hashable, dict[str, float]] = {}
        self._docs: dict[Hashable, Doc] = {}
        self._label_stems: dict[Hashable, tuple[str, ...]] = {}
        # per label, what every comparison of it reads: its stem set, its sorted-token text (fuzzy), and per
        # weighting (None: global) the summed weights of the set and of the stem tuple (memoised, same sums)
        self._label_set: dict[Hashable, frozenset[str] | set[str]] = {}
        self._label_sorted: dict[Hashable, str] = {}
        self._label_w: dict[Hashable, tuple[float, float]] = {}

    def add(self, doc: Doc) -> None:
        """Add a document's stems to the corpus so they count in document frequencies."""
        if doc.key in self._docs:
            return
        if self._idf is not None:
            raise RuntimeError("corpus already frozen: add every document before scoring")
        tf = Counter(stems(doc.text))
        self._docs[doc.key] = doc
        self._tf[doc.key] = tf
        self._label_stems[doc.key] = tuple(stems(doc.label))
        self._df.update(tf.keys())
        self._n += 1

    def __contains__(self, key: Hashable) -> bool:
        return key in self._docs

    def __len__(self) -> int:
        return self._n

    def doc(self, key: Hashable) -> Doc:
        """The document stored under a key, to get back at its texts."""
        return self._docs[key]

    def idf(self, term: str) -> float:
        """Inverse document frequency, so that words common to many texts weigh little."""
        idf = self._idf
        if idf is None:
            n = self._n
            idf = self._idf = {t: math.log((1 + n) / (1 + df)) + 1.0 for t, df in self._df.items()}
        w = idf.get(term)
        return w if w is not None else math.log(1 + self._n) + 1.0

    def stems_of(self, key: Hashable) -> Counter[str]:
        """A document's stem counts, for overlap checks that need raw terms."""
        return self._tf[key]

    def context(self, keys: Iterable[Hashable]) -> Context:
        """The weighting of one occupation's vocabulary: the texts `keys` (those in the corpus)."""
        return Context(self, keys)

    def weight(self, term: str, ctx: Context | None = None) -> float:
        """A term's weight, discounted by an occupation context when one is given (memoised per context)."""
        if ctx is None:
            return self.idf(term)
        w = ctx.weights.get(term)
        if w is None:
            w = ctx.weights[term] = self.idf(term) * ctx.spec(term)
        return w

    def vector(self, key: Hashable, ctx: Context | None = None) -> dict[str, float]:
        """A document's normalised TF-IDF vector (cached), the input of cosine similarity."""
        cache = self._vec if ctx is None else ctx.vectors
        v = cache.get(key)
        if v is None:
            log = math.log
            if ctx is None:
                idf = self.idf
                raw = {t: (1.0 + log(c)) * idf(t) for t, c in self._tf[key].items()}
            else:
                weights, weight = ctx.weights, self.weight
                raw = {t: (1.0 + log(c)) * (w if (w := weights.get(t)) is not None else weight(t, ctx))
                       for t, c in self._tf[key].items()}
            norm = math.sqrt(sum(x * x for x in raw.values())) or 1.0
            v = {t: x / norm for t, x in raw.items() if x > 0.0}
            cache[key] = v
        return v

    def cosine(self, a: Hashable, b: Hashable, ctx: Context | None = None) -> float:
        """Cosine similarity of two documents, iterating over the shorter vector."""
        va, vb = self.vector(a, ctx), self.vector(b, ctx)
        if len(va) > len(vb):
            va, vb = vb, va
        return sum(x * vb.get(t, 0.0) for t, x in va.items())

    def coverage(self, subject: Hashable, obj: Hashable, ctx: Context | None = None) -> float:
        """Weighted share of the object's label stems that occur in the subject's text."""
        lab = self._label_stems[obj]
        if not lab:
            return 0.0
        have = self._tf[subject]
        total = self._label_weights(obj, ctx)[1]
        if total <= 0.0:
            return 0.0
        weight = self.weight
        return sum(weight(t, ctx) for t in lab if t in have) / total

    def _label_weights(self, key: Hashable, ctx: Context | None) -> tuple[float, float]:
        """(summed weight of the label's stem set, of its stem tuple) under a weighting, memoised: the sums
        `label_agreement` and `coverage` divide by, computed once per label instead of once per pair."""
        cache = self._label_w if ctx is None else ctx.label_weights
        w = cache.get(key)
        if w is None:
            weight = self.weight
            w = cache[key] = (sum(weight(t, ctx) for t in self._label_set_of(key)),
                              sum(weight(t, ctx) for t in self._label_stems[key]))
        return w

    def _label_set_of(self, key: Hashable) -> set[str] | frozenset[str]:
        """The label's stem set, built once (as `set(stems)` was per pair: the same set, the same order)."""
        ls = self._label_set.get(key)
        if ls is None:
            ls = self._label_set[key] = set(self._label_stems[key])
            self._label_sorted[key] = " ".join(sorted(" ".join(self._label_stems[key]).split()))
        return ls

    def label_agreement(self, a: Hashable, b: Hashable, ctx: Context | None = None) -> float:
        """Weighted Dice of the label stem sets.

        Or the fuzzy token-sort ratio of the stemmed labels when that is >= FUZZY_MIN.
        """
        sa, sb = self._label_stems[a], self._label_stems[b]
        if not sa or not sb:
            return 0.0
        ta, tb = self._label_set_of(a), self._label_set_of(b)
        total = self._label_weights(a, ctx)[0] + self._label_weights(b, ctx)[0]
        weight = self.weight
        dice = 2.0 * sum(weight(t, ctx) for t in ta & tb) / total if total > 0.0 else 0.0
        # token_sort_ratio is the ratio of the sorted-token texts (kept per label); a ratio below the cut-off
        # (just under FUZZY_MIN, so the test below decides as before) is not counted, and rapidfuzz stops early
        fuzzy = fuzz.ratio(self._label_sorted[a], self._label_sorted[b], score_cutoff=FUZZY_CUTOFF) / 100.0
        return max(dice, fuzzy if fuzzy >= FUZZY_MIN else 0.0)

    def components(self, subject: Hashable, obj: Hashable, ctx: Context | None = None) -> tuple[float, float, float]:
        """(cos, cov, lab): the parts of `similarity`, for explaining a score."""
        return self.cosine(subject, obj, ctx), self.coverage(subject, obj, ctx), self.label_agreement(subject, obj, ctx)

    def similarity(self, subject: Hashable, obj: Hashable, ctx: Context | None = None) -> float:
        """The combined lexical similarity in [0, 1] (see the module docstring)."""
        cos, cov, lab = self.components(subject, obj, ctx)
        return max(0.0, min(1.0, W_COS * cos + W_COV * cov + W_LAB * lab))

    def index(self, keys: Iterable[Hashable]) -> InvertedIndex:
        """An inverted index over some of the corpus, to search it without comparing every pair."""
        return InvertedIndex(self, keys)


class Context:
    """One occupation's vocabulary: document frequencies over its texts, and the specificity they give.

    spec(t) = ln((1 + n) / (1 + df(t))) / ln(1 + n) for n >= CONTEXT_MIN_DOCS texts, else 1. Vectors
    weighted by it are cached here, so a context lives as long as the occupation is being scored.
    """

    def __init__(self, corpus: Corpus, keys: Iterable[Hashable]) -> None:
        self.corpus = corpus
        self.keys = frozenset(k for k in keys if k in corpus)
        self.n = len(self.keys)
        self.df: Counter[str] = Counter()
        for k in self.keys:
            self.df.update(corpus.stems_of(k).keys())
        self.vectors: dict[Hashable, dict[str, float]] = {}
        self.label_weights: dict[Hashable, tuple[float, float]] = {}
        self.weights: dict[str, float] = {}
        self._spec: dict[str, float] = {}
        self._den = math.log(1.0 / SPECIFIC_SHARE)

    @property
    def active(self) -> bool:
        """Whether the occupation has enough texts for its own word statistics to be trusted."""
        return self.n >= CONTEXT_MIN_DOCS

    def spec(self, term: str) -> float:
        """How specific a term is to this occupation, so words all its texts share count for little."""
        if not self.active:
            return 1.0
        v = self._spec.get(term)
        if v is None:
            v = self._spec[term] = min(1.0, math.log((1 + self.n) / (1 + self.df.get(term, 0))) / self._den)
        return v

    def is_generic(self, term: str) -> bool:
        """In at least GENERIC_SHARE of the occupation's texts (never, in a context too small to tell)."""
        return self.active and self.df.get(term, 0) >= GENERIC_SHARE * self.n

    def specific_shared(self, a: Hashable, b: Hashable) -> list[str]:
        """The stems texts a and b share that are not generic here: the lexical evidence that they meet."""
        ta, tb = self.corpus.stems_of(a), self.corpus.stems_of(b)
        if len(ta) > len(tb):
            ta, tb = tb, ta
        return sorted(t for t in ta if t in tb and not self.is_generic(t))

    def generic(self) -> list[str]:
        """The generic stems of the occupation, most frequent first (for reports)."""
        return [t for t, c in self.df.most_common() if self.is_generic(t)]


class InvertedIndex:
    """stem -> [(doc key, weight)] over a subset of a corpus; cosine search touching only shared stems."""

    def __init__(self, corpus: Corpus, keys: Iterable[Hashable]) -> None:
        self.corpus = corpus
        self.postings: dict[str, list[tuple[Hashable, float]]] = defaultdict(list)
        self.keys: list[Hashable] = []
        for k in keys:
            self.keys.append(k)
            for t, w in corpus.vector(k).items():
                self.postings[t].append((k, w))
        self._position = {k: i for i, k in enumerate(self.keys)}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # stem -> its postings as (positions, weights)

    def _posting_array(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        a = self._arrays.get(term)
        if a is None:
            posting = self.postings[term]
            a = self._arrays[term] = (np.fromiter((self._position[k] for k, _ in posting), np.intp, len(posting)),
                                      np.fromiter((w for _, w in posting), np.float64, len(posting)))
        return a

    def candidates(self, query: Hashable, allowed: set | None = None) -> dict[Hashable, float]:
        """Cosine of `query` with every indexed doc sharing a stem with it (restricted to `allowed`)."""
        acc: dict[Hashable, float] = defaultdict(float)
        for t, qw in self.corpus.vector(query).items():
            for k, w in self.postings.get(t, ()):
                if allowed is None or k in allowed:
                    acc[k] += qw * w
        return acc

    def search(self, query: Hashable, k: int = 10, min_sim: float = 0.0,
               allowed: set | None = None) -> list[tuple[Hashable, float]]:
        """The best `k` docs by combined similarity among the best SEARCH_RESCORE (by cosine) sharing a stem
        with the query (re-scoring every doc that shares a common word with it cost ~1 s a query)."""
        scored = []
        cands = self.candidates(query, allowed)
        cands.pop(query, None)
        for key, _ in heapq.nlargest(SEARCH_RESCORE, cands.items(), key=lambda x: x[1]):
            s = self.corpus.similarity(query, key)
            if s >= min_sim:
                scored.append((key, s))
        scored.sort(key=lambda x: (-x[1], str(x[0])))
        return scored[:k]

    def retrieve(self, query: Hashable, k: int, max_share: float = RETRIEVE_MAX_SHARE) -> list[tuple[Hashable, float]]:
        """Candidate generation over the whole index: the `k` docs with the highest cosine to `query`,
        accumulated over the query's *discriminating* stems only (those in at most `max_share` of the
        indexed docs, or at most RETRIEVE_MIN_POSTING; if none is, its two rarest). Costs O(sum of short
        postings), so every task can be compared with all 13,896 ESCO skills; the caller re-scores the
        candidates with `similarity`."""
        vec = self.corpus.vector(query)
        cap = max(RETRIEVE_MIN_POSTING, int(max_share * len(self.keys)))
        terms = [t for t in vec if 0 < len(self.postings.get(t, ())) <= cap]
        if not terms:
            terms = sorted((t for t in vec if self.postings.get(t)), key=lambda t: len(self.postings[t]))[:2]
        # accumulated as arrays over the indexed docs, stem by stem in the same order as a dict of sums would be
        # (each doc's sum takes the same float additions in the same order: the same scores to the last bit)
        acc = np.zeros(len(self.keys))
        hit = np.zeros(len(self.keys), dtype=bool)
        for t in terms:
            pos, w = self._posting_array(t)
            acc[pos] += vec[t] * w
            hit[pos] = True
        own = self._position.get(query)
        if own is not None:
            hit[own] = False
        found = np.flatnonzero(hit)
        scores = acc[found]
        if len(found) > k > 0:  # only the docs scoring at least the k-th best are sorted (ties by key text)
            keep = scores >= np.partition(scores, len(scores) - k)[len(scores) - k]
            found, scores = found[keep], scores[keep]
        keys = self.keys
        best = [(keys[i], x) for i, x in zip(found.tolist(), scores.tolist(), strict=True)]
        best.sort(key=lambda x: (-x[1], str(x[0])))
        return best[:k]
