"""`skillgraph validate` as a CI gate: read the inputs, validate, say which file every result came
from, and write the results as text, JSON, JUnit XML, Turtle (the SHACL report) or GitHub workflow
annotations.

Files given together are one data graph (a dataset split over files, or a build's exports with its
entailments, only makes sense whole); each result names the input files that state its focus node.
`each=True` validates every file on its own instead.
"""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from skillgraph.errors import SourceError
from skillgraph.validation import SH, ValidationResult, Violation, _term, load_shapes, validate

FORMATS = ("text", "json", "junit", "turtle", "github")
STDIN = "-"
EXIT_CODES = (
    "exit codes: 0 conforms, 1 violations (or an empty input with --fail-on-empty), 2 usage error or unreadable input"
)


TEXT_SYNTAXES = ("turtle", "ttl", "n3", "nt", "ntriples", "nt11", "trig", "nquads")


@dataclass
class Input:
    """One input of `skillgraph validate`: its name, parsed graph and where to find its lines."""
    name: str
    graph: Graph
    text: str | None = None  # the document, in a line-based syntax, to point at a focus node's line
    path: Path | None = None  # ... or where to read it from, only when a result needs a line
    _subject_lines: dict[str, int] | None = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        """Whether the input holds no triples (nothing to validate)."""
        return len(self.graph) == 0

    def line_of(self, node) -> int | None:
        """The first line that opens with the node as subject (its full IRI or a prefixed name), if any."""
        if not isinstance(node, URIRef) or (self.text is None and self.path is None):
            return None
        if self._subject_lines is None:
            if self.text is None and self.path is not None:
                self.text = self.path.read_text(encoding="utf-8", errors="replace")
            self._subject_lines = {}
            for n, line in enumerate((self.text or "").splitlines(), 1):
                words = line.split(None, 1)
                if words and not words[0].startswith(("#", "@", "PREFIX", "prefix")):
                    self._subject_lines.setdefault(words[0], n)
        spellings = [f"<{node}>"] + [f"{prefix}:{node[len(ns):]}" for prefix, ns in self.graph.namespaces()
                                      if prefix and node.startswith(ns)]
        found = [self._subject_lines[s] for s in spellings if s in self._subject_lines]
        return min(found) if found else None


@dataclass
class Finding:
    """One SHACL result and the input file(s) it came from (the first is where it is reported)."""

    files: list[str]
    violation: Violation
    line: int | None = None  # where the focus node is stated in the first file, when that can be told

    def as_dict(self) -> dict:
        """The finding as JSON-ready data for the json report format."""
        v = self.violation
        return {"file": self.files[0], "line": self.line, "files": self.files, "focus": v.focus, "path": v.path,
                "shape": v.shape, "constraint": v.constraint, "severity": v.severity, "message": v.message,
                "value": v.value}

    def where(self) -> str:
        """file:line of the finding, for messages users can jump to."""
        return self.files[0] + (f":{self.line}" if self.line else "")


@dataclass
class Outcome:
    """Everything `skillgraph validate` found, ready to render in any format."""
    inputs: list[Input]
    findings: list[Finding] = field(default_factory=list)
    reports: list[tuple[list[str], Graph]] = field(default_factory=list)
    shapes: str = "all shapes"

    @property
    def conforms(self) -> bool:
        """Whether there were no findings at all."""
        return not self.findings

    def empty_inputs(self) -> list[str]:
        """The names of inputs that held no triples, which --fail-on-empty turns into failure."""
        return [i.name for i in self.inputs if i.empty]

    def by_file(self) -> dict[str, list[Finding]]:
        """The findings grouped by input file, for per-file report formats."""
        out: dict[str, list[Finding]] = {i.name: [] for i in self.inputs}
        for f in self.findings:
            out.setdefault(f.files[0], []).append(f)
        return out


