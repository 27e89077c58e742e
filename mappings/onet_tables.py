"""One function per O*NET table: rows in, triples of the `onet` graph out.

Each function streams the table's rows and adds triples straight to the graph (no per-row
intermediate objects), because the full release has hundreds of thousands of rows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from skillgraph import iri
from skillgraph.iri.onet import commodity, dwa, element, framework, iwa, mint, occupation, scale, task
from skillgraph.ontology import SG
from skillgraph.tabular import Row

from .base import MappingReport, Origins
from .onet_cells import date, decimal, element_id, en, flag, integer, plain, soc_code, text
from .onet_read import OnetRelease

# Content-model branches and the competency class of their elements (O*NET 30.x numbering;
# 1.C is the Work Styles branch of releases before 30.0).
BRANCHES: tuple[tuple[str, URIRef], ...] = (
    ("1.A", SG.Ability), ("1.B.1", SG.Interest), ("1.B.2", SG.WorkValue), ("1.C", SG.WorkStyle),
    ("1.D", SG.WorkStyle), ("2.A", SG.Skill), ("2.B", SG.Skill), ("2.C", SG.Knowledge),
    ("4.A", SG.WorkActivity), ("4.C", SG.WorkContextElement),
)

SCHEMES = {
    "occupations": "O*NET-SOC 2019 occupations",
    "content-model": "O*NET Content Model",
    "tasks": "O*NET task statements",
    "work-activities": "O*NET intermediate and detailed work activities",
    "technology": "O*NET technology skills and tools (UNSPSC commodities)",
    "job-zones": "O*NET job zones",
    "scales": "O*NET rating scales",
}


def branch_class(eid: str) -> URIRef | None:
    """The ontology class of a content-model element, from the branch its id is in."""
    for prefix, cls in BRANCHES:
        if eid == prefix or eid.startswith(prefix + "."):
            return cls
    return None


@dataclass
class State:
    """What one mapping run has seen so far, shared by the table functions."""

    g: Graph
    rel: OnetRelease
    report: MappingReport
    occupations: set[str] = field(default_factory=set)
    elements: set[str] = field(default_factory=set)
    scales: set[str] = field(default_factory=set)
    tasks: set[str] = field(default_factory=set)
    technologies: set[URIRef] = field(default_factory=set)
    commodities: set[str] = field(default_factory=set)
    job_zones: set[str] = field(default_factory=set)
    origins: Origins | None = None  # map-back index node -> file:line (for SHACL results)

    def mark(self, node: URIRef, row) -> None:
        """Record the row a node was mapped from, for error messages."""
        if self.origins is not None:
            self.origins.add(node, self.rel.shown(row.path), row.line)

    def concept(self, node: URIRef, row: Row, cls: URIRef, label: str, scheme: URIRef,
                notation: str | None = None) -> None:
        """A concept of one of O*NET's schemes: typed, labelled, notated, in its scheme, its row recorded."""
        self.mark(node, row)
        add = self.g.add
        add((node, RDF.type, cls))
        add((node, SKOS.prefLabel, en(label)))
        if notation is not None:
            add((node, SKOS.notation, plain(notation)))
        add((node, SKOS.inScheme, scheme))

    def scheme(self, name: str) -> URIRef:
        """The IRI of one of O*NET's concept schemes."""
        return framework(name)


def frameworks(st: State) -> None:
    """Map O*NET's concept schemes (occupations, content model, tasks, ...)."""
    g = st.g
    for name, title in SCHEMES.items():
        f = framework(name)
        g.add((f, RDF.type, SG.Framework))
        g.add((f, SKOS.prefLabel, en(title)))
        g.add((f, DCTERMS.publisher, plain("National Center for O*NET Development, for USDOL/ETA")))


def occupations(st: State) -> None:
    """Map the occupations (Occupation Data)."""
    g, scheme = st.g, framework("occupations")
    for row in st.rel.rows("Occupation Data"):
        code = soc_code(row)
        o = occupation(code)
        st.occupations.add(code)
        st.concept(o, row, SG.Occupation, row.required("Title"), scheme, code)
        desc = text(row, "Description")
        if desc:
            g.add((o, SKOS.definition, en(desc)))
        g.add((o, SG.socCode, plain(code)))
    st.report.count("occupations", len(st.occupations))


