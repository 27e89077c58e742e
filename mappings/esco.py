"""ESCO: the ESCO CSV export (v1.1.x or v1.2.x, zip or folder) as the `esco` graph.

ESCO's own IRIs and ESCO's own model (http://data.europa.eu/esco/model#) are kept, so that a
partner holding ESCO's Linked Data joins on the same IRIs, types and properties; every concept
is also typed into the shared ontology:

  occupations_en      -> esco:Occupation, esco:MemberConcept, skos:Concept, sg:Occupation
                         (skos:notation = ESCO code, sg:iscoCode = ISCO-08 unit group)
  ISCOGroups_en       -> skos:Concept, sg:OccupationGroup (skos:notation, sg:iscoCode)
  skills_en           -> esco:Skill, esco:MemberConcept, skos:Concept and sg:Skill | sg:Knowledge by
                         skillType (sg:Competency when ESCO leaves skillType empty: reported),
                         esco:skillType, esco:skillReuseLevel
  skillGroups_en, skillsHierarchy_en -> skos:Concept, sg:Domain, the skills hierarchy (skos:broader)
  broaderRelations*   -> skos:broader
  occupationSkillRelations -> esco:relatedEssentialSkill | esco:relatedOptionalSkill on the occupation and
                         esco:isEssentialSkillFor | esco:isOptionalSkillFor on the skill (both directions,
                         as ESCO's own RDF states them), each also reified as sg:SkillRelation
                         (sg:occupation, sg:skill, sg:relationType) for alignments
  skillSkillRelations -> esco:AssociationObject (esco:isAssociationFor, esco:target, dcterms:type)
  *Collection_en      -> skos:Collection with skos:member
  conceptSchemes_en   -> skos:ConceptScheme, sg:Framework, skos:hasTopConcept
Labels are skos:prefLabel/altLabel/hiddenLabel @en. A description is given twice, as ESCO
does (dcterms:description -> esco:NodeLiteral with esco:nodeLiteral and esco:language) and as
the plain dcterms:description @en literal the other SkillGraph graphs use.
"""
from __future__ import annotations

import re
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from skillgraph import iri
from skillgraph.ontology import ESCO, SG
from skillgraph.sourceconfig import SourceConfig
from skillgraph.tabular import Row

from .base import BuildContext, MappingReport, MappingResult, Origins, SourceMapping, new_graph
from .esco_read import COLLECTIONS, EscoRelease, split_list, split_uris

ISOTHES = Namespace("http://purl.org/iso25964/skos-thes#")
SKILL_TYPE = {"skill/competence": iri.esco.publisher("skill-type/skill"),
              "knowledge": iri.esco.publisher("skill-type/knowledge")}
SKILL_CLASS = {"skill/competence": SG.Skill, "knowledge": SG.Knowledge}
REUSE_LEVELS = ("transversal", "cross-sector", "sector-specific", "occupation-specific")
#: relation type -> (occupation -> skill property, skill -> occupation property, ESCO relationship type).
#: Only terms of ESCO's published model (http://data.europa.eu/esco/model#) are used in its namespace.
RELATION_TYPES = {"essential": (ESCO.relatedEssentialSkill, ESCO.isEssentialSkillFor,
                                iri.esco.publisher("relationship-type/essential-skill")),
                  "optional": (ESCO.relatedOptionalSkill, ESCO.isOptionalSkillFor,
                               iri.esco.publisher("relationship-type/optional-skill"))}
SKILLS_HIERARCHY = iri.esco.publisher("concept-scheme/skills-hierarchy")
#: ESCO concept schemes that hold the same members as a collection file, by the scheme's label.
COLLECTION_SCHEMES = {"digital": "Digital", "digcomp": "DigComp", "green": "Green", "research_skills": "Research",
                      "research_occupations": "Research occupations"}

