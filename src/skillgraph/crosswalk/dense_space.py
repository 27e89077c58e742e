"""The crosswalk's texts in one embedding space: every ESCO skill label, O*NET task and statement.

Why one object: the dense retriever (retrieval.DenseRetriever) and the re-ranker's dense features
(features.py: task-skill cosine, agreement of the tasks sharing a DWA) read the same vectors, so every
text is encoded once per run, and -- through the on-disk cache (dense.EmbeddingCache, keyed by model and
text hash) -- once across runs: a rebuild encodes only texts that changed.

Skills are embedded by their preferred label (the label variant measured best for retrieval on the gold
set; see README) and, for the re-ranker's `desc_sim`, by "label. description" (`dense.skill_text`, keyed
`(DESCRIBED, skill)`: the variant measured best on judged pairs); tasks by their statement, competency
statements by "label. text".
"""
from __future__ import annotations

import time
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

from rdflib import URIRef

from skillgraph.fetch import default_cache

from . import dense
from .inputs import Inputs

DESCRIBED = "label+description"  # key tag of a skill's "label. description" text: (DESCRIBED, skill)


def default_cache_dir() -> Path:
    """Where embeddings are cached between builds: `embeddings/` under the project's download cache."""
    return default_cache() / "embeddings"


class DenseSpace:
    """Unit vectors of all the run's texts by IRI, and cosine search over the ESCO skills."""

    def __init__(self, inp: Inputs, cache_dir: str | Path | None = None, encoder: dense.Encoder | None = None,
                 tasks: Iterable[URIRef] | None = None):
        """Encode every skill label, statement and task (or only the `tasks` given: evaluation on a subset)."""
        import numpy as np

        self.np = np
        t0 = time.perf_counter()
        self.encoder = encoder or dense.Encoder()
        self.skills = sorted(inp.esco_skills, key=str)
        texts: dict[Hashable, str] = {s: inp.esco_skills[s][0] or str(s) for s in self.skills}
        for s in self.skills:
            texts[(DESCRIBED, s)] = dense.skill_text(texts[s], inp.skill_descriptions.get(s, ""))
        for t in (inp.tasks if tasks is None else tasks):
            texts[t] = inp.tasks[t][0]
        for st in inp.statements.values():
            texts[st.iri] = f"{st.label}. {st.text}".strip(". ") or str(st.iri)
        keys = list(texts)
        cache = dense.EmbeddingCache(cache_dir or default_cache_dir())
        try:
            before = self.encoder.encoded
            vectors = self.encoder.encode([texts[k] for k in keys], cache)
            self.encoded = self.encoder.encoded - before
        finally:
            cache.close()
        self.row = {k: i for i, k in enumerate(keys)}
        self.vectors = vectors
        self.index = dense.DenseIndex(self.skills, vectors[[self.row[s] for s in self.skills]])
        self.texts = len(keys)
        self.seconds = time.perf_counter() - t0

    def vector(self, key: Hashable) -> Any:
        """The unit vector of a text of the run (None when the key is not one)."""
        i = self.row.get(key)
        return None if i is None else self.vectors[i]

    def retrieve(self, query: Hashable, k: int) -> list[tuple[Hashable, float]]:
        """The `k` ESCO skills nearest the query's text, best first, with their cosines."""
        v = self.vector(query)
        if v is None:
            return []
        idx, val = self.index.retrieve(v, k)
        return [(self.skills[i], float(s)) for i, s in zip(idx[0], val[0], strict=True)]

    def cosines(self, query: Any, keys: Iterable[Hashable]) -> list[float]:
        """Cosine of a vector (or a text's key) with each key's vector (0 for keys without one)."""
        np = self.np
        q = self.vector(query) if not isinstance(query, np.ndarray) else query
        keys = list(keys)
        if q is None or not keys:
            return [0.0] * len(keys)
        rows = [self.row.get(k, -1) for k in keys]
        m = self.vectors[[r if r >= 0 else 0 for r in rows]] @ q
        return [float(x) if r >= 0 else 0.0 for x, r in zip(m, rows, strict=True)]

    def centroid(self, keys: Iterable[Hashable]) -> Any:
        """The unit mean vector of the keys' texts (None when none has a vector)."""
        np = self.np
        rows = [self.row[k] for k in keys if k in self.row]
        if not rows:
            return None
        c = self.vectors[rows].mean(0)
        n = float(np.linalg.norm(c))
        return c / n if n > 0 else None