def read_input(name: str, input_format: str | None = None) -> Input:
    """Parse one file (or stdin for "-") into a graph; a dataset's quads are merged into one graph."""
    from rdflib import Dataset
    from rdflib.util import guess_format

    source = "<stdin>" if name == STDIN else name
    fmt = input_format or (None if name == STDIN else guess_format(name)) or "turtle"
    try:
        data = sys.stdin.buffer.read() if name == STDIN else Path(name).read_bytes()
    except FileNotFoundError:
        raise SourceError(source, "file not found") from None
    except OSError as e:
        raise SourceError(source, f"cannot be read: {e.strerror or e}") from None
    try:
        if fmt in ("trig", "nquads"):
            ds = Dataset()
            ds.parse(data=data, format=fmt)
            g = Graph()
            for s, p, o, _c in ds.quads((None, None, None, None)):
                g.add((s, p, o))
        else:
            g = Graph().parse(data=data, format=fmt)
    except Exception as e:  # rdflib parsers raise many types; report the parser's words
        raise SourceError(source, f"not parseable as {fmt}: {e}") from None
    if fmt not in TEXT_SYNTAXES:
        return Input(source, g)
    if name == STDIN:
        return Input(source, g, text=data.decode("utf-8", errors="replace"))
    return Input(source, g, path=Path(name))


def _owners(inputs: list[Input], report: Graph) -> dict[str, tuple[list[str], int | None]]:
    """Rendered focus node -> the inputs that state it as subject (else that mention it at all), and
    the line of the first one that states it."""
    out: dict[str, tuple[list[str], int | None]] = {}
    for r in report.subjects(RDF.type, SH.ValidationResult):
        node = report.value(r, SH.focusNode)
        key = _term(report, node) or "?"
        if key in out:
            continue
        owners = [i for i in inputs if (node, None, None) in i.graph]
        owners = owners or [i for i in inputs if (None, None, node) in i.graph or (None, node, None) in i.graph]
        owners = owners or inputs[:1]
        out[key] = ([i.name for i in owners], owners[0].line_of(node))
    return out


def run(inputs: list[Input], shape_ids: list[str] | None, ontology: Graph, each: bool = False) -> Outcome:
    """Validate the inputs (together or each on its own) and collect the findings."""
    shapes = load_shapes(shape_ids)
    outcome = Outcome(inputs, shapes="all shapes" if shape_ids is None else "shapes " + ", ".join(shape_ids))
    groups = [[i] for i in inputs] if each else [inputs]
    for group in groups:
        data = group[0].graph if len(group) == 1 else _union(group)
        res = validate(data, shapes, ontology, label=", ".join(i.name for i in group))
        add_result(outcome, res, group)
    return outcome


def _union(inputs: list[Input]) -> Graph:
    g = Graph()
    for i in inputs:
        g += i.graph
    return g


def add_result(outcome: Outcome, res: ValidationResult, inputs: list[Input]) -> None:
    """Turn a validation result into findings, each attributed to the input that holds its focus node."""
    owners = _owners(inputs, res.report) if res.report is not None else {}
    for v in res.violations:
        files, line = owners.get(v.focus, ([inputs[0].name], None))
        outcome.findings.append(Finding(files, v, line))
    if res.report is not None:
        outcome.reports.append(([i.name for i in inputs], res.report))


# --- writers -------------------------------------------------------------------------------------


def as_text(o: Outcome, limit: int = 200, fail_on_empty: bool = False) -> str:
    """The outcome as readable text for the terminal."""
    n = len(o.findings)
    head = (f"validated {len(o.inputs)} input(s) against {o.shapes}: "
            + ("conforms" if o.conforms else f"{n} violation(s)"))
    lines = [head]
    for name, found in o.by_file().items():
        inp = next((i for i in o.inputs if i.name == name), None)
        if inp is not None and inp.empty:
            lines.append(f"{name}: holds no triples: nothing was validated"
                         + (" (an error with --fail-on-empty)" if fail_on_empty else ""))
            continue
        lines.append(f"{name}: " + ("conforms" if not found else f"{len(found)} violation(s)"))
        for f in found[:limit]:
            lines.append("  " + (f"line {f.line}: " if f.line else "") + f.violation.render())
        if len(found) > limit:
            lines.append(f"  ... and {len(found) - limit} more (see --report or --format json)")
    return "\n".join(lines)


def as_json(o: Outcome, fail_on_empty: bool = False) -> str:
    """The outcome as JSON for scripts."""
    per_file = o.by_file()
    doc = {"conforms": o.conforms and not (fail_on_empty and o.empty_inputs()), "shapes": o.shapes,
           "violations": len(o.findings),
           "inputs": [{"file": i.name, "triples": len(i.graph), "empty": i.empty,
                       "violations": len(per_file.get(i.name, []))} for i in o.inputs],
           "results": [f.as_dict() for f in o.findings]}
    return json.dumps(doc, indent=2, ensure_ascii=False)


