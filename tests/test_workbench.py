"""The browser side of the app through the test client: home page, workbench page, named queries as
pages, JSON and CSV, their parameters and errors, and the vocabulary route the editor completes from.
Every page is parsed before asserting, and every link on it must lead to a page that exists."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest

from browser import ROOT, vendor_missing, web_sources
from lemap_graph import queries
from lemap_graph.store import build_store, run_query

NAMED = queries.load_queries()
#: Queries that run without a value for a parameter.
FREE = [q for q in NAMED if not any(p.required for p in q.params)]
LM = "https://w3id.org/lemap/ontology#"


class Page(HTMLParser):
    """What a test needs from an HTML page: links, scripts, styles, table cells, elements by id."""

    def __init__(self, html: str):
        super().__init__()
        self.links, self.scripts, self.styles, self.ids = [], [], [], {}
        self.tables: list[list[list[str]]] = []
        self.script_text: dict[str, str] = {}
        self._cell: list[str] | None = None
        self._script_id = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids[a["id"]] = (tag, a)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "script":
            self._script_id = a.get("id")
            self.script_text[self._script_id] = ""
            if "src" in a:
                self.scripts.append(a["src"])
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.styles.append(a["href"])
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "script":
            self._script_id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._script_id is not None:
            self.script_text[self._script_id] += data


def get_page(client, url: str, status: int = 200) -> Page:
    response = client.get(url, headers={"Accept": "text/html"})
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def assert_links_exist(client, page: Page) -> None:
    """Every link to this app leads to a page that answers 200: no placeholders."""
    for href in page.links:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith("#"):
            continue
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""), headers={"Accept": "text/html"})
        assert response.status_code == 200, f"link {href} answers {response.status_code}"


def result_rows(page: Page) -> list[list[str]]:
    """The body rows of the page's result table (its first table)."""
    assert page.tables, "no result table"
    return page.tables[0][1:]


# --- home page and layout -----------------------------------------------------------------------


def test_home_says_what_lemap_is_and_links_only_pages_that_exist(web_client) -> None:
    page = get_page(web_client, "/")
    assert "/sparql" in page.links and "/q/" in page.links
    assert "main" in page.ids, "the skip link needs a #main target"
    assert_links_exist(web_client, page)


@pytest.mark.parametrize("url", ["/", "/q/", "/q/countries", "/sparql"])
def test_pages_load_nothing_from_another_host(web_client, url: str) -> None:
    page = get_page(web_client, url)
    for asset in page.scripts + page.styles:
        assert not urlsplit(asset).netloc, f"{url} loads {asset} from another host"
        assert asset.startswith("/static/")


