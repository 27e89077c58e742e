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

Every O*NET occupation with tasks gets a link, however weak, and says how weak: when no candidate
reaches OCC_MIN, the best candidate with any lexical evidence (s > 0), skos:relatedMatch at
confidence s ("weak-lexical"); when no ESCO occupation shares a word with it either (O*NET 30.1's
47-2082.00 Tapers had none within its groups), the ESCO occupation the published links most often
pair with the O*NET occupations of the nearest SOC group (broad, then minor, then major group),
skos:relatedMatch at confidence OCC_NEIGHBOUR_CONF, justified as semapv:MappingChaining
("soc-neighbour": the O*NET occupation -> its SOC group's occupations -> their published ESCO links).
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
OCC_NEIGHBOUR_CONF = 0.1  # a link through the published links of the nearest SOC group: structure, no text
SOC_GROUPS = (6, 5, 2)    # SOC prefixes tried for neighbours: broad group (47-208), minor group (47-20), major (47)
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


def soc_neighbours(inp: Inputs, occupation: URIRef) -> list[URIRef]:
    """The ESCO occupations the published links most often pair with O*NET occupations of the nearest SOC
    group of `occupation` (broad, minor, then major group): the most frequent, ties by IRI (at most one)."""
    code = inp.onet_occupations[occupation][2]
    for n in SOC_GROUPS:
        counts = Counter(eo for o, escos in inp.onet_to_esco.items() if o != occupation
                         and inp.onet_occupations.get(o, ("", "", ""))[2][:n] == code[:n] for eo in escos)
        if counts:
            return [min(counts, key=lambda eo: (-counts[eo], str(eo)))]
    return []


def match_occupations(
    inp: Inputs, tasks_of: dict[URIRef, set[URIRef]]
) -> list[tuple[URIRef, URIRef, URIRef, float, str]]:
    """(ESCO occupation, predicate, O*NET occupation, confidence, how) for each O*NET occupation with tasks
    and no published link, `how` one of "lexical", "weak-lexical", "soc-neighbour" (see the module docstring);
    also records each link in `inp` (onet_to_esco, occupation_link_confidence)."""
    silent = sorted((o for o in inp.onet_occupations if tasks_of.get(o) and not inp.onet_to_esco.get(o)), key=str)
    if not silent or not inp.esco_occupations:
        return []
    allowed = major_groups(inp)
    neighbours = {o: soc_neighbours(inp, o) for o in silent}  # from the published links only
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
        # rounded: the similarity sums its terms in set order, so its last bits vary with the hash seed, and a
        # near tie between two occupations' confidences then broke either way from one run to the next
        scored = sorted(((round(corpus.similarity(o, eo), 9), eo) for eo in cands), key=lambda x: (-x[0], str(x[1])))
        links: list[tuple[URIRef, URIRef, float, str]] = []
        best = scored[0][0] if scored else 0.0
        for s, eo in scored[:OCC_TOP]:
            if s < OCC_MIN or s < OCC_RELATIVE * best:
                break
            links.append((eo, SKOS.closeMatch if s >= OCC_CLOSE else SKOS.relatedMatch, s, "lexical"))
        if not links and best > 0.0:  # weak, and saying so: the best candidate, related, at its similarity
            links.append((scored[0][1], SKOS.relatedMatch, best, "weak-lexical"))
        if not links:
            links = [(eo, SKOS.relatedMatch, OCC_NEIGHBOUR_CONF, "soc-neighbour") for eo in neighbours[o]]
        for eo, pred, conf, how in links:
            out.append((eo, pred, o, conf, how))
            inp.onet_to_esco[o].add(eo)
            inp.occupation_link_confidence[(o, eo)] = conf
    return out

