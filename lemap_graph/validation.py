"""SHACL validation of lemap's curated data, reported as frozen dataclasses.

The shapes (``ontology/lemap-shapes.ttl``) are run by pyshacl on the data with the ontology and
concept schemes mixed in, because the shapes' class and scheme checks rely on them.

>>> report = validate_files(curated_files())
>>> isinstance(report.conforms, bool), isinstance(report.results, tuple)
(True, True)
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.plugins.parsers.notation3 import BadSyntax

__all__ = [
    "RDFParseError",
    "ValidationReport",
    "ValidationResult",
    "check_graph",
    "curated_files",
    "ontology_graph",
    "shapes_graph",
    "validate_files",
    "validate_graph",
]

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_TTL = ONTOLOGY_DIR / "lemap-shapes.ttl"
ONTOLOGY_TTL = ONTOLOGY_DIR / "lemap.ttl"

_LINE_IN_MESSAGE = re.compile(r"line (\d+)")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result: which node broke which shape, where, and in which file."""

    focus_node: str
    source_shape: str
    path: str | None
    value: str | None
    message: str
    severity: str
    file: str | None

    def sort_key(self) -> tuple[str, str, str, str, str]:
        """The key results are ordered by: file, focus node, path, source shape, value."""
        return (self.file or "", self.focus_node, self.path or "", self.source_shape, self.value or "")