_OCC = iri.esco.pattern("occupation")
_SKILL = iri.esco.pattern("skill")
_GROUP = iri.esco.pattern("skill", "isced-f")
_ISCO = iri.esco.pattern("isco", ident=r"C\d{1,4}")
_ANY = iri.esco.pattern("occupation", "skill", "isco", "isced-f")
_SCHEME = iri.esco.pattern("concept-scheme")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")

CREDIT = ("This service uses the ESCO classification of the European Commission. "
          "ESCO {release} (c) European Union; reuse authorised under Commission Decision 2011/833/EU.")
MODIFIED = ("SkillGraph converted the ESCO CSV export to RDF: ESCO's IRIs and model kept, concepts also typed "
            "into the SkillGraph ontology, occupation-skill relations also reified; values unchanged. "
            "The European Commission has not endorsed this conversion.")


def en(text: str) -> Literal:
    """An English literal with surrounding whitespace removed, as ESCO's texts carry stray spaces."""
    return Literal(text.strip(), lang="en")


# Occupations an ESCO release references but does not describe (verified facts about the published CSVs,
# like O*NET's MAY_LACK): v1.1.1's occupationSkillRelations.csv has 67 relations and
# broaderRelationsOccPillar.csv one broader link for this occupation, which occupations_en.csv lacks. The
# relations are kept (they are the release's), the gap is reported, and the build's reference check lets
# exactly these IRIs dangle; any other undescribed occupation still fails the build (e.g. a truncated file).
RELEASE_GAPS: frozenset[str] = frozenset({
    str(iri.esco.occupation("a9e54177-a185-404d-b6e6-15663d31137e")),
})

def relation_type(row: Row) -> str:
    """A row's relationType (essential or optional), lower-cased; anything else fails naming the line."""
    rtype = row.required("relationType").lower()
    if rtype not in RELATION_TYPES:
        raise row.error(f"unknown relationType {rtype!r}; expected 'essential' or 'optional'", column="relationType")
    return rtype


class EscoMapping(SourceMapping):
    """Maps an ESCO CSV release (occupations, skills, relations) to SKOS concepts and skill relations."""
    id = "esco"
    title = "ESCO classification (European Skills, Competences, Qualifications and Occupations)"
    publisher = "European Commission"
    homepage = "https://esco.ec.europa.eu/en/use-esco/download"
    license = "http://data.europa.eu/eli/dec/2011/833/oj"
    credit_line = CREDIT.format(release="v1.1.1")
    modification_notice = MODIFIED

    def preflight(self, path: Path, config: SourceConfig) -> None:
        """Check the ESCO release's form, layout and required files before any source is mapped."""
        with EscoRelease(path):  # the form, layout and required files, before anything is mapped
            pass

    def map(self, path: Path, ctx: BuildContext) -> MappingResult:
        """Read the ESCO release and map its tables into one graph."""
        report = MappingReport()
        with EscoRelease(path) as rel:
            st = _State(new_graph(), rel, report, ctx.origin(self.id))
            st.run()
            report.details.update(form=rel.form, layout=rel.layout)
            if rel.other_files:
                report.details["files present, not mapped"] = sorted(rel.other_files)
            if rel.short_records:
                report.details["records with trailing empty fields left out (padded)"] = dict(rel.short_records)
            report.warnings.extend(rel.warnings)
            gaps = _release_gaps(st.g)
            if gaps:
                report.details["referenced, not described by the release"] = gaps
                report.warnings.append(f"{len(gaps)} occupation(s) the release references but does not describe "
                                       f"(kept as referenced; a known gap of the release): {', '.join(gaps)}")
            release = str(ctx.source_config(self.id).release or rel.release)
        self.credit_line = CREDIT.format(release=release)
        return MappingResult(st.g, release, report)


