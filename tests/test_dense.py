"""Dense retrieval (skillgraph.crosswalk.dense): the numpy MiniLM forward pass against reference embeddings
computed by sentence-transformers, the embedding cache, the index, and rank fusion.

Tests that need the `dense` extra (numpy, tokenizers, safetensors) or the model files skip with the reason
`dense.unavailable_reason()` gives; fusion and availability need neither. Under CI=true (where the README's
test command installs both: the `test` extra and scripts/test-setup) their absence is a failure instead.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

from skillgraph.crosswalk import dense

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERENCE = FIXTURES / "dense_reference.json"

needs_numpy = pytest.mark.skipif(importlib.util.find_spec("numpy") is None,
                                 reason=f"numpy not installed (the dense extra: {dense.INSTALL_HINT})")


def test_the_extra_and_the_model_are_there_in_ci():
    """CI installs them through the README's test command; without them the tests below would only skip."""
    if os.environ.get("CI") != "true":
        pytest.skip("only checked under CI=true")
    assert dense.available(), dense.unavailable_reason()


needs_model = pytest.mark.skipif(not dense.available(), reason=f"dense retrieval unavailable: "
                                                                f"{dense.unavailable_reason()}")


@pytest.fixture(scope="module")
def encoder():
    if not dense.available():
        pytest.skip(f"dense retrieval unavailable: {dense.unavailable_reason()}")
    return dense.Encoder()


# --- without the extra ------------------------------------------------------------------------------------

def test_available_says_why_not():
    reason = dense.unavailable_reason()
    assert dense.available() is (reason is None)
    if reason is not None:
        assert "pip install" in reason