def as_junit(o: Outcome, fail_on_empty: bool = False) -> str:
    """One test suite per input; one failing test case per result, one passing case for a clean file."""
    per_file = o.by_file()
    suites = ET.Element("testsuites", name="skillgraph validate", tests="0", failures="0")
    total_tests = total_failures = 0
    for name, found in per_file.items():
        inp = next((i for i in o.inputs if i.name == name), None)
        suite = ET.SubElement(suites, "testsuite", name=name)
        tests = failures = 0
        if inp is not None and inp.empty:
            case = ET.SubElement(suite, "testcase", classname=name, name="holds triples")
            tests += 1
            if fail_on_empty:
                ET.SubElement(case, "failure", message="holds no triples", type="empty input")
                failures += 1
            else:
                ET.SubElement(case, "skipped", message="holds no triples: nothing was validated")
        elif not found:
            ET.SubElement(suite, "testcase", classname=name, name=f"conforms to {o.shapes}")
            tests += 1
        for f in found:
            v = f.violation
            case = ET.SubElement(suite, "testcase", classname=name,
                                 name=f"{v.shape} {v.focus}" + (f" {v.path}" if v.path else ""))
            fail = ET.SubElement(case, "failure", message=v.message, type=f"sh:{v.severity}")
            fail.text = f"{f.where()}: {v.render()}" + (
                "\nstated in: " + ", ".join(f.files) if len(f.files) > 1 else ""
            )
            tests += 1
            failures += 1
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        total_tests += tests
        total_failures += failures
    suites.set("tests", str(total_tests))
    suites.set("failures", str(total_failures))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


def _gh(text: str, prop: bool = False) -> str:
    """Escape for a GitHub workflow command (data, or a property value when prop)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def as_github(o: Outcome, fail_on_empty: bool = False) -> str:
    """The outcome as GitHub workflow annotations, so findings show on the changed lines."""
    lines = []
    for f in o.findings:
        v = f.violation
        level = "warning" if v.severity in ("Warning", "Info") else "error"
        detail = f"focus {v.focus}" + (f" path {v.path}" if v.path else "") + (f" value {v.value}" if v.value else "")
        line = f",line={f.line}" if f.line else ""
        lines.append(
            f"::{level} file={_gh(f.files[0], True)}{line},title={_gh(v.shape, True)}::{_gh(detail + ': ' + v.message)}"
        )
    for name in o.empty_inputs():
        level = "error" if fail_on_empty else "warning"
        lines.append(
            f"::{level} file={_gh(name, True)},title=empty input::"
            f"{_gh(name + ' holds no triples: nothing was validated')}"
        )
    lines.append(
        f"skillgraph validate: {len(o.inputs)} input(s), "
        + ("conforms" if o.conforms else f"{len(o.findings)} violation(s)")
    )
    return "\n".join(lines)


def as_turtle(o: Outcome) -> str:
    """One SHACL validation report holding every result, each with dcterms:source naming its file(s)."""
    g = Graph()
    g.bind("sh", SH)
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(o.conforms)))
    for names, rep in o.reports:
        for prefix, ns in rep.namespaces():
            g.bind(prefix, ns, override=False)
        owners = _owners([i for i in o.inputs if i.name in names], rep)
        for r in rep.subjects(RDF.type, SH.ValidationResult):
            g.add((report, SH.result, r))
            for f in owners.get(_term(rep, rep.value(r, SH.focusNode)) or "?", (names[:1], None))[0]:
                g.add((r, DCTERMS.source, Literal(f)))
        for s, p, obj in rep:
            if (s, RDF.type, SH.ValidationReport) in rep:
                continue
            g.add((s, p, obj))
    return g.serialize(format="turtle")


def render(o: Outcome, fmt: str, limit: int = 200, fail_on_empty: bool = False) -> str:
    """The outcome in a named format; an unknown format is an error listing the valid ones."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    if fmt == "text":
        return as_text(o, limit, fail_on_empty)
    if fmt == "json":
        return as_json(o, fail_on_empty)
    if fmt == "junit":
        return as_junit(o, fail_on_empty)
    if fmt == "github":
        return as_github(o, fail_on_empty)
    return as_turtle(o)


def exit_code(o: Outcome, fail_on_empty: bool = False) -> int:
    """The process exit code: 1 when validation failed (or an input was empty under --fail-on-empty)."""
    return 1 if (not o.conforms or (fail_on_empty and o.empty_inputs())) else 0
