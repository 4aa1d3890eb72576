"""Partner data in the views, over HTTP after real partner imports: entity pages mark each partner statement
with its dataset, the adoption tracer and the network mark partner facts and filter them out on request
(``sources=report``) in the page, the URL, the APIs and the exports; and partner names resolve as /reconcile does."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import openpyxl
import pyoxigraph as ox
import pytest
import rdflib

from browser import app_over, web_sources
from lemap_graph.store import build_store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "partner"
ID = "https://w3id.org/lemap/id/"
TRAININGS = "https://w3id.org/lemap/graph/partner/npu/trainings"
STEPS = "https://w3id.org/lemap/graph/partner/npu/steps"
PARTNER_ACTIVITY = ID + "partner/npu/trainings/activity/kyiv-2019-training"
PARTNER_STEP = ID + "partner/npu/steps/adoption/ukr-adapted"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The web fixture graph with two datasets of the partner npu imported over HTTP: a training (Turtle) and an
    adoption step the report lacks, plus another name for a city the report knows."""
    from lemap_graph.partner.tokens import TokenStore

    store = ox.Store()
    build_store(store, web_sources())
    tokens = tmp_path_factory.mktemp("views") / "tokens.sqlite"
    with app_over(store, LEMAP_TOKENS=str(tokens)) as app:
        token = TokenStore(tokens).create("npu")
        client = app.test_client()
        for dataset, name in (("trainings", "trainings.ttl"), ("steps", "adoption-steps.ttl")):
            answer = client.put(f"/graphs/npu/{dataset}", data=(FIXTURES / name).read_bytes(), content_type="text/turtle",
                                headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 201, answer.json
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


class Marks(HTMLParser):
    """The partner marks of a page: for each element with ``data-partner-graphs``, its graphs and its text."""

    def __init__(self):
        super().__init__()
        self.marks: list[dict] = []
        self.links: list[str] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if "data-partner-graphs" in attrs:
            self._open.append({"graphs": attrs["data-partner-graphs"].split(), "text": "", "depth": 0})
        for mark in self._open:
            mark["depth"] += 1

    def handle_endtag(self, tag):
        for mark in self._open:
            mark["depth"] -= 1
        while self._open and self._open[-1]["depth"] <= 0:
            self.marks.append(self._open.pop())

    def handle_data(self, data):
        for mark in self._open:
            mark["text"] += data


def marks_of(html: str) -> Marks:
    parser = Marks()
    parser.feed(html)
    return parser


def text_of(html: str, element_id: str) -> str:
    """The text of the element with ``id`` (a section or a paragraph), tags removed and spaces collapsed."""
    start = html.index(f'id="{element_id}"')
    tag = html[html.rindex("<", 0, start) + 1:start].split()[0]
    chunk = html[start:html.index(f"</{tag}>", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", chunk.split(">", 1)[1]))


# --- entity pages --------------------------------------------------------------------------------------------


def test_an_entity_only_partners_recorded_has_a_page_saying_so(client) -> None:
    page = client.get("/id/partner/npu/trainings/activity/kyiv-2019-training", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.data.decode()
    assert "Only in partner data" in text_of(html, "partner-data")
    found = marks_of(html)
    assert found.marks and all(m["graphs"] == [TRAININGS] and "npu/trainings" in m["text"] for m in found.marks)
    assert "/graph/partner/npu/trainings" in found.links
    schema = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert schema["isBasedOn"] == [{"@type": "Dataset", "@id": TRAININGS, "name": "npu/trainings",
                                    "creator": {"@type": "Organization", "name": "npu"}}]
    turtle = client.get("/id/partner/npu/trainings/activity/kyiv-2019-training", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=turtle.data.decode(), format="turtle")
    assert (rdflib.URIRef(PARTNER_ACTIVITY), rdflib.URIRef("https://w3id.org/lemap/ontology#country"),
            rdflib.URIRef(ID + "country/UKR")) in graph


def test_a_report_entity_marks_only_the_statements_partners_added(client) -> None:
    html = client.get("/id/place/kyiv", headers={"Accept": "text/html"}).data.decode()
    summary = text_of(html, "partner-data")
    assert "Partner data on this page" in summary and "npu/steps" in summary and "npu/trainings" in summary
    marks = marks_of(html).marks
    assert sorted(m["graphs"] for m in marks) == [[STEPS], [STEPS], [TRAININGS]], "the report's own statements carry no mark"
    said_by_both = [m for m in marks if "the report says it too" in m["text"]]
    assert len(said_by_both) == 1 and re.search(r'>Kyiv</span>[^<]*<span class="ld-lang">@en</span>\s*<span class="ld-partner"', html)
    # the hidden label the partner added, and the partner's training located here, each followed by its mark
    assert re.search(r'Kyiv city</span>[^<]*<span class="ld-lang">@en</span>\s*<span class="ld-partner" data-partner-graphs="' + STEPS, html)
    assert re.search(r'Training of police officers[^<]*</a>(?:(?!</li>).)*data-partner-graphs="' + TRAININGS, html, re.S)


def test_an_entity_no_partner_touched_says_nothing_of_partners(client) -> None:
    html = client.get("/id/country/MDA", headers={"Accept": "text/html"}).data.decode()
    assert 'id="partner-data"' not in html and not marks_of(html).marks


def test_descriptions_say_which_statements_only_partners_make(app) -> None:
    """The library's view of the same: partner datasets on each value, whether the report says it too, the counts."""
    from lemap_graph.describe import describe, engine_runner

    run = engine_runner(app.extensions["lemap"].engine)
    d = describe(run, ID + "country/UKR")
    incoming = [s for g in d.incoming for s in g.subjects if s.partners]
    assert [(s.value, [p.graph for p in s.partners], s.reported) for s in incoming] == [
        (PARTNER_ACTIVITY, [TRAININGS], False), (PARTNER_STEP, [STEPS], False)]
    assert not d.partner_only and d.partner_statements == 2
    kyiv = describe(run, ID + "place/kyiv")
    names = {(v.value, v.reported) for pv in kyiv.properties for v in pv.values if v.partners}
    assert names == {("Kyiv city", False), ("Kyiv", True)}
    assert [(p.title, p.statements) for p in kyiv.partner_datasets] == [("npu/steps", 2), ("npu/trainings", 1)]
    assert describe(run, PARTNER_ACTIVITY).partner_only


# --- the adoption tracer -------------------------------------------------------------------------------------


def test_adoption_json_marks_partner_steps_and_report_only_leaves_them_out(client) -> None:
    every = client.get("/adoption.json").json
    partner = [r for r in every["rows"] if r["adoption_iri"] == PARTNER_STEP]
    assert partner and partner[0]["source"] == "partner" and partner[0]["partner_datasets"] == "npu/steps"
    assert partner[0]["partner_graph_iri"] == STEPS and every["from_partners"] == 1
    assert every["filters"] == {}
    report = client.get("/adoption.json?sources=report").json
    assert report["filters"] == {"sources": "report"}
    assert PARTNER_STEP not in {r["adoption_iri"] for r in report["rows"]} and report["from_partners"] == 0
    assert report["count"] == every["count"] - 1


def test_adoption_csv_and_xlsx_carry_the_source_columns(client) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/adoption.csv").data.decode("utf-8-sig"))))
    assert {(r["adoption_iri"], r["source"], r["partner_datasets"]) for r in rows} >= {(PARTNER_STEP, "partner", "npu/steps")}
    assert not [r for r in csv.DictReader(io.StringIO(client.get("/adoption.csv?sources=report").data.decode("utf-8-sig")))
                if r["source"] != "report"]
    book = openpyxl.load_workbook(io.BytesIO(client.get("/adoption.xlsx").data))
    header, *body = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert {"source", "partner_datasets", "partner_graph_iri"} <= set(header)
    assert [dict(zip(header, r))["source"] for r in body] == ["partner"]
    assert "partners' datasets" in " ".join(str(c.value) for c in book["About"]["A"])


def test_adoption_page_counts_marks_and_switches(client) -> None:
    html = client.get("/adoption").data.decode()
    assert "<strong>1</strong> from partners' datasets (1 only there)" in re.sub(r"\s+", " ", html)
    assert re.search(r'id="sources-all"[^>]*aria-current="true"', html) and 'href="/adoption?sources=report"' in html
    row = re.search(r'<tr data-iso3="UKR"[^>]*data-source="partner">.*?</tr>', html, re.S).group(0)
    assert 'class="partner-badge"' in row and 'href="/graph/partner/npu/steps"' in row
    report = client.get("/adoption?sources=report").data.decode()
    assert re.search(r'id="sources-report"[^>]*aria-current="true"', report)
    assert "1 step only partners recorded is left out" in report and 'data-source="partner"' not in report
    assert '<input type="hidden" name="sources" value="report">' in report  # the table's refreshes keep it
    filtered = client.get("/adoption?sources=report&stage=adapted").data.decode()
    assert 'id="filters-reset" href="/adoption?sources=report"' in filtered  # Clear drops the filters, keeps the switch
    assert '<a href="/adoption?stage=adapted" id="sources-all"' in filtered  # the switch keeps the other filters


def test_a_country_page_marks_partner_facts_and_filters_them(client) -> None:
    html = client.get("/adoption/UKR").data.decode()
    assert "come from partners' datasets" in text_of(html, "sources-note")
    assert html.count('class="partner-badge"') >= 3  # the step (summary and tree) and the training in the tree
    data = client.get("/adoption/UKR.json").json
    sources = {n["iri"]: n["source"] for n in _walk(data["lineage"])}
    assert sources[PARTNER_STEP] == "partner" and sources[PARTNER_ACTIVITY] == "partner"
    report = client.get("/adoption/UKR.json?sources=report").json
    assert report["sources"] == "report" and not [n for n in _walk(report["lineage"]) if n["source"] != "report" and n["type"] != "root"]
    page = client.get("/adoption/UKR?sources=report").data.decode()
    assert "1 adoption step only partners recorded is left out" in page and 'class="partner-badge">partner' not in page


def _walk(node: dict):
    yield node
    for child in node["children"]:
        yield from _walk(child)


@pytest.mark.parametrize("url", ["/adoption.json?sources=partners", "/adoption/UKR.json?sources=x"])
def test_an_unknown_source_is_a_400_saying_what_it_takes(client, url: str) -> None:
    answer = client.get(url)
    assert answer.status_code == 400 and "sources" in answer.json["error"] and "all, report" in answer.json["error"]


# --- the network ---------------------------------------------------------------------------------------------


def test_network_json_marks_partner_nodes_and_links_and_report_only_drops_them(client) -> None:
    every = client.get("/api/network.json").json
    nodes = {n["id"].rsplit("/", 1)[1]: n for n in every["nodes"]}
    assert nodes["ukr-moi"]["provenance"] in ("partner", "report+partner") and nodes["ukr-moi"]["partner_graphs"] == [TRAININGS]
    assert every["graph"]["partner_activities"] == 1 and every["graph"]["partner_graphs"] == [TRAININGS]
    assert every["activities"][PARTNER_ACTIVITY]["partner_graphs"] == [TRAININGS]
    assert every["activities"][PARTNER_ACTIVITY]["partner_only"] is True
    assert all(e["provenance"] != "report" for e in every["edges"] if PARTNER_ACTIVITY in e["activities"])
    report = client.get("/api/network.json?sources=report").json
    assert report["graph"]["filters"] == {"sources": "report"} and report["graph"]["partner_activities"] == 0
    assert PARTNER_ACTIVITY not in report["activities"]
    assert all(n["provenance"] == "report" for n in report["nodes"])


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_network_exports_say_where_each_node_and_link_comes_from(client, fmt: str) -> None:
    reader = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    G = reader(io.BytesIO(client.get(f"/api/network.{fmt}").data))
    assert {d["provenance"] for _, d in G.nodes(data=True)} >= {"report+partner"}
    assert any(TRAININGS in d.get("partner_graphs", "") for _, _, d in G.edges(data=True))
    report = reader(io.BytesIO(client.get(f"/api/network.{fmt}?sources=report").data))
    assert {d["provenance"] for _, d in report.nodes(data=True)} == {"report"}


def test_network_page_counts_and_filter(client) -> None:
    html = client.get("/network").data.decode()
    line = text_of(html, "network-sources")
    assert "1 of the 2 activities shown rest on partners' statements" in line and "npu/trainings" in line
    assert re.search(r'<option value="all" selected>With partner data</option>', html)
    assert 'data-provenance="report+partner"' in html
    report = client.get("/network?sources=report").data.decode()
    assert "The report's statements only" in text_of(report, "network-sources")
    assert re.search(r'<option value="report" selected>Report only</option>', report)
    bad = client.get("/api/network.json?sources=both")
    assert bad.status_code == 400 and "sources" in bad.json["error"]


# --- names: one matcher for the CSV importer, /reconcile and the search box ----------------------------------


@pytest.mark.parametrize("name, kind, type_", [
    ("Kiev", "place", "schema:Place"), ("Ukrane", "country", "lm:Country"), ("UKR", "country", "lm:Country"),
    ("Ministry of Internal Affairs of Ukraine", "organisation", "org:Organization"),
    ("Police National of Ukraine", "organisation", "org:Organization"), ("national police", "organisation", "org:Organization"),
    ("MoI", "organisation", "org:Organization"),
])
def test_partner_names_resolve_as_reconcile_answers(curated_store, curated_client, name: str, kind: str, type_: str) -> None:
    from lemap_graph.partner.names import NameIndex

    mine = NameIndex.from_store(curated_store).resolve(name, kind, limit=3)
    queries = json.dumps({"q0": {"query": name, "type": type_, "limit": 3}})
    theirs = curated_client.post("/reconcile", data={"queries": queries}).json["q0"]["result"]
    assert [(c.iri, c.match) for c in mine] == [(ID + r["id"], r["match"]) for r in theirs]
    assert [round(c.score) for c in mine] == [round(r["score"]) for r in theirs]


def test_partner_marks_come_first_when_the_row_cap_cuts(app) -> None:
    """An entity with more statement-graph rows than the row cap: the partners' rows are the ones kept."""
    from lemap_graph.describe import engine_runner, statement_sources
    from lemap_graph.engine import Limits, LocalEngine

    store = ox.Store()
    store.load(app.extensions["lemap"].engine.dump(), format=ox.RdfFormat.N_QUADS)
    engine = LocalEngine(store, Limits(workers=1, max_rows=3))
    try:
        found = statement_sources(engine_runner(engine), ID + "place/kyiv")
    finally:
        engine.close()
    assert len(found.partners) == 3 and {g.graph for ds in found.partners.values() for g in ds} == {STEPS, TRAININGS}


@pytest.mark.parametrize("suffix, accept, fmt", [(".trig", None, "trig"), ("", "application/n-quads", "nquads")])
def test_an_entitys_trig_and_nquads_say_which_graph_holds_each_statement(client, suffix: str, accept, fmt: str) -> None:
    answer = client.get("/id/place/kyiv" + suffix, headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200 and answer.mimetype == ("application/trig" if fmt == "trig" else "application/n-quads")
    data = rdflib.Dataset()
    data.parse(data=answer.data.decode(), format=fmt)
    kyiv, hidden = rdflib.URIRef(ID + "place/kyiv"), rdflib.URIRef("http://www.w3.org/2004/02/skos/core#hiddenLabel")
    graphs = {str(g) for _, _, _, g in data.quads((kyiv, hidden, rdflib.Literal("Kyiv city", lang="en"), None))}
    assert graphs == {STEPS}
    named = {str(g) for _, _, _, g in data.quads((kyiv, None, None, None))}
    assert STEPS in named and "https://w3id.org/lemap/graph/data/triples/ukraine.ttl" not in named
    assert any(g.startswith("https://w3id.org/lemap/graph/data/triples/") for g in named)  # the report's graph too
    assert 'rel="alternate"; type="application/trig"' in answer.headers["Link"]
    html = client.get("/id/place/kyiv", headers={"Accept": "text/html"}).data.decode()
    assert 'href="/id/place/kyiv.trig" type="application/trig">TriG</a>' in html