def test_provenance_credits_upstream():
    assert dense.PROVENANCE["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert dense.PROVENANCE["license"] == "Apache-2.0"
    assert set(dense.PINNED.values()) == {dense.PROVENANCE["weights_sha256"], dense.PROVENANCE["tokenizer_sha256"]}


def test_fuse_is_reciprocal_rank_fusion():
    fused = dict(dense.fuse(["a", "b", "c"], ["c", "a"], k=60))
    assert fused == pytest.approx({"a": 1 / 61 + 1 / 62, "b": 1 / 62, "c": 1 / 63 + 1 / 61})
    assert [k for k, _ in dense.fuse(["a", "b", "c"], ["c", "a"])] == ["a", "c", "b"]


def test_fuse_weights_ties_and_limit():
    assert [k for k, _ in dense.fuse(["x", "y"], ["y", "x"])] == ["x", "y"]  # equal scores: by key
    assert [k for k, _ in dense.fuse(["x", "y"], ["y", "x"], weights=[1.0, 2.0])] == ["y", "x"]
    assert dense.fuse(["a", "b", "c"], limit=2) == [("a", 1 / 61), ("b", 1 / 62)]
    with pytest.raises(ValueError, match="1 weights for 2 rankings"):
        dense.fuse(["a"], ["b"], weights=[1.0])


def test_skill_text():
    assert dense.skill_text("perform escalation procedure", " Escalate  incidents\n when needed. ") == \
        "perform escalation procedure. Escalate incidents when needed."
    assert dense.skill_text("listen actively") == "listen actively"


# --- numpy only ---------------------------------------------------------------------------------------------

def _unit(rows: int, seed: int):
    import numpy as np

    v = np.random.default_rng(seed).standard_normal((rows, dense.DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@needs_numpy
def test_retrieve_ranks_like_a_full_sort_in_any_chunking():
    import numpy as np

    docs, queries = _unit(500, 1), _unit(37, 2)
    index = dense.DenseIndex([f"d{i}" for i in range(500)], docs)
    full = queries @ docs.T
    expect = np.argsort(-full, axis=1, kind="stable")[:, :10]
    for budget in (dense.RETRIEVE_BYTES, 4 * 500 * 3, 1):  # one chunk, 3 queries per chunk, 1 per chunk
        idx, scores = index.retrieve(queries, k=10, max_bytes=budget)
        assert idx.shape == scores.shape == (37, 10)
        assert (idx == expect).all()
        assert np.allclose(scores, np.take_along_axis(full, expect, axis=1))
    idx, _ = index.retrieve(queries[0], k=900)  # k beyond the index: every row, best first
    assert idx.shape == (1, 500) and (idx[0] == np.argsort(-full[0], kind="stable")).all()


@needs_numpy
def test_index_rejects_vectors_that_do_not_fit_the_keys():
    with pytest.raises(ValueError, match=r"3 keys but vectors of shape \(2, 384\)"):
        dense.DenseIndex(["a", "b", "c"], _unit(2, 3))


@needs_numpy
def test_cache_round_trip_per_model(tmp_path):
    import numpy as np

    v = _unit(3, 4)
    cache = dense.EmbeddingCache(tmp_path)
    cache.put("model-a", [("h1", v[0]), ("h2", v[1])])
    cache.put("model-b", [("h1", v[2])])
    cache.close()
    reopened = dense.EmbeddingCache(tmp_path)  # on disk: a later run finds them
    got = reopened.get("model-a", ["h1", "h2", "h3"])
    assert set(got) == {"h1", "h2"}
    assert np.array_equal(got["h1"], v[0]) and np.array_equal(got["h2"], v[1])
    assert np.array_equal(reopened.get("model-b", ["h1"])["h1"], v[2])
    assert len(reopened) == 3


# --- with the model -----------------------------------------------------------------------------------------

def test_reference_embeddings_match_sentence_transformers(encoder):
    """Vectors pinned from sentence-transformers (torch) for the same model files; see the fixture's note."""
    import numpy as np

    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    texts, expected = ref["texts"], np.array(ref["embeddings"], dtype=np.float64)
    assert len(texts) == 8 == len(expected)
    lengths = [len(e.ids) for e in encoder.tok.encode_batch(texts)]
    assert max(lengths) == dense.MAX_TOKENS and min(lengths) == 2  # one text truncated, one empty
    got = encoder.encode(texts).astype(np.float64)
    cos = (got * expected).sum(1) / np.linalg.norm(expected, axis=1)
    assert (cos >= 0.9999).all(), cos
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_batching_does_not_change_vectors(encoder):
    import numpy as np

    texts = ["Solicit sales", "carry out active selling", "Confer with customers by telephone to provide "
             "information about products or services, take or enter orders, or obtain details of complaints."]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_paraphrases_found_where_words_differ(encoder):
    """The issue's misses of the lexical matcher: the paraphrase ranks first among these ESCO skills."""
    skills = ["carry out active selling", "answer incoming calls", "operate forklift", "sales activities",
              "maintain records of calls", "prepare sales reports", "communicate by telephone", "plan menus"]
    index = dense.DenseIndex(skills, encoder.encode(skills))
    idx, scores = index.retrieve(encoder.encode(["Solicit sales", "Confer with customers by telephone"]), k=3)
    top = [[skills[i] for i in row] for row in idx]
    assert top[0][0] in {"carry out active selling", "sales activities"}
    assert top[1][0] in {"communicate by telephone", "answer incoming calls"}
    assert "operate forklift" not in top[0] + top[1] and "plan menus" not in top[0] + top[1]
    assert (scores[:, 0] >= scores[:, 1]).all()


def test_cache_reencodes_only_changed_texts(encoder, tmp_path, monkeypatch):
    import numpy as np

    cache = dense.EmbeddingCache(tmp_path / "cache")
    first = ["perform escalation procedure", "listen actively", "perform escalation procedure"]
    start = encoder.encoded
    v1 = encoder.encode(first, cache)
    assert encoder.encoded - start == 2  # the repeated text is encoded once
    assert len(cache) == 2
    rebuild = dense.Encoder()  # a later build: a fresh encoder, the same cache folder
    second = ["perform escalation procedure", "listen actively", "handle customer complaints"]
    from skillgraph import progress

    log: list[str] = []
    monkeypatch.setenv("SKILLGRAPH_PROGRESS", "plain")
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    with progress.logging_to(log.append):
        v2 = rebuild.encode(second, dense.EmbeddingCache(tmp_path / "cache"))
    assert rebuild.encoded == 1  # only the new text went through the network
    assert log[-1].startswith("encoding texts (dense): 1/1 texts [")  # what is left to encode, not all
    assert np.array_equal(v1[:2], v2[:2])
    assert np.allclose(v2[2], encoder.encode(["handle customer complaints"])[0], atol=1e-6)


def test_weights_not_matching_the_pin_are_refused(tmp_path):
    if importlib.util.find_spec("numpy") is None or importlib.util.find_spec("tokenizers") is None \
            or importlib.util.find_spec("safetensors") is None:
        pytest.skip(f"the dense extra is not installed ({dense.INSTALL_HINT})")
    (tmp_path / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    with pytest.raises(dense.ModelFileError, match=r"model\.safetensors: SHA-256 [0-9a-f]{64} does not match"):
        dense.Encoder(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(dense.ModelFileError, match=r"model\.safetensors: model file missing"):
        dense.Encoder(tmp_path)


@needs_model
def test_config_of_another_architecture_is_refused(tmp_path):
    src = dense.default_model_dir()
    assert src is not None
    for name in dense.PINNED:
        (tmp_path / name).symlink_to(src / name)
    cfg = json.loads((src / "config.json").read_text(encoding="utf-8"))
    cfg["num_hidden_layers"] = 12
    (tmp_path / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.raises(dense.ModelFileError, match=r"config\.json: .*num_hidden_layers=12 \(expected 6\)"):
        dense.Encoder(tmp_path)
    shutil.copy(src / "config.json", tmp_path / "config.json")
    assert dense.Encoder(tmp_path).encode(["listen actively"]).shape == (1, dense.DIM)