def content_model(st: State) -> None:
    """Map the content model's elements into their hierarchy and classes."""
    g, scheme = st.g, framework("content-model")
    rows = [
        (element_id(r), r.required("Element Name"), text(r, "Description"), r)
        for r in st.rel.rows("Content Model Reference")
    ]
    ids = {eid for eid, _, _, _ in rows}
    parents = {eid.rsplit(".", 1)[0] for eid in ids if "." in eid}
    for eid, name, desc, row in rows:
        e = element(eid)
        st.elements.add(eid)
        st.concept(e, row, SG.ContentModelElement, name, scheme, eid)
        if desc and desc != name:
            g.add((e, SKOS.definition, en(desc)))
        if "." in eid:
            up = eid.rsplit(".", 1)[0]
            if up in ids:
                g.add((e, SKOS.broader, element(up)))
        else:
            g.add((e, SKOS.topConceptOf, scheme))
        cls = branch_class(eid)
        if cls is not None and eid not in parents:  # descriptors, not descriptor groups
            g.add((e, RDF.type, cls))
    st.report.count("content model elements", len(rows))


def scales(st: State) -> None:
    """Map the rating scales (Scales Reference)."""
    g, scheme = st.g, framework("scales")
    for row in st.rel.rows("Scales Reference"):
        sid = row.required("Scale ID")
        s = scale(sid)
        st.scales.add(sid)
        st.concept(s, row, SG.Scale, row.required("Scale Name"), scheme, sid)
        g.add((s, SG.scaleMinimum, decimal(row, "Minimum", required=True)))
        g.add((s, SG.scaleMaximum, decimal(row, "Maximum", required=True)))
    st.report.count("scales", len(st.scales))


def level_anchors(st: State) -> None:
    """Map the Level scale anchors, the examples that give level ratings meaning."""
    g, n = st.g, 0
    for row in st.rel.rows("Level Scale Anchors"):
        eid, sid = element_id(row), row.required("Scale ID")
        value = decimal(row, "Anchor Value", required=True)
        a = mint("level-anchor", f"{eid}_{sid}_{value}")
        st.mark(a, row)
        g.add((a, RDF.type, SG.LevelAnchor))
        g.add((a, SG.anchorOf, element(eid)))
        g.add((a, SG.scale, scale(sid)))
        g.add((a, SG.anchorValue, value))
        g.add((a, DCTERMS.description, en(row.required("Anchor Description"))))
        n += 1
    st.report.count("level anchors", n)


def job_zones(st: State) -> None:
    """Map the job zones and each occupation's zone."""
    g, scheme = st.g, framework("job-zones")
    if st.rel.has("Job Zone Reference"):
        for row in st.rel.rows("Job Zone Reference"):
            z = str(integer(row, "Job Zone", required=True))
            jz = mint("job-zone", z)
            st.job_zones.add(z)
            st.concept(jz, row, SG.JobZone, row.required("Name"), scheme, z)
            for col in ("Education", "Experience", "Job Training"):
                if text(row, col):
                    g.add((jz, SKOS.scopeNote, en(f"{col}: {text(row, col)}")))
            if text(row, "Examples"):
                g.add((jz, SKOS.example, en(text(row, "Examples"))))
            if text(row, "SVP Range"):
                g.add((jz, SKOS.note, en(f"SVP range: {text(row, 'SVP Range')}")))
        st.report.tables_read.append("Job Zone Reference")
    else:
        st.report.tables_skipped.append("Job Zone Reference")
    if not st.rel.has("Job Zones"):
        st.report.tables_skipped.append("Job Zones")
        return
    n = 0
    for row in st.rel.rows("Job Zones"):
        code = soc_code(row)
        z = str(integer(row, "Job Zone", required=True))
        if z not in ("1", "2", "3", "4", "5"):
            raise row.error(f"job zone {z} is not one of 1-5", column="Job Zone")
        g.add((occupation(code), SG.jobZone, mint("job-zone", z)))
        n += 1
    st.report.tables_read.append("Job Zones")
    st.report.count("job zone assignments", n)


def task_statements(st: State) -> None:
    """Map the task statements and their occupations."""
    g, scheme = st.g, framework("tasks")
    for row in st.rel.rows("Task Statements"):
        code = soc_code(row)
        tid = str(integer(row, "Task ID", required=True))
        t = task(tid)
        st.tasks.add(tid)
        st.concept(t, row, SG.Task, row.required("Task"), scheme, tid)
        g.add((t, SG.taskOf, occupation(code)))
        kind = text(row, "Task Type")
        if kind and kind != "n/a":
            g.add((t, SG.taskType, plain(kind)))
        for prop, lit in ((SG.incumbentsResponding, decimal(row, "Incumbents Responding")),
                          (DCTERMS.date, date(row)), (SG.domainSource, _source(row))):
            if lit is not None:
                g.add((t, prop, lit))
    st.report.count("tasks", len(st.tasks))


