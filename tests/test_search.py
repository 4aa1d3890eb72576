"""The search box over HTTP: /search (HTML and JSON), /search/suggest, and the index behind them.

Expected entities come from the curated data (data/triples/*.ttl). The index is built from the
engine's named queries, once per data version: a partner import (engine.write_graph) is found by
the next search.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pyoxigraph as ox
import pytest

from browser import app_over
from lemap_graph.search.source import read_corpus

BASE = "https://w3id.org/lemap/id/"


def search_json(client, query: str, **params) -> dict:
    """GET /search as JSON (``?format=json``), parsed."""
    response = client.get("/search", query_string={"q": query, "format": "json", **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def hits(answer: dict) -> dict[str, dict]:
    """Every hit of every group, by entity id."""
    return {h["id"]: h for g in answer["groups"] for h in g["hits"]}


class Page(HTMLParser):
    """What a person reads on a results page: headings, links (text → href), and the marked words."""

    def __init__(self, html: str):
        super().__init__()
        self.headings, self.links, self.marks, self._tag, self._href = [], {}, [], [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._tag.append(tag)
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = ""

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links[self._text.strip()] = self._href
            self._href = None
        if self._tag:
            self._tag.pop()

    def handle_data(self, data):
        if self._href is not None:
            self._text += data
        if self._tag and self._tag[-1] == "h2":
            self.headings.append(data.strip())
        if self._tag and self._tag[-1] == "mark":
            self.marks.append(data)


# --------------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kiev", "place/kyiv"),
        ("Kharkov", "place/kharkiv"),
        ("Kirgizstan", "country/KGZ"),
        ("UKR", "country/UKR"),
        ("national police", "organisation/ukr-national-police"),
        ("Ministry of Interior of Ukraine", "organisation/ukr-moi"),
        ("MoI Ukraine", "organisation/ukr-moi"),
    ],
)
def test_names_are_found_however_they_are_spelt(curated_client, query: str, expected: str) -> None:
    answer = search_json(curated_client, query)
    first_group = answer["groups"][0]
    assert first_group["hits"][0]["id"] == expected
    assert first_group["hits"][0]["url"] == "/id/" + expected


def test_results_are_grouped_by_kind_with_totals(curated_client) -> None:
    answer = search_json(curated_client, "Ukraine")
    kinds = [g["kind"] for g in answer["groups"]]
    assert kinds[0] == "country" and {"organisation", "activity"} <= set(kinds)
    assert len(kinds) == len(set(kinds))
    for g in answer["groups"]:
        assert all(h["kind"] == g["kind"] for h in g["hits"]) and g["total"] >= len(g["hits"])
        scores = [h["score"] for h in g["hits"]]
        assert scores == sorted(scores, reverse=True)


def test_the_report_sentences_are_searched_and_marked(curated_client) -> None:
    answer = search_json(curated_client, "referral schemes")
    assert answer["sentences"], "the report speaks of referral schemes"
    for sentence in answer["sentences"][:5]:
        marked = " ".join(p["text"].lower() for p in sentence["pieces"] if p["match"])
        assert "referral" in marked or "scheme" in marked
        assert "".join(p["text"] for p in sentence["pieces"]) == sentence["text"]
    activities = next(g for g in answer["groups"] if g["kind"] == "activity")
    with_sentence = [h for h in activities["hits"] if h["sentence"]]
    assert with_sentence, "activities show the sentence they were derived from"
    assert any(p["match"] for p in with_sentence[0]["sentence"]["pieces"])


def test_misspelt_words_find_the_report_words(curated_client) -> None:
    answer = search_json(curated_client, "refferal shemes")
    assert ["referral", "referrals"] == answer["words"][0][:2] or "referral" in answer["words"][0]
    assert answer["sentences"]


def test_another_spelling_of_a_name_finds_sentences_with_the_recorded_one(curated_client) -> None:
    answer = search_json(curated_client, "Kiev")
    marked = {p["text"] for s in answer["sentences"] for p in s["pieces"] if p["match"]}
    assert "Kyiv" in marked, "the report writes Kyiv"
    derived = {e["id"] for s in answer["sentences"] for e in s["entities"]}
    assert "activity/ukr-kyiv-police-cso-case-management-scheme" in derived


def test_a_kind_filter_keeps_to_that_kind(curated_client) -> None:
    answer = search_json(curated_client, "Ukraine", kind="organisation")
    assert [g["kind"] for g in answer["groups"]] == ["organisation"]


def test_json_by_accept_header(curated_client) -> None:
    response = curated_client.get("/search?q=Kiev", headers={"Accept": "application/json"})
    assert response.mimetype == "application/json"
    assert response.get_json()["groups"][0]["hits"][0]["label"] == "Kyiv"


def test_nothing_found_is_an_empty_answer(curated_client) -> None:
    answer = search_json(curated_client, "zzqxj wvvkk")
    assert answer["groups"] == [] and answer["sentences"] == []


@pytest.mark.parametrize(
    ("url", "words"),
    [("/search?format=json&q=" + "k" * 201, "at most 200"), ("/search?format=json&q=kiev&kind=../x", "parameter kind")],
)
def test_bad_input_is_a_400_with_a_message(curated_client, url: str, words: str) -> None:
    response = curated_client.get(url)
    assert response.status_code == 400 and words in response.get_json()["message"]


def test_suggest_offers_names_as_they_are_typed(curated_client) -> None:
    answer = curated_client.get("/search/suggest?q=khar").get_json()
    labels = [s["label"] for s in answer["suggestions"]]
    assert labels[0] == "Kharkiv"
    assert "Kharkiv National University of Internal Affairs" in labels
    assert all(s["url"].startswith("/id/") for s in answer["suggestions"])
    typo = curated_client.get("/search/suggest?q=Kirgiz").get_json()
    assert typo["suggestions"][0]["id"] == "country/KGZ"
    assert curated_client.get("/search/suggest?q=").get_json()["suggestions"] == []


# --------------------------------------------------------------------------------- HTML


def test_results_page_groups_links_and_marks(curated_client) -> None:
    response = curated_client.get("/search?q=referral+schemes", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = Page(response.get_data(as_text=True))
    assert "Activities" in page.headings and "Sentences of the report" in page.headings
    assert page.links["Referral schemes to HIV services in Belarus (summary)"] == "/id/activity/blr-referral-schemes-summary"
    assert {m.lower() for m in page.marks} >= {"referral", "schemes"}


def test_every_page_has_the_search_box(curated_client) -> None:
    for url in ("/", "/q/", "/id/country/UKR", "/search"):
        html = curated_client.get(url, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert 'role="search"' in html and 'data-suggest="/search/suggest"' in html, url
        assert "/static/js/search.js" in html, url


# --------------------------------------------------------------------------------- the index and the data


@pytest.fixture
def partner_app(curated_store):
    """An app over a copy of the curated store, so a test may write to it."""
    store = ox.Store()
    store.extend(curated_store)
    with app_over(store) as app:
        yield app


def test_a_partner_import_is_found_by_the_next_search(partner_app) -> None:
    client = partner_app.test_client()
    service, engine = partner_app.extensions["search"], partner_app.extensions["lemap"].engine
    before = service.index(engine)
    assert service.index(engine) is before, "one index per data version, not one per request"
    assert "organisation/odesa-hrn" not in hits(search_json(client, "Odesa Harm Reduction Network"))
    ntriples = (
        f'<{BASE}organisation/odesa-hrn> <http://www.w3.org/2004/02/skos/core#prefLabel> "Odesa Harm Reduction Network <script>x</script>"@en .\n'
        f'<{BASE}organisation/odesa-hrn> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/org#FormalOrganization> .\n'
    ).encode()
    partner_app.extensions["lemap"].engine.write_graph("https://w3id.org/lemap/graph/partner/p/d", ntriples)
    assert service.index(engine) is not before, "the import changed the data version"
    found = hits(search_json(client, "Odessa harm reduction network"))
    assert "organisation/odesa-hrn" in found
    html = client.get("/search?q=Odesa+Harm+Reduction", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x</script>" not in html


def test_long_answers_are_read_page_by_page(curated_store) -> None:
    with app_over(curated_store, LEMAP_MAX_ROWS=40) as small, app_over(curated_store) as whole:
        paged = read_corpus(small.extensions["lemap"].engine.query, BASE)
        unpaged = read_corpus(whole.extensions["lemap"].engine.query, BASE)
    assert paged == unpaged
    assert len(paged.entities) > 40 and len(paged.excerpts) > 40
