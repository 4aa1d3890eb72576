"""Linked data: every kind of lemap IRI resolves, by content negotiation, to HTML for people and to RDF whose
triples are exactly the store's; 404, 406, HEAD, Vary and Link behave; pages carry safe schema.org JSON-LD."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from browser import app_over

from lemap_graph.formats import to_rdflib
from lemap_graph.store import GRAPH_BASE, parse_turtle

ID = "https://w3id.org/lemap/id/"
LM = "https://w3id.org/lemap/ontology#"

#: One entity of each kind the brief names, by kind (paths under /id/).
SAMPLES = {
    "country": "country/AFG",
    "place": "place/kyiv",
    "organisation": "organisation/unodc",
    "document": "document/training-manual",
    "activity": "activity/mar-2018-tangier-training",
    "adoption": "adoption/afg-translated",
    "excerpt": "excerpt/afg-dari-translation",
    "concept": "adoption-stage/translated",
    "section": "section/mena",
    "scheme": "scheme/adoption-stages",
    "report": "report/unodc-le-hiv-mapping-2013-2021",
}
#: format name -> (media type, rdflib parser name)
RDF = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}


def store_description(store: ox.Store, iri: str) -> rdflib.Graph:
    """What an entity IRI must dereference to, read straight from the store: every triple with the IRI as
    subject or object, plus the blank nodes it holds (two levels)."""
    node = ox.NamedNode(iri)
    triples = {q.triple for q in store.quads_for_pattern(node, None, None)}
    triples |= {q.triple for q in store.quads_for_pattern(None, None, node)}
    frontier = [t.object for t in triples if isinstance(t.object, ox.BlankNode) and t.subject == node]
    for _ in range(2):
        found = {q.triple for b in frontier for q in store.quads_for_pattern(b, None, None)}
        triples |= found
        frontier = [t.object for t in found if isinstance(t.object, ox.BlankNode)]
    graph = rdflib.Graph()
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def parsed(body: bytes, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=RDF[fmt][1])


def graph_of(store: ox.Store, graph: str) -> rdflib.Graph:
    g = rdflib.Graph()
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g


class _Scripts(HTMLParser):
    """Collects the text of every <script type="application/ld+json"> element."""

    def __init__(self):
        super().__init__()
        self.blocks, self._in = [], False

    def handle_starttag(self, tag, attrs):
        self._in = tag == "script" and dict(attrs).get("type") == "application/ld+json"
        if self._in:
            self.blocks.append("")

    def handle_endtag(self, tag):
        self._in = False

    def handle_data(self, data):
        if self._in:
            self.blocks[-1] += data


def jsonld_blocks(html: str) -> list:
    parser = _Scripts()
    parser.feed(html)
    return [json.loads(b) for b in parser.blocks]


# ------------------------------------------------------------------- the content-negotiation matrix


@pytest.mark.parametrize("fmt", list(RDF))
@pytest.mark.parametrize("kind", list(SAMPLES))
@pytest.mark.parametrize("how", ["accept", "suffix", "query"])
def test_every_kind_of_entity_dereferences_to_the_stores_triples(curated_client, curated_store, kind, fmt, how):
    path = "/id/" + SAMPLES[kind]
    if how == "accept":
        r = curated_client.get(path, headers={"Accept": RDF[fmt][0]})
    elif how == "suffix":
        r = curated_client.get(f"{path}.{fmt}")
    else:
        r = curated_client.get(f"{path}?format={fmt}", headers={"Accept": "text/html"})
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert r.mimetype == RDF[fmt][0]
    got = parsed(r.data, fmt)
    expected = store_description(curated_store, ID + SAMPLES[kind])
    assert len(expected) > 0
    assert isomorphic(got, expected), f"{kind} as {fmt}: {len(got)} triples served, {len(expected)} in the store"


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_every_kind_of_entity_has_a_page(curated_client, curated_store, kind):
    r = curated_client.get("/id/" + SAMPLES[kind], headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    label = next(curated_store.quads_for_pattern(ox.NamedNode(ID + SAMPLES[kind]), ox.NamedNode(
        "http://www.w3.org/2004/02/skos/core#prefLabel"), None), None)
    if label is not None:
        assert _escaped(label.object.value) in html
    assert ID + SAMPLES[kind] in html
    (schema,) = jsonld_blocks(html)
    assert schema["@context"] == "https://schema.org" and schema["@id"] == ID + SAMPLES[kind] and schema["@type"]


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")


def test_the_page_names_every_property_with_the_vocabularys_label(curated_client, curated_store):
    path = SAMPLES["activity"]
    html = curated_client.get("/id/" + path).get_data(as_text=True)
    preds = {q.predicate.value for q in curated_store.quads_for_pattern(ox.NamedNode(ID + path), None, None)}
    for pred in preds:
        label = next(curated_store.quads_for_pattern(ox.NamedNode(pred), ox.NamedNode(
            "http://www.w3.org/2000/01/rdf-schema#label"), None), None)
        if label is not None:
            assert f">{_escaped(label.object.value)}</a>" in html, pred
    assert ">participant count</a>" in html and ">used document</a>" in html


def test_the_page_shows_the_evidence_with_its_section(curated_client, curated_store):
    html = curated_client.get("/id/" + SAMPLES["adoption"]).get_data(as_text=True)
    text = next(curated_store.quads_for_pattern(ox.NamedNode(ID + SAMPLES["excerpt"]), ox.NamedNode(
        "http://www.w3.org/ns/prov#value"), None)).object.value
    assert "Evidence from the report" in html or "The sentence of the report" in html
    assert _escaped(text) in html
    assert "MENA - Middle East and Northern Africa" in html  # the section's title


def test_incoming_links_are_grouped_by_property_with_counts(curated_client, curated_store):
    html = curated_client.get("/id/country/AFG").get_data(as_text=True)
    afg = ox.NamedNode(ID + "country/AFG")
    count = len({q.subject for q in curated_store.quads_for_pattern(None, ox.NamedNode(LM + "country"), afg)})
    assert count > 0
    assert re.search(rf'<strong>country</strong> <code class="ld-curie">lm:country</code> — {count}</summary>', html)


def test_a_concept_scheme_lists_its_concepts_with_notation_definition_and_hierarchy(curated_client):
    html = curated_client.get("/id/scheme/adoption-stages").get_data(as_text=True)
    order = [html.index(f'href="/id/adoption-stage/{s}"') for s in ("introduced", "translated", "adapted", "adopted", "curriculum")]
    assert order == sorted(order)
    assert '<span class="ld-notation">2</span>' in html
    assert "The Manual was translated into a national language." in html
    regions = curated_client.get("/id/scheme/regions").get_data(as_text=True)
    eeca = regions.index('href="/id/region/eeca"')
    nested = regions.index('href="/id/region/central-asia"')
    assert eeca < nested and "ld-concepts" in regions[eeca:nested]


def test_indexes_list_kinds_members_and_schemes(curated_client, curated_store):
    assert 'href="/id/country/"' in curated_client.get("/id/").get_data(as_text=True)
    countries = curated_client.get("/id/country/").get_data(as_text=True)
    assert 'href="/id/country/AFG">Afghanistan</a>' in countries
    schemes = curated_client.get("/id/scheme/").get_data(as_text=True)
    n = len({q.subject for q in curated_store.quads_for_pattern(None, ox.NamedNode(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#ConceptScheme"))})
    assert schemes.count('href="/id/scheme/') - schemes.count('href="/id/scheme/index.') == n
    assert curated_client.get("/id/no-such-kind/").status_code == 404


# ------------------------------------------------------------------------- negotiation details


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("text/turtle;q=0.5, application/rdf+xml", "application/rdf+xml"),
        ("application/json", "application/ld+json"),
        ("application/n-triples, */*;q=0.1", "application/n-triples"),
        ("text/*", "text/html"),
    ],
)
def test_accept_picks_the_best_format(curated_client, accept, media_type):
    r = curated_client.get("/id/country/AFG", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and r.mimetype == media_type


def test_responses_vary_on_accept_and_link_their_alternates(curated_client):
    r = curated_client.get("/id/country/AFG", headers={"Accept": "text/turtle"})
    assert r.headers["Vary"] == "Accept"
    assert r.headers["Content-Location"] == "/id/country/AFG.ttl"
    links = r.headers["Link"]
    for ext, (media_type, _) in RDF.items():
        assert f'</id/country/AFG.{ext}>; rel="alternate"; type="{media_type}"' in links.replace("http://localhost", "")
    assert f'<{ID}country/AFG>; rel="canonical"' in links
    html = curated_client.get("/id/country/AFG")
    assert html.headers["Vary"] == "Accept" and 'rel="alternate"' in html.headers["Link"]
    assert '<link rel="alternate" type="text/turtle" href="/id/country/AFG.ttl">' in html.get_data(as_text=True)


def test_an_unsupported_type_is_406(curated_client):
    for r in (curated_client.get("/id/country/AFG", headers={"Accept": "image/png"}),
              curated_client.get("/id/country/AFG?format=xlsx"),
              curated_client.get("/ontology", headers={"Accept": "application/sparql-results+json"})):
        assert r.status_code == 406
        assert "text/turtle" in r.get_data(as_text=True) and r.headers["Vary"] == "Accept"


@pytest.mark.parametrize("fmt", list(RDF))
def test_an_unknown_iri_is_404_in_rdf(curated_client, fmt):
    r = curated_client.get("/id/country/XXX", headers={"Accept": RDF[fmt][0]})
    assert r.status_code == 404 and r.mimetype == RDF[fmt][0]
    assert len(parsed(r.data, fmt)) == 0
    assert curated_client.get(f"/id/country/XXX.{fmt}").status_code == 404


def test_an_unknown_iri_is_404_in_html(curated_client):
    for path in ("/id/country/XXX", "/id/activity/<b>x</b>", "/id/a b"):
        r = curated_client.get(path)
        assert r.status_code == 404 and r.mimetype == "text/html"
        html = r.get_data(as_text=True)
        assert "is not in lemap" in html and "<b>x</b>" not in html
        assert jsonld_blocks(html)[0]["@type"] == "Dataset"


def test_head_answers_like_get_without_a_body(curated_client):
    get = curated_client.get("/id/country/AFG", headers={"Accept": "text/turtle"})
    head = curated_client.head("/id/country/AFG", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.data == b""
    for name in ("Content-Type", "Vary", "Link", "Content-Location"):
        assert head.headers[name] == get.headers[name]
    assert int(head.headers["Content-Length"]) == len(get.data)
    assert curated_client.head("/id/country/XXX").status_code == 404
    assert curated_client.head("/dump/lemap.ttl").status_code == 200


# ---------------------------------------------------------------------- XSS: data is never markup

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def xss_app():
    """An app over a tiny graph whose labels, texts and IRIs try to inject markup."""
    label = XSS.replace('"', '\\"')
    ttl = f"""
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    @prefix prov: <http://www.w3.org/ns/prov#> .
    @prefix schema: <https://schema.org/> .
    @prefix dcterms: <http://purl.org/dc/terms/> .
    @prefix lm: <https://w3id.org/lemap/ontology#> .
    <{ID}activity/xss> a lm:Activity ; skos:prefLabel "{label}"@en ; skos:altLabel "</script><!--"@en ;
        schema:description "a & b <img src=x onerror=alert(2)>" ; prov:wasDerivedFrom <{ID}excerpt/xss> ;
        schema:url <javascript:alert(3)> .
    <{ID}excerpt/xss> a lm:Excerpt ; prov:value "{label} said" ; dcterms:isPartOf <{ID}section/xss> .
    <{ID}section/xss> dcterms:title "{label}" .
    """
    store = ox.Store()
    store.extend(parse_turtle(ttl.encode(), "xss.ttl", ox.NamedNode(GRAPH_BASE + "data/triples/xss")))
    with app_over(store) as app:
        yield app


def test_a_label_with_markup_renders_escaped(xss_app):
    client = xss_app.test_client()
    for path in ("/id/activity/xss", "/id/excerpt/xss", "/id/section/xss", "/id/activity/"):
        r = client.get(path)
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html and "<!--" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        # the only inline script elements are the JSON-LD blocks (scripts with src= are the app's own files)
        assert html.count("<script") - html.count("<script src=") == len(jsonld_blocks(html)) == 1
    html = client.get("/id/activity/xss").get_data(as_text=True)
    # an HTML parser ends a script element at the first "</script": the JSON-LD decodes whole, so none is inside
    (schema,) = jsonld_blocks(html)
    assert schema["name"] == XSS and "</script><!--" in schema["alternateName"]
    assert "\\u003c/script\\u003e" in html


# -------------------------------------------------------------------------- vocabulary and shapes


def _terms(store: ox.Store) -> list[tuple[str, str]]:
    kinds = {"http://www.w3.org/2002/07/owl#" + k for k in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty")}
    out = []
    for q in store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None,
                                     ox.NamedNode(GRAPH_BASE + "ontology/lemap")):
        if q.object.value in kinds and q.subject.value.startswith(LM) and q.subject.value != LM:
            label = next(store.quads_for_pattern(q.subject, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None))
            out.append((q.subject.value[len(LM):], label.object.value))
    return out


def test_the_ontology_page_documents_every_class_and_property(curated_client, curated_store):
    r = curated_client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    terms = _terms(curated_store)
    assert len(terms) > 30
    for local, label in terms:
        assert f'id="{local}"' in html, f"no anchor for lm:{local}: /ontology#{local} would not land on it"
        assert label in html, label
    (schema,) = jsonld_blocks(html)
    assert {t["@id"] for t in schema["hasDefinedTerm"]} == {LM + local for local, _ in terms}


def test_the_ontology_page_loads_nothing_from_outside(curated_client):
    html = curated_client.get("/ontology").get_data(as_text=True)
    assert not re.search(r"<(?:link|script|img)\b[^>]*(?:href|src)=[\"']?(?:https?:)?//", html, re.I)
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", html, re.I)
    assert "@import" not in html


@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
@pytest.mark.parametrize(("path", "graph"), [("/ontology", "ontology/lemap"), ("/shapes", "ontology/lemap-shapes")])
def test_the_vocabulary_and_shapes_negotiate_to_their_graphs(curated_client, curated_store, path, graph, fmt):
    r = curated_client.get(path, headers={"Accept": RDF[fmt][0]})
    assert r.status_code == 200 and r.mimetype == RDF[fmt][0] and r.headers["Vary"] == "Accept"
    assert isomorphic(parsed(r.data, fmt), graph_of(curated_store, GRAPH_BASE + graph))
    assert isomorphic(parsed(curated_client.get(f"{path}.{fmt}").data, fmt), graph_of(curated_store, GRAPH_BASE + graph))


def test_the_shapes_page_shows_every_shape(curated_client, curated_store):
    html = curated_client.get("/shapes").get_data(as_text=True)
    shapes = graph_of(curated_store, GRAPH_BASE + "ontology/lemap-shapes")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    named = [s for kind in (sh.NodeShape, sh.PropertyShape) for s in shapes.subjects(rdflib.RDF.type, kind)
             if isinstance(s, rdflib.URIRef)]
    assert len(named) > 50
    for shape in named:
        assert f'id="{str(shape).split("#")[1]}"' in html, shape
    for message in shapes.objects(None, sh.message):
        assert _escaped(str(message)) in html
    assert jsonld_blocks(html)[0]["@type"] == "Dataset"


# ----------------------------------------------------------------- context, VoID and DCAT


def test_the_jsonld_context_is_versioned_and_used(curated_client):
    current = curated_client.get("/context.jsonld")
    v1 = curated_client.get("/context/v1.jsonld")
    assert current.status_code == v1.status_code == 200 and current.mimetype == "application/ld+json"
    assert current.json == v1.json and current.json["@context"]["lm"] == LM
    assert current.headers["Access-Control-Allow-Origin"] == "*"
    assert curated_client.get("/context/v9.jsonld").status_code == 404
    doc = curated_client.get("/id/activity/mar-2018-tangier-training.jsonld").json
    assert doc["@context"] == v1.json["@context"]
    (node,) = [n for n in doc["@graph"] if n["@id"] == "act:mar-2018-tangier-training"]  # compact IRIs
    assert "skos:prefLabel" in node and "lm:activityKind" in node  # compact keys, not expanded IRIs


VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
CC_BY = rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
REPORT = rdflib.URIRef(ID + "report/unodc-le-hiv-mapping-2013-2021")


def test_void_counts_the_store_live(curated_client, curated_store):
    r = curated_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = parsed(r.data, "ttl")
    (dataset,) = [s for s in g.subjects(rdflib.RDF.type, VOID.Dataset) if (s, VOID.sparqlEndpoint, None) in g]
    assert int(g.value(dataset, VOID.triples)) == len({q.triple for q in curated_store})
    assert (dataset, DCT.license, CC_BY) in g and (dataset, DCT.source, REPORT) in g
    assert {str(o).rsplit("/", 1)[1] for o in g.objects(dataset, VOID.dataDump)} == {"lemap.nq", "lemap.trig", "lemap.ttl", "lemap.jsonld"}
    activities = next(p for p in g.objects(dataset, VOID.classPartition) if g.value(p, VOID["class"]) == rdflib.URIRef(LM + "Activity"))
    n = len({q.subject for q in curated_store.quads_for_pattern(None, ox.NamedNode(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(LM + "Activity"))})
    assert int(g.value(activities, VOID.entities)) == n
    assert jsonld_blocks(curated_client.get("/.well-known/void").get_data(as_text=True))[0]["@type"] == "Dataset"


def test_the_dcat_catalogue_describes_dataset_distributions_and_service(curated_client):
    g = parsed(curated_client.get("/catalog", headers={"Accept": "text/turtle"}).data, "ttl")
    (catalog,) = g.subjects(rdflib.RDF.type, DCAT.Catalog)
    (dataset,) = g.objects(catalog, DCAT.dataset)
    assert (dataset, DCT.license, CC_BY) in g and (dataset, DCT.source, REPORT) in g
    downloads = 0
    for dist in g.objects(dataset, DCAT.distribution):
        url = g.value(dist, DCAT.downloadURL)
        if url is None:
            assert str(g.value(dist, DCAT.accessURL)).endswith("/sparql")
            continue
        body = curated_client.get("/" + str(url).split("/lemap/", 1)[1]).data
        assert int(g.value(dist, DCAT.byteSize)) == len(body)
        assert str(g.value(dist, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")
        downloads += 1
    assert downloads == 4
    (service,) = g.objects(catalog, DCAT.service)
    assert str(g.value(service, DCAT.endpointURL)) == "https://w3id.org/lemap/sparql"
    assert (service, DCAT.servesDataset, dataset) in g
    assert curated_client.get("/dcat").status_code == 308


# ------------------------------------------------------------------------ schema.org on every page

PAGES = ["/id/", "/id/country/", "/id/scheme/", "/catalog", "/dump/", "/shapes", "/ontology", "/.well-known/void",
         "/id/country/XXX"] + ["/id/" + p for p in SAMPLES.values()]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_carries_schema_org_jsonld(curated_client, path):
    r = curated_client.get(path, headers={"Accept": "text/html"})
    assert r.mimetype == "text/html"
    blocks = jsonld_blocks(r.get_data(as_text=True))
    assert len(blocks) == 1 and blocks[0]["@context"] == "https://schema.org" and blocks[0]["@type"]
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_the_version_iris_resolve_while_that_version_is_loaded(curated_client, curated_store):
    for path, graph in (("/ontology", "ontology/lemap"), ("/shapes", "ontology/lemap-shapes")):
        version = next(curated_store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo"),
                                                       None, ox.NamedNode(GRAPH_BASE + graph))).object.value
        r = curated_client.get(f"{path}/{version}", headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and isomorphic(parsed(r.data, "ttl"), graph_of(curated_store, GRAPH_BASE + graph))
        assert curated_client.get(f"{path}/0.0.0-never", headers={"Accept": "text/turtle"}).status_code == 404


# ---------------------------------------------------------------------------- in a real browser


@pytest.mark.browser
def test_linked_data_pages_ask_nothing_of_other_hosts(live_server_factory, curated_store, page):
    from browser import outside_requests, save_screenshot

    live = live_server_factory(curated_store, {"LEMAP_WORKERS": 1})
    for path in ("/ontology", "/shapes", "/id/activity/mar-2018-tangier-training", "/id/scheme/regions", "/catalog"):
        response = page.goto(live.url + path)
        assert response.status == 200, path
    save_screenshot(page, "linked-data-catalog")
    page.goto(live.url + "/ontology#Activity")
    assert page.evaluate("document.getElementById('Activity') !== null")
    assert outside_requests(page, live) == []
    assert page.console_errors == []


@pytest.mark.parametrize("path", ["/", "/sparql", "/q/", "/q/countries", "/adoption", "/adoption/AFG", "/network"])
def test_pages_outside_linked_data_carry_schema_org_json_ld(curated_client, path):
    """Search engines can index the other blueprints' pages too: a WebPage that is part of the Dataset."""
    response = curated_client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', response.get_data(as_text=True), re.S)
    parsed = [json.loads(b) for b in blocks]
    assert any(p.get("@context") == "https://schema.org" for p in parsed), path
    assert any(p.get("@type") == "WebPage" and p["isPartOf"]["@type"] == "Dataset" for p in parsed), path