def emerging_tasks(st: State) -> None:
    """Map the emerging tasks that O*NET is considering."""
    g, n = st.g, 0
    for row in st.rel.rows("Emerging Tasks"):
        code = soc_code(row)
        statement = row.required("Task")
        t = mint("emerging-task", f"{code}_{iri.digest(statement, length=12)}")
        st.mark(t, row)
        g.add((t, RDF.type, SG.EmergingTask))
        g.add((t, SKOS.prefLabel, en(statement)))
        g.add((t, SG.taskOf, occupation(code)))
        g.add((t, DCTERMS.type, plain(row.required("Category"))))
        original = text(row, "Original Task ID")
        if original and original != "n/a":
            g.add((t, PROV.wasRevisionOf, task(str(integer(row, "Original Task ID")))))
        for prop, lit in ((DCTERMS.date, date(row)), (SG.domainSource, _source(row))):
            if lit is not None:
                g.add((t, prop, lit))
        n += 1
    st.report.count("emerging tasks", n)


def _source(row) -> object:
    v = text(row, "Domain Source")
    return plain(v) if v and v != "n/a" else None


def ratings(st: State, table: str, task_ratings: bool = False) -> int:
    """A rating table: one sg:Rating per row, suppressed rows kept and flagged."""
    g = st.g
    add = g.add
    n = 0
    T_RATING, P_OCC, P_EL, P_SCALE, P_VAL = SG.Rating, SG.occupation, SG.ratedElement, SG.scale, SG.value
    optional = ((SG.sampleSize, "N", integer), (SG.standardError, "Standard Error", decimal),
                (SG.lowerCIBound, "Lower CI Bound", decimal), (SG.upperCIBound, "Upper CI Bound", decimal),
                (SG.recommendSuppress, "Recommend Suppress", flag), (SG.notRelevant, "Not Relevant", flag),
                (DCTERMS.date, "Date", date))
    for row in st.rel.rows(table):
        code = soc_code(row)
        sid = row.required("Scale ID")
        if task_ratings:
            key = str(integer(row, "Task ID", required=True))
            target = task(key)
            key = "task-" + key
        else:
            key = element_id(row)
            target = element(key)
        cat = integer(row, "Category")
        ident = f"{code}_{key}_{sid}" if cat is None else f"{code}_{key}_{sid}_{cat}"
        r = mint("rating", ident)
        st.mark(r, row)
        add((r, RDF.type, T_RATING))
        add((r, P_OCC, occupation(code)))
        add((r, P_EL, target))
        add((r, P_SCALE, scale(sid)))
        add((r, P_VAL, decimal(row, "Data Value", required=True)))
        if cat is not None:
            add((r, SG.category, cat))
        for prop, col, conv in optional:
            lit = conv(row, col)
            if lit is not None:
                add((r, prop, lit))
        src = _source(row)
        if src is not None:
            add((r, SG.domainSource, src))
        n += 1
    st.report.count(f"ratings: {table}", n)
    return n


def work_activities(st: State) -> None:
    """Map the detailed and intermediate work activities and their links to tasks."""
    g, scheme = st.g, framework("work-activities")
    n_iwa = n_dwa = 0
    if st.rel.has("IWA Reference"):
        for row in st.rel.rows("IWA Reference"):
            i = iwa(row.required("IWA ID"))
            st.concept(i, row, SG.IntermediateWorkActivity, row.required("IWA Title"), scheme, row.required("IWA ID"))
            g.add((i, SKOS.broader, element(element_id(row))))
            n_iwa += 1
        st.report.tables_read.append("IWA Reference")
    else:
        st.report.tables_skipped.append("IWA Reference")
    if st.rel.has("DWA Reference"):
        for row in st.rel.rows("DWA Reference"):
            did, iid = row.required("DWA ID"), row.required("IWA ID")
            d = dwa(did)
            st.concept(d, row, SG.DetailedWorkActivity, row.required("DWA Title"), scheme, did)
            g.add((d, SKOS.broader, iwa(iid)))
            if text(row, "IWA Title") and n_iwa == 0:  # no IWA Reference: take the IWA from here
                i = iwa(iid)
                g.add((i, RDF.type, SG.IntermediateWorkActivity))
                g.set((i, SKOS.prefLabel, en(text(row, "IWA Title"))))
                g.set((i, SKOS.notation, plain(iid)))
                g.set((i, SKOS.broader, element(element_id(row))))
                g.set((i, SKOS.inScheme, scheme))
            n_dwa += 1
        st.report.tables_read.append("DWA Reference")
    else:
        st.report.tables_skipped.append("DWA Reference")
    st.report.count("IWAs", n_iwa)
    st.report.count("DWAs", n_dwa)
    if st.rel.has("Tasks to DWAs"):
        n = 0
        for row in st.rel.rows("Tasks to DWAs"):
            soc_code(row)
            g.add((task(str(integer(row, "Task ID", required=True))), SG.hasWorkActivity, dwa(row.required("DWA ID"))))
            n += 1
        st.report.tables_read.append("Tasks to DWAs")
        st.report.count("task-DWA links", n)
    else:
        st.report.tables_skipped.append("Tasks to DWAs")


