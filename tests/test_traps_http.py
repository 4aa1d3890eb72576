"""The traps a client's request fell into, through the test client on the curated graph: lists that
refused RDF with a self-contradicting 406, local graph addresses that answered 404, links that left
the app, a CSV Excel misread — each parsed before it is asserted."""

from __future__ import annotations

import pytest
import rdflib

BASE = "https://w3id.org/lemap/"
RDFS_MEMBER = rdflib.RDFS.member
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def graph_of(response, fmt: str = "turtle") -> rdflib.Graph:
    return rdflib.Graph().parse(data=response.get_data(as_text=True), format=fmt)


# --- 3. entity lists negotiate like entities -------------------------------------------------------


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                         ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_the_list_of_a_kind_is_rdf_when_asked(curated_client, accept, fmt) -> None:
    r = curated_client.get("/id/country/", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    g = graph_of(r, fmt)
    members = set(g.objects(rdflib.URIRef(BASE + "id/country/"), RDFS_MEMBER))
    assert rdflib.URIRef(BASE + "id/country/AFG") in members and len(members) > 10
    assert str(g.value(rdflib.URIRef(BASE + "id/country/AFG"), rdflib.RDFS.label)) == "Afghanistan"
    assert "Accept" in r.headers["Vary"]


def test_format_parameter_and_suffix_work_on_lists(curated_client) -> None:
    for url in ("/id/country/?format=ttl", "/id/country/index.ttl"):
        r = curated_client.get(url)
        assert r.status_code == 200 and r.mimetype == "text/turtle", url
        assert (rdflib.URIRef(BASE + "id/country/"), RDFS_MEMBER, rdflib.URIRef(BASE + "id/country/UKR")) in graph_of(r)
    assert 'rel="alternate"; type="text/turtle"' in curated_client.get("/id/country/").headers["Link"]


def test_the_index_of_kinds_and_of_schemes_are_rdf_when_asked(curated_client) -> None:
    g = graph_of(curated_client.get("/id/", headers={"Accept": "text/turtle"}))
    subsets = set(g.objects(rdflib.URIRef(BASE + "id/"), VOID.subset))
    assert rdflib.URIRef(BASE + "id/country/") in subsets
    assert int(g.value(rdflib.URIRef(BASE + "id/country/"), VOID.entities)) > 10
    g = graph_of(curated_client.get("/id/scheme/?format=ttl"))
    schemes = set(g.objects(rdflib.URIRef(BASE + "id/scheme/"), RDFS_MEMBER))
    assert rdflib.URIRef(BASE + "id/scheme/regions") in schemes
    assert curated_client.get("/id/", headers={"Accept": "text/html"}).mimetype == "text/html"


def test_a_list_still_says_406_only_for_what_it_does_not_offer(curated_client) -> None:
    r = curated_client.get("/id/country/", headers={"Accept": "image/png"})
    assert r.status_code == 406 and "image/png" in r.get_data(as_text=True)
    r = curated_client.get("/id/no-such-kind/", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and r.mimetype == "text/turtle"


# --- 9. IRIs under the base link to the app; local named graphs answer -------------------------------


def local_hrefs(html: str) -> list[str]:
    import re

    return re.findall(r'<a [^>]*href="([^"]+)"', html)


@pytest.mark.parametrize("page", ["/.well-known/void", "/catalog"])
def test_void_and_catalogue_pages_link_lemap_iris_to_the_app(curated_client, page) -> None:
    html = curated_client.get(page, headers={"Accept": "text/html"}).get_data(as_text=True)
    hrefs = local_hrefs(html)
    assert not [h for h in hrefs if h.startswith(BASE)], "no link leaves the app for an IRI under lemap's base"
    assert any(h.startswith("/graph/") for h in hrefs) or any(h.startswith("/catalog") for h in hrefs)


def test_every_local_graph_address_answers(curated_client) -> None:
    html = curated_client.get("/.well-known/void", headers={"Accept": "text/html"}).get_data(as_text=True)
    graphs = sorted({h for h in local_hrefs(html) if h.startswith("/graph/")})
    assert graphs, "the VoID page lists the named graphs"
    for path in graphs:
        assert curated_client.get(path).status_code == 200, path


def test_a_named_graph_is_a_page_and_its_triples(curated_client) -> None:
    iri = BASE + "graph/ontology/lemap"
    page = curated_client.get("/graph/ontology/lemap", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "ontology/lemap.ttl" in page.get_data(as_text=True)
    r = curated_client.get("/graph/ontology/lemap", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = graph_of(r)
    assert (rdflib.URIRef(BASE + "ontology#Activity"), rdflib.RDF.type, rdflib.OWL.Class) in g
    ntriples = curated_client.get("/graph/ontology/lemap.nt")
    assert len(graph_of(ntriples, "nt")) == len(g)
    assert r.headers["Link"].count('rel="alternate"') == 4 and f'<{iri}>; rel="canonical"' in r.headers["Link"]
    missing = curated_client.get("/graph/no/such/graph", headers={"Accept": "text/turtle"})
    assert missing.status_code == 404 and missing.mimetype == "text/turtle"


# --- links only where safe -----------------------------------------------------------------------------


def test_entity_pages_link_only_http_https_and_mailto(web_store) -> None:
    import pyoxigraph as ox

    from browser import app_over

    store = ox.Store()
    store.extend(web_store)
    afg = ox.NamedNode(BASE + "id/country/AFG")
    graph = ox.NamedNode(BASE + "graph/test/unsafe")
    see = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
    for target in ("javascript:alert(1)", "data:text/html,hi", "mailto:info@example.org", "https://example.org/x"):
        store.add(ox.Quad(afg, see, ox.NamedNode(target), graph))
    with app_over(store) as app:
        html = app.test_client().get("/id/country/AFG", headers={"Accept": "text/html"}).get_data(as_text=True)
    hrefs = local_hrefs(html)
    assert "mailto:info@example.org" in hrefs and "https://example.org/x" in hrefs
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
    assert "javascript:alert(1)" in html, "an unsafe IRI is still shown, as text"


# --- 4. /adoption/<country> in one voice; 10. wording and the CSV's byte-order mark -------------------


def text_of(html: str) -> str:
    import re

    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_country_linked_only_indirectly_is_said_so_once(curated_client) -> None:
    import re

    text = text_of(curated_client.get("/adoption/UKR").get_data(as_text=True))
    assert "Ukraine has no adoption step of its own" in text and "only indirectly" in text
    assert "From the Manual to Ukraine" not in text, "no heading that contradicts the lead"
    assert "How Ukraine is linked to the Manual, indirectly" in text
    assert "The graph records no adoption step" not in text
    assert re.search(r"\b\d+ quotes from the report\b", text), "a global programme's long evidence is folded"


def test_a_country_with_steps_under_way_is_said_plainly(curated_client) -> None:
    text = text_of(curated_client.get("/adoption/KAZ").get_data(as_text=True))
    assert "No step is recorded as done: under way" not in text
    assert "Under way: Kazakhstan has a step in progress and none done yet." in text


def test_the_country_filter_names_the_country(curated_client) -> None:
    text = text_of(curated_client.get("/adoption?country=KAZ").get_data(as_text=True))
    assert "steps shown for Kazakhstan" in text and "for KAZ" not in text


def test_the_adoption_csv_starts_with_a_byte_order_mark(curated_client) -> None:
    import csv
    import io

    body = curated_client.get("/adoption.csv").data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows and "country" in rows[0] and any("–" in v for r in rows for v in r.values() if v)


def test_the_region_filter_has_no_duplicate_choice(curated_client) -> None:
    import re

    html = curated_client.get("/adoption").get_data(as_text=True)
    select = html.split('id="filter-region"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)
    labels = [label for _, label in options]
    assert not ("Central Asia" in labels and "Eastern Europe and Central Asia" in labels)
    countries = {}
    for value, _ in options:
        page = curated_client.get("/adoption.json", query_string={"region": value}).get_json()
        countries[value] = frozenset(r["iso3"] for r in page["rows"])
    assert len(set(countries.values())) == len(countries), "every region choice selects a different set of countries"
    assert curated_client.get("/adoption.json?region=eeca").get_json()["rows"], "the folded region still filters by URL"


def test_list_pages_link_their_rdf(curated_client) -> None:
    for page, data in (("/id/", "/id/index.ttl"), ("/id/country/", "/id/country/index.ttl"), ("/id/scheme/", "/id/scheme/index.jsonld")):
        html = curated_client.get(page, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert f'href="{data}"' in html, page
        assert curated_client.get(data).status_code == 200