def test_navigation_marks_the_current_page(web_client) -> None:
    html = web_client.get("/q/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert '<a href="/q/" aria-current="page">' in html
    assert '<a href="/" aria-current="page">' not in html


# --- workbench page -----------------------------------------------------------------------------


def workbench_config(web_client) -> dict:
    page = get_page(web_client, "/sparql")
    return json.loads(page.script_text["workbench-config"])


def test_workbench_offers_every_named_query_as_an_example(web_client) -> None:
    config = workbench_config(web_client)
    examples = {e["name"]: e for e in config["examples"]}
    assert set(examples) == {q.name for q in NAMED}
    for q in NAMED:
        assert examples[q.name]["text"] == q.text
        assert examples[q.name]["summary"] == q.summary
        assert examples[q.name]["page"] == f"/q/{q.name}"


def test_workbench_declares_the_vocabulary_prefixes_and_serves_yasgui_itself(web_client) -> None:
    config = workbench_config(web_client)
    assert dict(config["prefixes"]) == queries.PREFIXES
    assert config["endpoint"] == "/sparql"
    page = get_page(web_client, "/sparql")
    assert "/static/vendor/yasgui/yasgui.min.js" in page.scripts
    assert page.scripts.index("/static/vendor/yasgui/yasgui.min.js") < page.scripts.index("/static/js/workbench.js")


def test_the_served_front_end_files_are_installed(web_client) -> None:
    assert not vendor_missing(), f"missing {vendor_missing()}: run `make assets` (npm ci + scripts/vendor.py)"
    for path in ("/static/vendor/yasgui/yasgui.min.js", "/static/js/workbench.js", "/static/css/lemap.css"):
        assert web_client.get(path).status_code == 200, path


#: Every place YASGUI 4.6 calls fetch(), and what workbench.js does about it.
YASGUI_FETCHES = {
    "await fetch(c)": "the query itself: the endpoint is pinned to this app's /sparql",
    "prefixCcApi": "prefix.cc: only when prefixCcApi is set; workbench.js keeps it null",
    "lov/api/v2/autocomplete": "LOV: the class and property completers, replaced by /api/vocabulary-terms",
    "ASK {?x ?y ?z}": "a CORS probe of the endpoint, only when a corsProxy is configured (none is)",
}


def test_yasgui_asks_other_hosts_only_where_the_workbench_stops_it() -> None:
    """A YASGUI upgrade that adds a call to the network fails here until someone has looked at it."""
    assert not vendor_missing(), "run `make assets`"
    code = (ROOT / "webapp" / "static" / "vendor" / "yasgui" / "yasgui.min.js").read_text(encoding="utf-8")
    calls = [code[max(0, i - 120): i + 60] for i in range(len(code)) if code.startswith("fetch(", i)]
    unknown = [c for c in calls if not any(marker in c for marker in YASGUI_FETCHES)]
    assert not unknown, f"YASGUI calls fetch() somewhere new; check where it goes: {unknown}"
    assert len(calls) == len(YASGUI_FETCHES)
    script = (ROOT / "webapp" / "static" / "js" / "workbench.js").read_text()
    assert "Yasqe.defaults.prefixCcApi = null" in script and "populateFromUrl: false" in script


def test_workbench_script_writes_no_data_as_html() -> None:
    script = (ROOT / "webapp" / "static" / "js" / "workbench.js").read_text()
    for name in ("workbench.js", "workbench-chart.js"):
        for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
            assert risky not in (ROOT / "webapp" / "static" / "js" / name).read_text(), (name, risky)
    assert 'Yasqe.defaults.autocompleters = ["variables", "prefixes"]' in script


def load_vendor_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("vendor_script", ROOT / "scripts" / "vendor.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_front_end_packages_are_pinned_and_all_vendored() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    vendor = load_vendor_script()
    assert set(package["dependencies"]) == set(vendor.FILES)
    for name, version in package["dependencies"].items():
        assert version[0].isdigit(), f"{name} must be pinned to an exact version, not {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert package["dependencies"]["@zazuko/yasgui"].startswith("4.6.")


def test_vendor_script_names_a_missing_file(tmp_path) -> None:
    vendor = load_vendor_script()
    with pytest.raises(FileNotFoundError, match="npm ci"):
        vendor.copy_vendor(tmp_path / "node_modules", tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists(), "nothing is copied when a file is missing"


# --- vocabulary terms ---------------------------------------------------------------------------


def test_vocabulary_terms_lists_the_ontology_classes_and_properties(web_client) -> None:
    response = web_client.get("/api/vocabulary-terms")
    assert response.status_code == 200 and response.mimetype == "application/json"
    terms = {(t["term"], t["kind"]): t for t in response.get_json()["terms"]}
    assert terms[(LM + "Activity", "class")]["label"] == "activity"
    assert (LM + "partner", "property") in terms
    assert ("https://schema.org/containedInPlace", "property") in terms  # reused, used by the data
    assert terms[(LM + "ManualAdoption", "class")]["definition"]


# --- named queries: list and pages --------------------------------------------------------------


def test_query_list_links_every_named_query(web_client) -> None:
    page = get_page(web_client, "/q/")
    assert {f"/q/{q.name}" for q in NAMED} <= set(page.links)
    assert_links_exist(web_client, page)


@pytest.mark.parametrize("query", FREE, ids=lambda q: q.name)
def test_query_page_shows_the_query_and_the_rows_the_engine_returns(web_client, web_store, query) -> None:
    page = get_page(web_client, f"/q/{query.name}")
    expected = run_query(web_store, query.text)
    if expected.kind == "select":
        rows = result_rows(page)
        assert len(rows) == len(expected.rows)
        assert page.tables[0][0] == list(expected.variables)
    open_link = next(h for h in page.links if h.startswith("/sparql#"))
    assert parse_qs(urlsplit(open_link).fragment)["query"] == [query.text]
    assert f"/q/{query.name}.csv" in page.links and f"/q/{query.name}.json" in page.links


def test_query_page_shows_iris_compactly_and_literals_as_text(web_client) -> None:
    rows = result_rows(get_page(web_client, "/q/countries"))
    first = dict(zip(["country", "label", "alpha2", "alpha3"], rows[0]))
    assert first["country"] == "country:AFG" and first["label"] == "Afghanistan", "plain values, no @en"
    assert first["alpha3"] == "AFG"
    html = web_client.get("/q/countries").get_data(as_text=True)
    assert '<span title="language: en" lang="en">Afghanistan</span>' in html, "the language is shown on hover"


def test_parameters_are_form_fields_and_url_arguments(web_client) -> None:
    page = get_page(web_client, "/q/entity-by-name")
    tag, attrs = page.ids["param-name"]
    assert tag == "input" and attrs["name"] == "name" and "required" in attrs
    assert not page.tables, "a query missing a required value is not run"
    page = get_page(web_client, "/q/entity-by-name?name=Kiev")
    assert page.ids["param-name"][1]["value"] == "Kiev"
    entities = {row[0] for row in result_rows(page)}
    assert entities == {"place:kyiv"}
    assert "/q/entity-by-name.csv?name=Kiev" in page.links
    assert "/id/place/kyiv" in page.links, "entities link to their pages"
    assert_links_exist(web_client, page)


def test_unknown_query_is_a_404_that_suggests_names(web_client) -> None:
    response = web_client.get("/q/countrie", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "did you mean: countries" in response.get_data(as_text=True)
    response = web_client.get("/q/countrie.json")
    assert response.status_code == 404 and "countries" in response.get_json()["error"]


# --- named queries as JSON and CSV --------------------------------------------------------------


def test_query_json_is_sparql_results_json(web_client) -> None:
    response = web_client.get("/q/country-by-iso-code.json?code=KAZ")
    assert response.status_code == 200 and response.mimetype == "application/sparql-results+json"
    data = json.loads(response.get_data())
    assert data["head"]["vars"]
    countries = {b["country"]["value"] for b in data["results"]["bindings"] if "country" in b}
    assert countries == {"https://w3id.org/lemap/id/country/KAZ"}


def test_query_csv_has_a_header_and_one_line_per_row(web_client, web_store) -> None:
    response = web_client.get("/q/countries.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    expected = run_query(web_store, queries.get_query("countries").text)
    assert table[0] == list(expected.variables)
    assert len(table) - 1 == len(expected.rows)
    assert ["https://w3id.org/lemap/id/country/AFG", "Afghanistan"] == table[1][:2]


def test_bad_parameters_are_400s_naming_the_parameter(web_client, monkeypatch) -> None:
    response = web_client.get("/q/entity-by-name.json?nmae=Kiev")
    assert response.status_code == 400 and "nmae" in response.get_json()["error"]
    response = web_client.get("/q/entity-by-name.csv")
    assert response.status_code == 400 and "_name" in response.get_data(as_text=True)
    typed = queries.parse_query("#+ summary: T.\n#+ param: _year gYear a year\nSELECT ?_year WHERE {}", "typed")
    monkeypatch.setattr(queries, "get_query", lambda name: typed)
    response = web_client.get("/q/typed?year=twenty", headers={"Accept": "text/html"})
    assert response.status_code == 400
    page = Page(response.get_data(as_text=True))
    assert page.ids["param-year"][1]["value"] == "twenty", "the form keeps what was typed"
    assert "_year" in response.get_data(as_text=True)


def test_engine_errors_keep_their_status_and_message(web_app, monkeypatch) -> None:
    from lemap_graph.engine import QueryTimeout

    def slow(*args, **kwargs):
        raise QueryTimeout(10)

    monkeypatch.setattr(web_app.extensions["lemap"].engine, "query", slow)
    client = web_app.test_client()
    response = client.get("/q/countries", headers={"Accept": "text/html"})
    assert response.status_code == 503 and "timed out after 10 s" in response.get_data(as_text=True)
    page = Page(response.get_data(as_text=True))
    assert "/sparql#" in " ".join(page.links), "the page still offers the query"
    response = client.get("/q/countries.json")
    assert response.status_code == 503
    assert response.get_json() == {"error": QueryTimeout(10).message, "status": 503}


def test_construct_and_ask_queries_have_pages_and_fitting_formats(web_client, monkeypatch) -> None:
    construct = queries.parse_query(
        "#+ summary: C.\nPREFIX lm: <https://w3id.org/lemap/ontology#>\n"
        "CONSTRUCT { ?c a lm:Country } WHERE { ?c a lm:Country }", "graph-test")
    monkeypatch.setattr(queries, "get_query", lambda name: construct)
    page = get_page(web_client, "/q/graph-test")
    assert not page.tables and "/q/graph-test.json" in page.links
    response = web_client.get("/q/graph-test.json")
    assert response.mimetype == "application/ld+json" and len(json.loads(response.get_data())) == 4
    response = web_client.get("/q/graph-test.csv")
    assert response.status_code == 406 and "graph-test.json" in response.get_data(as_text=True)
    ask = queries.parse_query("#+ summary: A.\nASK { ?s ?p ?o }", "ask-test")
    monkeypatch.setattr(queries, "get_query", lambda name: ask)
    assert "Answer: <strong>yes</strong>" in web_client.get("/q/ask-test").get_data(as_text=True)
    assert json.loads(web_client.get("/q/ask-test.json").get_data()) == {"head": {}, "boolean": True}


# --- data from partners is text, never markup ---------------------------------------------------


def test_a_literal_carrying_a_script_is_shown_as_text() -> None:
    from webapp import create_app

    store = ox.Store()
    build_store(store, web_sources())
    store.add(ox.Quad(
        ox.NamedNode("https://w3id.org/lemap/id/place/kyiv"),
        ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
        ox.Literal('Kyiv<script>alert("x")</script>'),
        ox.NamedNode("https://w3id.org/lemap/graph/partner/test"),
    ))
    client = create_app({"TESTING": True}, store=store).test_client()
    html = client.get("/q/entity-by-name?name=Kyivscriptalertxscript", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "Kyiv&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