class _State:
    """One mapping run: the graph, the release, the report and the concepts seen so far."""

    def __init__(self, g: Graph, rel: EscoRelease, report: MappingReport, origins: Origins | None = None):
        self.g, self.rel, self.report = g, rel, report
        self.origins = origins if origins is not None else Origins()  # node -> file:line, for SHACL results
        self.occupations: set[str] = set()
        self.skills: dict[str, str] = {}      # skill URI -> skillType ('' when ESCO leaves it empty)
        self.groups: set[str] = set()
        self.isco: set[str] = set()
        self.schemes: dict[str, URIRef] = {}  # scheme label -> IRI
        self.dangling: dict[str, int] = {}

    def run(self) -> None:
        steps = (("schemes", self.schemes_), ("isco", self.isco_), ("occupations", self.occupations_),
                 ("skills", self.skills_), ("skill_groups", self.skill_groups), ("hierarchy", self.hierarchy),
                 ("broader_occupation", lambda: self.broader("broader_occupation")),
                 ("broader_skill", lambda: self.broader("broader_skill")),
                 ("occupation_skill", self.occupation_skill), ("skill_skill", self.skill_skill))
        for key, fn in steps:
            self._step(key, fn)
        for key in COLLECTIONS:
            self._step(key, lambda k=key: self.collection(k))
        for what, n in sorted(self.dangling.items()):
            self.report.warnings.append(f"{n:,} {what} point at concepts not defined in this export (kept)")

    def _step(self, key: str, fn) -> None:
        name = self.rel.location(key) if self.rel.has(key) else key
        if self.rel.has(key):
            fn()
            self.report.tables_read.append(Path(name).name)
        else:
            self.report.tables_skipped.append(key)

    # -- helpers -----------------------------------------------------------------------------
    def uri(self, row: Row, column: str, pattern: re.Pattern = _ANY, what: str = "an ESCO concept URI") -> URIRef:
        v = row.required(column)
        if not pattern.match(v):
            raise row.error(f"{v!r} is not {what} ({pattern.pattern})", column=column)
        return URIRef(v)

    def concept(self, s: URIRef, row: Row, *, label: str = "preferredLabel") -> None:
        """What every ESCO concept row carries: labels, notes, description, schemes, status, date."""
        g = self.g
        self.origins.row(s, row)
        g.add((s, SKOS.prefLabel, en(row.required(label))))
        for col, p in (("altLabels", SKOS.altLabel), ("hiddenLabels", SKOS.hiddenLabel)):
            for v in split_list(row.get(col)):
                g.add((s, p, en(v)))
        for col, p in (("definition", SKOS.definition), ("scopeNote", SKOS.scopeNote)):
            if row.get(col).strip():
                g.add((s, p, en(row.get(col))))
        self.description(s, row.get("description"))
        for u in split_uris(row.get("inScheme")):
            if not _SCHEME.match(u):
                raise row.error(f"{u!r} is not an ESCO concept-scheme URI", column="inScheme")
            g.add((s, SKOS.inScheme, URIRef(u)))
        if row.get("status").strip():
            g.add((s, ISOTHES.status, Literal(row.get("status").strip())))
        mod = row.get("modifiedDate").strip()
        if mod:
            if not _DATETIME.match(mod):
                raise row.error(f"{mod!r} is not an ISO 8601 date-time", column="modifiedDate")
            g.add((s, DCTERMS.modified, Literal(mod, datatype=XSD.dateTime)))

    def description(self, s: URIRef, text: str) -> None:
        text = text.strip()
        if not text:
            return
        node = BNode()
        self.g.add((s, DCTERMS.description, en(text)))
        self.g.add((s, DCTERMS.description, node))
        self.g.add((node, RDF.type, ESCO.NodeLiteral))
        self.g.add((node, ESCO.nodeLiteral, Literal(text)))
        self.g.add((node, ESCO.language, Literal("en", datatype=XSD.language)))

    def _dangling(self, what: str, known: bool, row: Row | None = None) -> None:
        if not known:
            self.dangling[what] = self.dangling.get(what, 0) + 1
            if row is not None:
                examples = self.report.details.setdefault(f"{what} to undefined concepts (first 10)", [])
                if len(examples) < 10:
                    examples.append(f"{Path(row.path).name}:{row.line}")

    # -- tables ------------------------------------------------------------------------------
    def schemes_(self) -> None:
        g = self.g
        for row in self.rel.rows("schemes"):
            s = self.uri(row, "conceptSchemeUri", _SCHEME, "an ESCO concept-scheme URI")
            self.origins.row(s, row)
            g.add((s, RDF.type, SKOS.ConceptScheme))
            g.add((s, RDF.type, SG.Framework))
            label = row.required("preferredLabel")
            g.add((s, SKOS.prefLabel, en(label)))
            g.add((s, DCTERMS.title, en(row.get("title") or label)))
            self.description(s, row.get("description"))
            if row.get("status").strip():
                g.add((s, ISOTHES.status, Literal(row.get("status").strip())))
            for u in split_uris(row.get("hasTopConcept")):
                if not iri.esco.is_esco(u):
                    raise row.error(f"{u!r} is not an ESCO IRI", column="hasTopConcept")
                g.add((s, SKOS.hasTopConcept, URIRef(u)))
            self.schemes[label] = s
            self.report.count("concept schemes")

    def isco_(self) -> None:
        g = self.g
        for row in self.rel.rows("isco"):
            s = self.uri(row, "conceptUri", _ISCO, "an ESCO ISCO-group URI")
            code = row.required("code")
            if not re.fullmatch(r"\d{1,4}", code) or not str(s).endswith("/C" + code):
                raise row.error(f"ISCO code {code!r} does not match the group URI {str(s)!r}", column="code")
            g.add((s, RDF.type, SKOS.Concept))
            g.add((s, RDF.type, SG.OccupationGroup))
            g.add((s, SKOS.notation, Literal(code)))
            g.add((s, SG.iscoCode, Literal(code)))
            self.concept(s, row)
            self.isco.add(str(s))
            self.report.count("ISCO groups")

    def occupations_(self) -> None:
        g = self.g
        for row in self.rel.rows("occupations"):
            s = self.uri(row, "conceptUri", _OCC, "an ESCO occupation URI")
            for t in (ESCO.Occupation, ESCO.MemberConcept, SKOS.Concept, SG.Occupation):
                g.add((s, RDF.type, t))
            self.concept(s, row)
            code, isco = row.get("code").strip(), row.get("iscoGroup").strip()
            if code:
                if not re.fullmatch(r"\d{4}(\.\d+)*", code):
                    raise row.error(
                        f"{code!r} is not an ESCO occupation code (ISCO unit group, then .n)", column="code"
                    )
                g.add((s, SKOS.notation, Literal(code)))
            if isco:
                if not re.fullmatch(r"\d{4}", isco):
                    raise row.error(f"{isco!r} is not an ISCO-08 unit group code", column="iscoGroup")
                g.add((s, SG.iscoCode, Literal(isco)))
            note = row.get("regulatedProfessionNote").strip()
            if note:
                g.add((s, ESCO.regulatedProfessionNote, URIRef(note) if note.startswith("http") else en(note)))
            for nace in split_uris(row.get("naceCode")):
                g.add((s, DCTERMS.subject, Literal(f"NACE Rev. 2 {nace}")))
            self.occupations.add(str(s))
            self.report.count("occupations")

    def skills_(self) -> None:
        g = self.g
        empty = []
        for row in self.rel.rows("skills"):
            s = self.uri(row, "conceptUri", _SKILL, "an ESCO skill URI")
            kind = row.get("skillType").strip()
            if kind and kind not in SKILL_TYPE:
                raise row.error(f"unknown skillType {kind!r}; expected 'skill/competence', 'knowledge' or empty",
                                column="skillType")
            for t in (ESCO.Skill, ESCO.MemberConcept, SKOS.Concept, SKILL_CLASS.get(kind, SG.Competency)):
                g.add((s, RDF.type, t))
            if kind:
                g.add((s, ESCO.skillType, SKILL_TYPE[kind]))
            else:
                empty.append(f"{s} ({row.get('preferredLabel').strip()}, line {row.line})")
            reuse = row.get("reuseLevel").strip()
            if reuse:
                if reuse not in REUSE_LEVELS:
                    raise row.error(f"unknown reuseLevel {reuse!r}; expected one of {', '.join(REUSE_LEVELS)}",
                                    column="reuseLevel")
                g.add((s, ESCO.skillReuseLevel, iri.esco.publisher("skill-reuse-level/" + reuse)))
            self.concept(s, row)
            self.skills[str(s)] = kind
            self.report.count(
                "knowledge" if kind == "knowledge" else "skills" if kind else "skills with empty skillType"
            )
        if empty:
            self.report.details["skills with empty skillType"] = empty
            self.report.warnings.append(f"{len(empty)} skill concept(s) have an empty skillType; typed sg:Competency "
                                        f"(neither skill nor knowledge): " + "; ".join(empty))

    def skill_groups(self) -> None:
        for row in self.rel.rows("skill_groups"):
            s = self.uri(row, "conceptUri", _GROUP, "an ESCO skill-group URI")
            self._group(s)
            self.concept(s, row)
            if row.get("code").strip():
                self.g.add((s, SKOS.notation, Literal(row.get("code").strip())))
            self.report.count("skill groups")

    def _group(self, s: URIRef) -> None:
        self.g.add((s, RDF.type, SKOS.Concept))
        self.g.add((s, RDF.type, SG.Domain))
        self.groups.add(str(s))

    def hierarchy(self) -> None:
        """The skills hierarchy (levels 0-3); adds the top concepts that skillGroups_en does not list."""
        g = self.g
        for row in self.rel.rows("hierarchy"):
            parent = None
            for level in range(4):
                u = row.get(f"Level {level} URI").strip()
                if not u:
                    break
                s = self.uri(row, f"Level {level} URI", _GROUP, "an ESCO skill-group URI")
                new = str(s) not in self.groups and str(s) not in self.skills
                if new:
                    self.origins.row(s, row)
                    self._group(s)
                    g.add((s, SKOS.prefLabel, en(row.required(f"Level {level} preferred term"))))
                    self.report.count("skill groups (from the skills hierarchy only)")
                code = row.get(f"Level {level} code").strip()
                if code and (s, SKOS.notation, None) not in g:
                    g.add((s, SKOS.notation, Literal(code)))
                g.add((s, SKOS.inScheme, SKILLS_HIERARCHY))
                if parent is None:
                    g.add((s, SKOS.topConceptOf, SKILLS_HIERARCHY))
                else:
                    g.add((s, SKOS.broader, parent))
                parent = s
            deepest = parent
            if deepest is not None and (deepest, DCTERMS.description, None) not in g:
                self.description(deepest, row.get("Description"))
            if deepest is not None and row.get("Scope note").strip() and (deepest, SKOS.scopeNote, None) not in g:
                g.add((deepest, SKOS.scopeNote, en(row.get("Scope note"))))

    def broader(self, key: str) -> None:
        known = self.occupations | self.isco if key == "broader_occupation" else set(self.skills) | self.groups
        n = 0
        for row in self.rel.rows(key):
            s, b = self.uri(row, "conceptUri"), self.uri(row, "broaderUri")
            self.g.add((s, SKOS.broader, b))
            if not self.origins.get(s):  # a concept no table defines: its broader row is all there is
                self.origins.row(s, row)
            self._dangling("broader relations", str(s) in known and str(b) in known, row)
            n += 1
        self.report.count("broader relations (occupations pillar)" if key == "broader_occupation"
                          else "broader relations (skills pillar)", n)

    def occupation_skill(self) -> None:
        g = self.g
        empty, mismatched = [], 0
        for row in self.rel.rows("occupation_skill"):
            occ = self.uri(row, "occupationUri", _OCC, "an ESCO occupation URI")
            skill = self.uri(row, "skillUri", _SKILL, "an ESCO skill URI")
            rtype = relation_type(row)
            kind = row.get("skillType").strip()
            if kind and kind not in SKILL_TYPE:
                raise row.error(f"unknown skillType {kind!r}", column="skillType")
            prop, inverse, _ = RELATION_TYPES[rtype]
            g.add((occ, prop, skill))
            g.add((skill, inverse, occ))
            rel = iri.esco.SCHEME.mint("skill-relation", iri.digest(occ, rtype, skill))
            g.add((rel, RDF.type, SG.SkillRelation))
            g.add((rel, SG.occupation, occ))
            g.add((rel, SG.skill, skill))
            g.add((rel, SG.relationType, Literal(rtype)))
            self.origins.row(rel, row)
            self.report.count(f"occupation-skill relations ({rtype}, {kind or 'empty skillType'})")
            self.report.count("occupation-skill relations")
            if not kind:
                empty.append(f"{occ} {rtype} {skill} (line {row.line})")
            elif str(skill) in self.skills and self.skills[str(skill)] and self.skills[str(skill)] != kind:
                mismatched += 1
            self._dangling(
                "occupation-skill relations", str(occ) in self.occupations and str(skill) in self.skills, row
            )
        if empty:
            self.report.details["occupation-skill relations with empty skillType"] = empty
            self.report.warnings.append(
                f"{len(empty)} occupation-skill relation(s) have an empty skillType; mapped "
                f"with their relation type, the skill typed as in skills_en: " + "; ".join(empty)
            )
        if mismatched:
            self.report.warnings.append(
                f"{mismatched} occupation-skill relation(s) give a skillType other than the skill's own in skills_en"
            )

    def skill_skill(self) -> None:
        g = self.g
        for row in self.rel.rows("skill_skill"):
            a = self.uri(row, "originalSkillUri", _SKILL, "an ESCO skill URI")
            b = self.uri(row, "relatedSkillUri", _SKILL, "an ESCO skill URI")
            rtype = relation_type(row)
            node = iri.esco.SCHEME.mint("skill-association", iri.digest(a, rtype, b))
            g.add((node, RDF.type, ESCO.AssociationObject))
            g.add((node, ESCO.isAssociationFor, a))
            g.add((node, ESCO.target, b))
            g.add((node, DCTERMS.type, RELATION_TYPES[rtype][2]))
            g.add((node, SG.relationType, Literal(rtype)))
            self.origins.row(node, row)
            self.report.count("skill-skill relations")
            self._dangling("skill-skill relations", str(a) in self.skills and str(b) in self.skills, row)

    def collection(self, key: str) -> None:
        g = self.g
        stem, slug, title = COLLECTIONS[key]
        c = iri.esco.SCHEME.mint("collection", slug)
        g.add((c, RDF.type, SKOS.Collection))
        g.add((c, SKOS.prefLabel, en(title)))
        g.add((c, RDFS.label, en(title)))
        g.add((c, DCTERMS.source, Literal(stem + ".csv")))
        self.origins.add(c, self.rel.location(key), 1)  # made from the whole file: its header line
        scheme = self.schemes.get(COLLECTION_SCHEMES.get(key, ""))
        if scheme is not None:
            g.add((c, RDFS.seeAlso, scheme))
        known = self.occupations if key == "research_occupations" else set(self.skills) | self.groups
        n = 0
        for row in self.rel.rows(key):
            pattern = _OCC if key == "research_occupations" else _SKILL
            m = self.uri(
                row, "conceptUri", pattern, "an ESCO occupation URI" if pattern is _OCC else "an ESCO skill URI"
            )
            g.add((c, SKOS.member, m))
            self._dangling("collection members", str(m) in known, row)
            n += 1
        self.report.count(f"collection members ({slug})", n)


MAPPING = EscoMapping()


def _release_gaps(g) -> list[str]:
    """RELEASE_GAPS occupations this graph references (sg:occupation) without typing them: reported, allowed."""
    return sorted(o for o in RELEASE_GAPS
                  if (None, SG.occupation, URIRef(o)) in g and (URIRef(o), RDF.type, None) not in g)
