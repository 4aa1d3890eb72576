"""Each SHACL shape against its case files: the exact (focus node, source shape) pairs it reports.

A case is ``tests/shapes/<NodeShape>/<case>.ttl``. Its first lines may be
``# expect: <focus node> <source shape>`` (CURIEs or full IRIs), one per expected result; a case
without them must conform. ``tests/shapes/common.ttl`` is merged into every case so cases can
point at a valid report, section, excerpt, places, organisations and document.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from lemap_graph.namespaces import LMS, PREFIXES
from lemap_graph.validation import shapes_graph, validate_graph

SHAPES_DIR = Path(__file__).resolve().parent / "shapes"
COMMON = SHAPES_DIR / "common.ttl"
CASES = sorted(SHAPES_DIR.glob("*/*.ttl"))


def _expand(token: str, graph: Graph) -> str:
    """A CURIE (by the case file's prefixes, then lemap's) or a full IRI, as an IRI string."""
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, _, local = token.partition(":")
    namespaces = {**PREFIXES, **{p: str(n) for p, n in graph.namespaces()}}
    if prefix in namespaces and not local.startswith("//"):
        return namespaces[prefix] + local
    return token


def expected_pairs(case: Path, graph: Graph) -> set[tuple[str, str]]:
    """The (focus node, source shape) pairs announced in the case's leading comment lines."""
    pairs = set()
    for line in case.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("# expect:"):
            focus, shape = line.removeprefix("# expect:").split()
            pairs.add((_expand(focus, graph), _expand(shape, graph)))
    return pairs


def node_shape_names() -> list[str]:
    """Local names of the named node shapes of ontology/lemap-shapes.ttl."""
    shapes = shapes_graph()
    return sorted(str(s).removeprefix(str(LMS)) for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef))


def test_common_fixture_conforms():
    report = validate_graph(Graph().parse(COMMON))
    assert report.results == ()


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shape_case(case: Path):
    graph = Graph().parse(case)
    data = Graph().parse(COMMON)
    data += graph
    found = {(r.focus_node, r.source_shape) for r in validate_graph(data).results}
    assert found == expected_pairs(case, graph)


@pytest.mark.parametrize("shape", node_shape_names())
def test_every_node_shape_has_valid_and_invalid_cases(shape: str):
    cases = list((SHAPES_DIR / shape).glob("*.ttl"))
    invalid = [c for c in cases if "# expect:" in c.read_text(encoding="utf-8")]
    assert invalid, f"tests/shapes/{shape}/ needs a case with '# expect:' lines"
    assert len(invalid) < len(cases), f"tests/shapes/{shape}/ needs a valid case (no '# expect:' line)"


def test_case_folders_name_node_shapes():
    folders = {p.name for p in SHAPES_DIR.iterdir() if p.is_dir()}
    assert folders <= set(node_shape_names())


def test_every_shape_has_an_english_message():
    shapes = shapes_graph()
    named = {s for kind in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, kind)}
    for shape in named:
        assert isinstance(shape, URIRef), "property shapes are named nodes so results name them"
        assert any(m.language == "en" for m in shapes.objects(shape, SH.message)), shape


def test_property_shapes_are_named_after_their_node_shape():
    shapes = shapes_graph()
    for shape in shapes.subjects(RDF.type, SH.PropertyShape):
        node, _, prop = str(shape).removeprefix(str(LMS)).partition("-")
        assert prop and URIRef(LMS + node) in set(shapes.subjects(RDF.type, SH.NodeShape)), shape