def unspsc(st: State) -> None:
    """Map the UNSPSC commodity hierarchy that technology skills and tools refer to."""
    g, scheme = st.g, framework("technology")
    levels = (("Segment Code", "Segment Title"), ("Family Code", "Family Title"), ("Class Code", "Class Title"),
              ("Commodity Code", "Commodity Title"))
    for row in st.rel.rows("UNSPSC Reference"):
        parent = None
        for code_col, title_col in levels:
            code = text(row, code_col)
            if not code:
                continue
            if not code.isdigit() or len(code) != 8:
                raise row.error(f"{code!r} is not an 8-digit UNSPSC code", column=code_col)
            c = commodity(code)
            if code not in st.commodities:
                st.commodities.add(code)
                st.concept(c, row, SG.CommodityClass, row.required(title_col), scheme, code)
                if parent is not None:
                    g.add((c, SKOS.broader, parent))
            parent = c
    st.report.count("UNSPSC codes", len(st.commodities))


def technology(st: State, table: str, cls: URIRef, kind: str) -> None:
    """Technology Skills / Tools Used: example concepts, their commodity, and one use node per row."""
    g, scheme = st.g, framework("technology")
    add = g.add
    hot = table == "Technology Skills"
    n = 0
    for row in st.rel.rows(table):
        code = soc_code(row)
        example = row.required("Example")
        ccode = row.required("Commodity Code")
        if not ccode.isdigit() or len(ccode) != 8:
            raise row.error(f"{ccode!r} is not an 8-digit UNSPSC commodity code", column="Commodity Code")
        t = mint(kind, example)
        c = commodity(ccode)
        if t not in st.technologies:
            st.technologies.add(t)
            st.concept(t, row, cls, example, scheme)
        add((t, SG.commodity, c))
        if ccode not in st.commodities:
            st.commodities.add(ccode)
            st.concept(c, row, SG.CommodityClass, row.required("Commodity Title"), scheme, ccode)
        o = occupation(code)
        add((o, SG.usesTechnology, t))
        u = mint(f"{kind}-use", f"{code}_{ccode}_{example}")
        st.mark(u, row)
        add((u, RDF.type, SG.TechnologyUse))
        add((u, SG.occupation, o))
        add((u, SG.technology, t))
        if hot:
            for prop, col in ((SG.hotTechnology, "Hot Technology"), (SG.inDemand, "In Demand")):
                lit = flag(row, col)
                if lit is not None:
                    add((u, prop, lit))
        n += 1
    st.report.count(f"{table} rows", n)


def titles(st: State) -> None:
    """Map alternate and reported job titles as labels of their occupations."""
    g = st.g

    def alternate(row: Row) -> None:
        o = occupation(soc_code(row))
        g.add((o, SKOS.altLabel, en(row.required("Alternate Title"))))
        short = text(row, "Short Title")
        if short and short != "n/a":
            g.add((o, SG.shortTitle, en(short)))

    def reported(row: Row) -> None:
        g.add((occupation(soc_code(row)), SG.reportedTitle, en(row.required("Reported Job Title"))))

    def related(row: Row) -> None:
        g.add((occupation(soc_code(row)), SG.relatedOccupation, occupation(soc_code(row, "Related O*NET-SOC Code"))))

    _optional_table(st, "Alternate Titles", "alternate titles", alternate)
    _optional_table(st, "Sample of Reported Titles", "reported titles", reported)
    _optional_table(st, "Related Occupations", "related-occupation links", related)


def _optional_table(st: State, table: str, counted: str, add_row: Callable[[Row], None]) -> None:
    """Map each row of a table the release may lack; a missing one is reported as skipped."""
    if not st.rel.has(table):
        st.report.tables_skipped.append(table)
        return
    n = 0
    for row in st.rel.rows(table):
        add_row(row)
        n += 1
    st.report.tables_read.append(table)
    st.report.count(counted, n)