@dataclass(frozen=True)
class ValidationReport:
    """Whether the data conforms, with every result in a stable order."""

    conforms: bool
    results: tuple[ValidationResult, ...]

    def by_focus_node(self) -> dict[str, tuple[ValidationResult, ...]]:
        """The results grouped by focus node, in report order.

        >>> r = ValidationResult("n", "s", None, None, "m", "Violation", None)
        >>> ValidationReport(False, (r,)).by_focus_node()["n"][0].message
        'm'
        """
        grouped: dict[str, list[ValidationResult]] = defaultdict(list)
        for result in self.results:
            grouped[result.focus_node].append(result)
        return {node: tuple(results) for node, results in grouped.items()}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_json` reads it back.

        >>> r = ValidationResult("n", "s", "p", "v", "m", "Violation", "f.ttl")
        >>> report = ValidationReport(False, (r,))
        >>> ValidationReport.from_json(report.to_json()) == report
        True
        """
        return {"conforms": self.conforms, "results": [asdict(r) for r in self.results]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ValidationReport:
        """The report :meth:`to_json` wrote.

        :param data: a dict as returned by :meth:`to_json` (or parsed from its JSON text).
        """
        results = tuple(ValidationResult(**r) for r in data["results"])
        return cls(conforms=bool(data["conforms"]), results=results)


class RDFParseError(Exception):
    """A Turtle file that does not parse, located as ``file:line:column: message``."""

    def __init__(self, file: str, line: int, column: int, message: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        super().__init__(f"{file}:{line}:{column}: {message}")

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


# --- loading the vocabulary ------------------------------------------------------------------


def _ontology_files() -> list[Path]:
    return [ONTOLOGY_TTL, *sorted((ONTOLOGY_DIR / "schemes").glob("*.ttl"))]


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return _parse(SHAPES_TTL)


@lru_cache(maxsize=1)
def _ontology() -> tuple[Graph, dict[str, str]]:
    graph, files = Graph(), {}
    for path in _ontology_files():
        part = _parse(path)
        files.update(_typed_subjects(part, _display(path)))
        graph += part
    return graph, files


def shapes_graph() -> Graph:
    """A fresh copy of the SHACL shapes graph, ``ontology/lemap-shapes.ttl``.

    :returns: a new :class:`rdflib.Graph` the caller may change.

    >>> from lemap_graph.namespaces import LMS, SH
    >>> (LMS.ActivityShape, RDF.type, SH.NodeShape) in shapes_graph()
    True
    """
    return _copy(_shapes())


def ontology_graph() -> Graph:
    """A fresh copy of the ontology, ``ontology/lemap.ttl``, with every concept scheme.

    :returns: a new :class:`rdflib.Graph` the caller may change.

    >>> from lemap_graph.namespaces import LM, OWL
    >>> (LM.Activity, RDF.type, OWL.Class) in ontology_graph()
    True
    """
    return _copy(_ontology()[0])


def curated_files(root: Path | None = None) -> list[Path]:
    """The curated Turtle files, ``data/triples/*.ttl``, sorted.

    :param root: the repository root; defaults to the one this package lives in.
    :returns: the paths, sorted by name.

    >>> "countries.ttl" in [p.name for p in curated_files()]
    True
    """
    return sorted(((root or ROOT) / "data" / "triples").glob("*.ttl"))


# --- validating ------------------------------------------------------------------------------


def validate_graph(data: Graph, *, files: dict[str, str] | None = None) -> ValidationReport:
    """Validate ``data`` against the lemap shapes, with the ontology and schemes mixed in.

    :param data: the graph to check; it is not changed.
    :param files: maps a focus node's IRI to the file it comes from, reported as
        :attr:`ValidationResult.file`; nodes of the ontology and schemes are mapped already.
    :returns: a :class:`ValidationReport` with results in a stable order.

    >>> from rdflib import Graph
    >>> bad = Graph().parse(format="turtle", data='''
    ...     @prefix lm: <https://w3id.org/lemap/ontology#> .
    ...     <https://w3id.org/lemap/id/activity/x> a lm:Activity .''')
    >>> report = validate_graph(bad, files={"https://w3id.org/lemap/id/activity/x": "x.ttl"})
    >>> report.conforms
    False
    >>> sorted({r.source_shape.split("#")[1] for r in report.results})[:2]
    ['ActivityShape-activityKind', 'ActivityShape-prefLabel']
    >>> report.results[0].file
    'x.ttl'
    """
    ontology, ontology_files = _ontology()
    # Mix the whole ontology in ourselves: pyshacl's ont_graph only copies class and property
    # axioms ("inoculation"), not the scheme's concepts the shapes look up.
    mixed = _copy(data)
    mixed += ontology
    conforms, results_graph, _ = pyshacl.validate(
        mixed,
        shacl_graph=_shapes(),
        inference="none",
        advanced=True,  # for the SPARQL target of lms:CreativeWorkShape
        allow_warnings=True,
        inplace=True,  # ``mixed`` is our own copy
    )
    where = {**ontology_files, **(files or {})}
    # only top-level results: those of nested sh:node checks hang below them as sh:detail
    top = [n for report in results_graph.subjects(RDF.type, SH.ValidationReport) for n in results_graph.objects(report, SH.result)]
    results = [_result(results_graph, node, where) for node in top]
    return ValidationReport(conforms=bool(conforms), results=tuple(sorted(results, key=ValidationResult.sort_key)))


def check_graph(data: Graph, *, files: dict[str, str] | None = None) -> tuple[ValidationResult, ...]:
    """Run the data-quality checks (``sparql/checks/*-violation.rq``) on ``data`` with the ontology mixed in.

    :param data: the graph to check; it is not changed.
    :param files: maps a subject's IRI to the file it comes from, reported as :attr:`ValidationResult.file`.
    :returns: one result per row a check returns, its source the check's file, in a stable order.

    >>> from rdflib import Graph
    >>> bad = Graph().parse(format="turtle", data='''
    ...     @prefix lm: <https://w3id.org/lemap/ontology#> .
    ...     <https://w3id.org/lemap/id/activity/x> a lm:Activity .''')
    >>> sorted({r.source_shape.rsplit("/", 1)[1] for r in check_graph(bad)})
    ['activity-without-evidence-violation.rq', 'status-not-in-scheme-violation.rq', 'unlabelled-entity-violation.rq']
    """
    import pyoxigraph as ox  # only the checks need a SPARQL store

    from lemap_graph.queries import load_checks

    mixed = _copy(data)
    mixed += _ontology()[0]
    store = ox.Store()
    store.load(mixed.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    results = []
    for check in load_checks():
        source = f"lemap_graph/sparql/checks/{check.name}.rq"
        for row in store.query(check.text):
            subject = row["subject"].value
            message = row["message"].value if row["message"] is not None else check.summary
            results.append(ValidationResult(subject, source, None, None, message, "Violation", (files or {}).get(subject)))
    return tuple(sorted(results, key=ValidationResult.sort_key))


def validate_files(paths: list[Path], *, checks: bool | None = None) -> ValidationReport:
    """Parse Turtle files, merge them and validate the whole: the shapes, and the data-quality checks.

    :param paths: the Turtle files, e.g. :func:`curated_files`.
    :param checks: whether to run :func:`check_graph` too; by default only when ``paths`` are the
        curated files, since the checks look at the whole graph (an IRI a file uses but another defines).
    :returns: a :class:`ValidationReport`; each result names the file its focus node was typed in.
    :raises RDFParseError: when a file does not parse, with its line and column.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     bad = Path(tmp) / "bad.ttl"
    ...     _ = bad.write_text("@prefix x: <http://x/> .\\nx:a x:b x:c\\nx:d x:e x:f .\\n")
    ...     try:
    ...         validate_files([bad])
    ...     except RDFParseError as e:
    ...         print(e.line, e.column, e.message)
    3 1 expected '.' or '}' or ']' at end of statement
    """
    merged, files = Graph(), {}
    for path in paths:
        part = _parse(Path(path))
        for subject, file in _typed_subjects(part, _display(Path(path))).items():
            files.setdefault(subject, file)
        merged += part
    report = validate_graph(merged, files=files)
    if checks is None:
        checks = sorted(Path(p).resolve() for p in paths) == [p.resolve() for p in curated_files()]
    if not checks:
        return report
    found = check_graph(merged, files=files)
    results = tuple(sorted((*report.results, *found), key=ValidationResult.sort_key))
    return ValidationReport(conforms=report.conforms and not found, results=results)


# --- helpers ---------------------------------------------------------------------------------


def _parse(path: Path) -> Graph:
    """Parse one Turtle file, turning the parser's error into an :class:`RDFParseError`."""
    text = path.read_text(encoding="utf-8")
    try:
        return Graph().parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as error:
        line, column = _line_column(text, error)
        raise RDFParseError(_display(path), line, column, error._why) from error
    except Exception as error:  # other parser errors name a line at best
        found = _LINE_IN_MESSAGE.search(str(error))
        raise RDFParseError(_display(path), int(found.group(1)) if found else 1, 1, str(error)) from error


def _line_column(text: str, error: BadSyntax) -> tuple[int, int]:
    """1-based line and column of a Turtle syntax error in ``text``."""
    index = getattr(error, "_i", None)
    if isinstance(index, int) and 0 <= index <= len(text):
        line_start = text.rfind("\n", 0, index) + 1
        return text.count("\n", 0, index) + 1, index - line_start + 1
    found = _LINE_IN_MESSAGE.search(str(error))  # "at line N of <...>"
    return (int(found.group(1)) if found else 1), 1


def _display(path: Path) -> str:
    """The path relative to the repository when it lies inside it, else as given."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _typed_subjects(graph: Graph, file: str) -> dict[str, str]:
    return {str(s): file for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace, override=True)
    copy += graph
    return copy


_VALUE_NAMES = Graph()
_VALUE_NAMES.bind("xsd", XSD)


def _term(term: Any) -> str | None:
    if term is None:
        return None
    if isinstance(term, Literal):
        return term.n3(_VALUE_NAMES.namespace_manager)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _path(results: Graph, path: Any) -> str | None:
    """A SHACL path as text: IRIs as they are, complex paths in SPARQL property-path syntax."""
    if path is None or isinstance(path, URIRef):
        return _term(path)
    inverse = results.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_path(results, inverse)}"
    if results.value(path, RDF.first) is not None:
        return "/".join(_path(results, step) or "" for step in Collection(results, path))
    return _term(path)


def _result(results: Graph, node: Any, files: dict[str, str]) -> ValidationResult:
    focus = _term(results.value(node, SH.focusNode)) or ""
    shape = results.value(node, SH.sourceShape)
    messages = sorted(str(m) for m in results.objects(node, SH.resultMessage))
    severity = results.value(node, SH.resultSeverity)
    return ValidationResult(
        focus_node=focus,
        source_shape=_term(shape) or "",
        path=_path(results, results.value(node, SH.resultPath)),
        value=_term(results.value(node, SH.value)),
        message="; ".join(messages),
        severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
        file=files.get(focus),
    )

