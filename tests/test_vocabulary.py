"""The vocabulary files: they parse, every term is documented, schemes are complete and ordered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from lemap_graph.namespaces import LM, LMID, PREFIXES
from lemap_graph.validation import ontology_graph

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
TURTLE_FILES = sorted([*ONTOLOGY.rglob("*.ttl"), *(ROOT / "data" / "triples").glob("*.ttl")])
SCHEME_FILES = sorted((ONTOLOGY / "schemes").glob("*.ttl"))
LM_NS = str(LM._NS)
ONTOLOGY_IRI = URIRef(LM_NS)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return ontology_graph()


def lm_terms(graph: Graph) -> set[str]:
    """Local names of the lm: terms the graph describes."""
    return {str(s)[len(LM_NS):] for s in graph.subjects() if str(s).startswith(LM_NS) and s != ONTOLOGY_IRI}


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_turtle_file_parses(path: Path):
    assert len(Graph().parse(path, format="turtle")) > 0


@pytest.mark.parametrize("path", [*ONTOLOGY.rglob("*.ttl")], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_turtle_layout(path: Path):
    text = path.read_text(encoding="utf-8")
    assert "\t" not in text, "spaces, never tabs"
    indents = {len(m.group(1)) for m in re.finditer(r"^( +)\S", text, re.M)}
    assert all(i % 4 == 0 for i in indents), "4-space indents"


def test_ontology_header(ontology: Graph):
    header = {p: o for p, o in ontology.predicate_objects(ONTOLOGY_IRI)}
    names = {str(p).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for p in header}
    assert {"title", "description", "license", "versionInfo", "versionIRI",
            "preferredNamespacePrefix", "preferredNamespaceUri"} <= names
    assert URIRef("https://creativecommons.org/licenses/by/4.0/") in header.values()


def test_every_lm_term_is_documented(ontology: Graph):
    terms = lm_terms(ontology)
    assert terms
    for name in sorted(terms):
        term = URIRef(LM_NS + name)
        labels = [o for o in ontology.objects(term, RDFS.label) if isinstance(o, Literal) and o.language == "en"]
        definitions = [o for o in ontology.objects(term, SKOS.definition) if isinstance(o, Literal) and o.language == "en"]
        assert len(labels) == 1, f"lm:{name} needs one rdfs:label@en"
        assert len(definitions) == 1, f"lm:{name} needs one skos:definition@en"
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology, f"lm:{name} needs rdfs:isDefinedBy"


def test_modelling_guide_terms_exist(ontology: Graph):
    """Curators follow docs/modelling.md: every lm: term it names must be in the ontology."""
    guide = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\blm:([A-Za-z][A-Za-z0-9]*)", guide))
    assert named - lm_terms(ontology) == set()


def test_namespace_members_equal_ontology_terms(ontology: Graph):
    assert set(LM.__annotations__) == lm_terms(ontology)


def test_namespace_rejects_typos():
    with pytest.raises(AttributeError):
        LM.Activty  # noqa: B018


def test_prefixes_cover_the_modelling_guide():
    guide = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    declared = dict(re.findall(r"@prefix (\w+):\s+<([^>]+)>", guide))
    declared.update(re.findall(r"\| `(\w+):` \| `([^`]+)` \|", guide))
    assert declared and all(PREFIXES.get(p) == iri for p, iri in declared.items()), declared


@pytest.mark.parametrize("path", SCHEME_FILES, ids=lambda p: p.name)
def test_scheme_concepts(path: Path):
    graph = Graph().parse(path)
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 1
    (scheme,) = schemes
    assert scheme == LMID[f"scheme/{path.stem}"]
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert concepts
    for concept in concepts:
        labels = [o for o in graph.objects(concept, SKOS.prefLabel) if o.language == "en"]
        assert len(labels) == 1, concept
        assert any(o.language == "en" for o in graph.objects(concept, SKOS.definition)), concept
        assert (concept, SKOS.inScheme, scheme) in graph, concept
        top = (concept, SKOS.topConceptOf, scheme) in graph
        assert top or graph.value(concept, SKOS.broader) in concepts, concept
        assert top == ((scheme, SKOS.hasTopConcept, concept) in graph), concept


def test_scheme_members_of_the_modelling_guide(ontology: Graph):
    """Every concept IRI the guide names (prefix:slug of a scheme prefix) is defined."""
    guide = (ROOT / "docs" / "modelling.md").read_text(encoding="utf-8")
    kinds = {"stage", "status", "akind", "dkind", "okind", "kp", "topic", "region", "qual"}
    used = {URIRef(PREFIXES[p] + s) for p, s in re.findall(r"\b(\w+):([a-z0-9][a-z0-9-]*[a-z0-9])\b", guide) if p in kinds}
    concepts = set(ontology.subjects(RDF.type, SKOS.Concept))
    assert used and used - concepts == set()


def test_adoption_stage_notations_order_the_stages(ontology: Graph):
    scheme = LMID["scheme/adoption-stages"]
    notations = {c: ontology.value(c, SKOS.notation) for c in ontology.subjects(SKOS.inScheme, scheme)}
    assert all(n is not None and n.datatype == XSD.integer for n in notations.values())
    assert sorted(int(n) for n in notations.values()) == [1, 2, 3, 4, 5]
    by_notation = {int(n): str(c).rsplit("/", 1)[-1] for c, n in notations.items()}
    assert [by_notation[i] for i in range(1, 6)] == ["introduced", "translated", "adapted", "adopted", "curriculum"]


def test_central_asia_is_narrower_than_eeca(ontology: Graph):
    assert (LMID["region/central-asia"], SKOS.broader, LMID["region/eeca"]) in ontology
    assert (LMID["key-population/pwid"], SKOS.broader, LMID["key-population/pwud"]) in ontology
