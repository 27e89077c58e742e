"""O*NET occupations the published occupation crosswalk (Nesta) is silent on, linked to ESCO occupations.

Why: a task is scored with structural evidence from the ESCO profile of the ESCO occupations linked
to its O*NET occupation; 294 of 923 O*NET occupations with tasks have no Nesta link, so their tasks
had no profile at all. Where Nesta speaks its link is kept as published; where it is silent this
module matches the O*NET occupation's title, alternate titles and description against every ESCO
occupation's labels and description (lexical similarity, `lexical.Corpus`, over a corpus of
occupation texts only), constrained by the major groups: an ESCO occupation is a candidate only
if its ISCO-08 major group is one that Nesta's own links pair with the O*NET occupation's SOC
major group (the SOC <-> ISCO major-group correspondence read off the published links, so no
table is invented; with no published links at all, any major group).

Relation and confidence per link: the best candidate, and any within OCC_RELATIVE of it (at most
OCC_TOP), when s >= OCC_MIN; skos:closeMatch when s >= OCC_CLOSE (the titles and descriptions say
nearly the same thing), else skos:relatedMatch; confidence = s (no structure behind it). The link's
confidence weighs the ESCO relations it lends a task (`Aligner.skills_support_tasks`).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import cast

from rdflib import URIRef
from rdflib.namespace import SKOS

from .inputs import Inputs
from .lexical import METHOD_VERSION, Corpus, Doc

OCC_MIN, OCC_CLOSE, OCC_RELATIVE, OCC_TOP = 0.2, 0.5, 0.9, 3
OCC_RETRIEVE = 30
MAJOR_SHARE = 0.02  # a SOC major group's ISCO major groups: those of at least this share of its published links
METHOD = (f"occupation match v1 ({METHOD_VERSION}; titles, alternate titles, descriptions; "
          "SOC-ISCO major groups of the published links)")


def major_groups(inp: Inputs) -> dict[str, set[str]]:
    """SOC major group (2 digits) -> the ISCO-08 major groups (1 digit) the published links pair it with."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for onet, escos in inp.onet_to_esco.items():
        soc = inp.onet_occupations.get(onet, ("", "", ""))[2][:2]
        for eo in escos:
            isco = inp.esco_occupations.get(eo, ("", "", ""))[2][:1]
            if soc and isco:
                counts[soc][isco] += 1
    return {soc: {i for i, n in c.items() if n >= MAJOR_SHARE * sum(c.values())} for soc, c in counts.items()}


def match_occupations(inp: Inputs, tasks_of: dict[URIRef, set[URIRef]]) -> list[tuple[URIRef, URIRef, URIRef, float]]:
    """(ESCO occupation, predicate, O*NET occupation, similarity) for each O*NET occupation with tasks
    and no published link; also records each link in `inp` (onet_to_esco, occupation_link_confidence)."""
    silent = sorted((o for o in inp.onet_occupations if tasks_of.get(o) and not inp.onet_to_esco.get(o)), key=str)
    if not silent or not inp.esco_occupations:
        return []
    allowed = major_groups(inp)
    corpus = Corpus()
    for eo, (title, text, _) in inp.esco_occupations.items():
        corpus.add(Doc(eo, title, text))
    for o in silent:
        title, text, _ = inp.onet_occupations[o]
        corpus.add(Doc(o, title, text))
    esco = sorted(inp.esco_occupations, key=str)
    index = corpus.index(esco)
    out = []
    for o in silent:
        groups = allowed.get(inp.onet_occupations[o][2][:2])
        cands = [cast(URIRef, eo) for eo, _ in index.retrieve(o, OCC_RETRIEVE * (3 if groups else 1))
                 if not groups or inp.esco_occupations[cast(URIRef, eo)][2][:1] in groups][:OCC_RETRIEVE]
        scored = sorted(((corpus.similarity(o, eo), eo) for eo in cands), key=lambda x: (-x[0], str(x[1])))
        if not scored or scored[0][0] < OCC_MIN:
            continue
        best = scored[0][0]
        for s, eo in scored[:OCC_TOP]:
            if s < OCC_MIN or s < OCC_RELATIVE * best:
                break
            out.append((eo, SKOS.closeMatch if s >= OCC_CLOSE else SKOS.relatedMatch, o, s))
            inp.onet_to_esco[o].add(eo)
            inp.occupation_link_confidence[(o, eo)] = s
    return out

