"""The Training Manual adoption tracer: steps, furthest stages and filters on the curated data; downloads that equal
the table they come from; lineage trees; clear errors; and partner graphs that show up once imported."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pyoxigraph as ox
import pytest

from lemap_graph import adoption, queries
from lemap_graph.store import build_store, run_query

STAGE_NAMES = [name for name, _ in adoption.STAGES]
FILTER_CASES = [
    {},
    {"stage": "curriculum"},
    {"status": "intended"},
    {"region": "lac"},
    {"region": "central-asia", "stage": "curriculum"},
    {"year": "2020"},
    {"sort": "year", "order": "desc"},
    {"sort": "status"},
    {"stage": "adopted", "year": "1999"},  # nothing matches: the downloads are empty too
]


def run(store: ox.Store, name: str, **values: str):
    q = queries.get_query(name)
    return run_query(store, q.text, substitutions=queries.bind(q, values, store))


@pytest.fixture(scope="module")
def steps(curated_store) -> list[adoption.Step]:
    return adoption.steps_from_records(run(curated_store, adoption.STEPS_QUERY).records())


@pytest.fixture(scope="module")
def countries(steps) -> dict[str, adoption.CountrySummary]:
    return {c.alpha3: c for c in adoption.summarise(steps)}


@pytest.fixture(scope="module")
def client(curated_store):
    """A test client of the app over the curated data (one engine for the module, closed after it)."""
    from webapp import create_app

    app = create_app({"TESTING": True}, store=curated_store)
    yield app.test_client()
    app.extensions["lemap"].close()


# --- the library on the curated data ------------------------------------------------------------


def test_every_adoption_node_of_the_manual_is_one_step(curated_store, steps) -> None:
    nodes = run_query(curated_store, """
        PREFIX lm: <https://w3id.org/lemap/ontology#>
        SELECT DISTINCT ?a WHERE { ?a a lm:ManualAdoption ; lm:adoptedDocument <https://w3id.org/lemap/id/document/training-manual> }
    """).records()
    assert sorted(s.adoption for s in steps) == sorted(r["a"] for r in nodes)
    assert all(s.stage in STAGE_NAMES and s.status in adoption.STATUSES for s in steps)


def test_counts_per_stage_match_a_plain_count(curated_store, steps) -> None:
    plain = run_query(curated_store, """
        PREFIX lm: <https://w3id.org/lemap/ontology#>
        PREFIX status: <https://w3id.org/lemap/id/status/>
        SELECT ?stage (COUNT(DISTINCT ?a) AS ?all) (COUNT(DISTINCT ?done) AS ?n_done) WHERE {
          ?a a lm:ManualAdoption ; lm:adoptedDocument <https://w3id.org/lemap/id/document/training-manual> ;
             lm:adoptionStage ?stage .
          OPTIONAL { ?a lm:status status:done BIND(?a AS ?done) }
        } GROUP BY ?stage
    """).records()
    expected_all = {name: 0 for name in STAGE_NAMES} | {adoption.slug(r["stage"]): int(r["all"]) for r in plain}
    expected_done = {name: 0 for name in STAGE_NAMES} | {adoption.slug(r["stage"]): int(r["n_done"]) for r in plain}
    assert adoption.count_by_stage(steps) == expected_all
    assert adoption.count_by_stage(steps, done_only=True) == expected_done
    assert list(adoption.count_by_stage(steps)) == STAGE_NAMES  # in stage order


def test_afghanistan_translated_the_manual_into_dari_in_2020(countries) -> None:
    afg = countries["AFG"]
    assert afg.standing == "done"
    assert (afg.furthest.stage, afg.furthest.year, afg.furthest.languages) == ("translated", "2020", ("prs",))
    assert afg.furthest.language_names == ("Dari",)
    assert afg.iso_numeric == "004"
    assert any("Dari" in quote for quote in afg.furthest.evidence)


def test_myanmar_built_the_manual_into_its_curriculum_in_2017(countries) -> None:
    mmr = countries["MMR"]
    assert (mmr.standing, mmr.furthest.stage, mmr.furthest.year) == ("done", "curriculum", "2017")
    assert mmr.furthest.notation == 5


def test_argentina_only_intended_and_is_never_counted_as_done(countries) -> None:
    arg = countries["ARG"]
    assert arg.furthest is None and arg.standing == "not-done"
    assert {s.status for s in arg.steps} == {"intended"}
    assert {"translated", "adapted"} <= {s.stage for s in arg.steps}
    assert arg.to_json()["furthest_done_stage"] is None


def test_brazil_has_an_adaptation_in_progress(countries) -> None:
    bra = countries["BRA"]
    assert bra.furthest is None and bra.standing == "in-progress"
    assert ("adapted", "in-progress") in {(s.stage, s.status) for s in bra.steps}


def test_the_furthest_stage_is_the_greatest_done_notation(countries) -> None:
    for c in countries.values():
        done = [s.notation for s in c.steps if s.done]
        assert (c.furthest.notation if c.furthest else None) == (max(done) if done else None), c.alpha3
        assert c.shown_stage.notation == (max(done) if done else max(s.notation for s in c.steps))


def test_stage_filter_keeps_myanmar_and_only_curriculum_steps(steps) -> None:
    shown = adoption.Filters.from_args({"stage": "curriculum"}).apply(steps)
    assert "MMR" in {s.alpha3 for s in shown}
    assert {s.stage for s in shown} == {"curriculum"}


def test_region_filter_matches_the_broader_and_the_narrower_region(steps) -> None:
    central = {s.alpha3 for s in adoption.Filters(region="central-asia").apply(steps)}
    eeca = {s.alpha3 for s in adoption.Filters(region="eeca").apply(steps)}
    assert central and central <= eeca
    assert "AFG" not in eeca


def test_year_and_status_filters(steps) -> None:
    assert {s.alpha3 for s in adoption.Filters(year="2020").apply(steps)} >= {"AFG"}
    assert all(s.year == "2020" for s in adoption.Filters(year="2020").apply(steps))
    assert {s.alpha3 for s in adoption.Filters(status="intended").apply(steps)} >= {"ARG"}


def test_sorting_by_year_puts_missing_years_last_both_ways(steps) -> None:
    for order in ("asc", "desc"):
        years = [s.year for s in adoption.Filters(sort="year", order=order).apply(steps)]
        dated = [y for y in years if y]
        assert years == dated + [""] * (len(years) - len(dated))
        assert dated == sorted(dated, reverse=order == "desc")


@pytest.mark.parametrize("args, message", [
    ({"stage": "finished"}, "stage 'finished' is not one of"),
    ({"year": "20x0"}, "not a year"),
    ({"sort": "evidence"}, "sort 'evidence'"),
    ({"colour": "red"}, "unknown argument 'colour'"),
    ({"country": "<b>"}, "not an ISO 3166-1"),
])
def test_bad_filters_say_what_is_wrong(args, message) -> None:
    with pytest.raises(adoption.FilterError, match=message):
        adoption.Filters.from_args(args)


def test_timeline_has_steps_and_the_trainings_that_used_the_manual(curated_store) -> None:
    events = adoption.events_from_records(run(curated_store, adoption.TIMELINE_QUERY).records())
    steps = {(e.countries, e.stage, e.start) for e in events if e.kind == "adoption step"}
    assert (("AFG",), "translated", 2020) in steps
    trainings = [e for e in events if e.kind == "activity"]
    assert any("MAR" in e.countries and e.start == 2018 for e in trainings)  # the Tangier training used the Manual
    assert any(e.documents and "Dari" in " ".join(e.documents) for e in trainings)  # one used the Dari version
    lo, hi = adoption.TIMELINE_YEARS
    assert all(lo <= e.start <= hi or (e.end or e.start) >= lo for e in events if e.placed)


def test_afghanistan_lineage_goes_manual_step_translation_activity(curated_store) -> None:
    tree = adoption.build_lineage(run(curated_store, adoption.LINEAGE_QUERY, country="AFG").records(),
                                  root_iri="https://w3id.org/lemap/id/document/training-manual",
                                  root_label="Manual", country_label="Afghanistan")
    step = next(n for n in tree.children if n.type == "adoption step")
    assert (step.stage, step.year, step.language_names) == ("translated", "2020", ("Dari",))
    dari = next(n for n in step.children if n.iri.endswith("training-manual-dari"))
    assert dari.relation == "resulting document" and dari.evidence
    assert any(n.type == "activity" for n in dari.children)
    iris = [n.iri for n in tree.walk()]
    assert len(iris) == len(set(iris)), "a node reachable along two edges is shown once"


def test_other_activities_leave_out_those_in_the_lineage(curated_store) -> None:
    rows = run(curated_store, adoption.ACTIVITIES_QUERY, country="AFG").records()
    tree = adoption.build_lineage(run(curated_store, adoption.LINEAGE_QUERY, country="AFG").records(),
                                  root_iri="https://w3id.org/lemap/id/document/training-manual", root_label="Manual")
    others = adoption.other_activities(rows, tree)
    in_tree = {n.iri for n in tree.walk()}
    assert others and not in_tree & {a.iri for a in others}
    assert {a.iri for a in others} | (in_tree & {r["activity"] for r in rows}) == {r["activity"] for r in rows}


def test_xlsx_opens_and_holds_the_csv_rows(steps) -> None:
    shown = adoption.Filters(stage="curriculum").apply(steps)
    book = openpyxl.load_workbook(io.BytesIO(adoption.write_xlsx(shown, note="about")))
    sheet = book.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows == list(csv.reader(io.StringIO(adoption.write_csv(shown).decode())))
    assert book["About"]["A1"].value == "about"


def test_xlsx_keeps_formula_like_text_as_text() -> None:
    step = adoption.Step("a", "c", "=HYPERLINK(\"x\")", "XXX", "999", "adopted", "adopted", 4, "done", "done")
    sheet = openpyxl.load_workbook(io.BytesIO(adoption.write_xlsx([step]))).worksheets[0]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=HYPERLINK(\"x\")"


# --- the web views --------------------------------------------------------------------------------


class TableParser(HTMLParser):
    """The rows of #adoption-table's body as the reader sees them, and the page's links by id."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.links: dict[str, str] = {}
        self._in_table = self._in_body = False
        self._cell: str | None = None
        self._row: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href", "")
        if tag == "table" and a.get("id") == "adoption-table":
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr" and "data-iso3" in a:
            self._row = {"iso3": a["data-iso3"], "stage": a["data-stage"], "status": a["data-status"]}
        elif self._row is not None and tag == "td":
            self._cell = a.get("data-label")
            self._row[self._cell] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append({k: " ".join(v.split()) for k, v in self._row.items()})
            self._row = None
        elif tag == "table" and self._in_table:
            self._in_table = self._in_body = False

    def handle_data(self, data):
        if self._row is not None and self._cell:
            self._row[self._cell] += data


def page_table(client, args: dict[str, str]) -> TableParser:
    response = client.get("/adoption", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    parser = TableParser()
    parser.feed(response.get_data(as_text=True))
    return parser


def key_of_table_row(row: dict[str, str]) -> tuple:
    """What a table row says, in the CSV's terms: country code, stage, status, year, language."""
    dash = lambda v: "" if v == "—" else v  # noqa: E731
    return row["iso3"], row["stage"], row["status"], dash(row["Year"]), dash(row["Language"])


def key_of_export_row(row: dict) -> tuple:
    stage = adoption.STAGES[int(row["stage_notation"]) - 1][0]
    return row["iso3"], stage, row["status"].replace(" ", "-"), str(row["year"] or ""), row["language"] or ""


@pytest.mark.parametrize("args", FILTER_CASES, ids=lambda a: "&".join(f"{k}={v}" for k, v in a.items()) or "all")
def test_downloads_equal_the_filtered_table(client, args) -> None:
    table = [key_of_table_row(r) for r in page_table(client, args).rows]
    csv_rows = list(csv.DictReader(io.StringIO(client.get("/adoption.csv", query_string=args).data.decode("utf-8-sig"))))
    doc = client.get("/adoption.json", query_string=args).get_json()
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/adoption.xlsx", query_string=args).data)).worksheets[0]
    header, *body = [["" if v is None else v for v in r] for r in sheet.iter_rows(values_only=True)]
    xlsx_rows = [dict(zip(header, r)) for r in body]
    assert [key_of_export_row(r) for r in csv_rows] == table
    assert [key_of_export_row(r) for r in doc["rows"]] == table
    assert [key_of_export_row(r) for r in xlsx_rows] == table
    assert doc["count"] == len(table)
    assert doc["query"] == adoption.STEPS_QUERY and doc["filters"] == {k: v for k, v in args.items() if k != "order" or v != "asc"}


def test_the_evidence_and_section_of_each_row_are_on_the_page(client) -> None:
    parser = page_table(client, {"stage": "translated"})
    doc = client.get("/adoption.json", query_string={"stage": "translated"}).get_json()
    for row, data in zip(parser.rows, doc["rows"]):
        assert data["evidence"].split(" | ")[0][:60] in row["Evidence"]
        assert row["Section"] == " ".join(s.replace("-", " ").upper() for s in
                                          [iri.rsplit("/", 1)[-1] for iri in data["section_iri"].split()])


def test_the_page_counts_rows_and_its_download_links_carry_the_filters(client) -> None:
    args = {"stage": "curriculum", "status": "done"}
    parser = page_table(client, args)
    html = client.get("/adoption", query_string=args).get_data(as_text=True)
    assert f"<strong data-count>{len(parser.rows)}</strong>" in html
    for ext in ("csv", "json", "xlsx"):
        url = urlsplit(parser.links[f"download-{ext}"])
        assert url.path == f"/adoption.{ext}"
        assert {k: v[0] for k, v in parse_qs(url.query).items()} == args


def test_every_view_names_and_links_its_query(client) -> None:
    html = client.get("/adoption").get_data(as_text=True)
    for name in (adoption.STEPS_QUERY, adoption.TIMELINE_QUERY):
        assert f'href="/q/{name}"' in html
    assert 'href="/sparql#query=' in html
    country = client.get("/adoption/AFG").get_data(as_text=True)
    assert 'href="/q/adoption-lineage?country=AFG"' in country
    assert 'href="/q/adoption-country-activities?country=AFG"' in country


def test_country_page_shows_the_lineage_with_evidence(client) -> None:
    response = client.get("/adoption/AFG")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Dari" in html and "2020" in html
    assert "was translated to the national language (Dari) in 2020" in html
    assert 'href="/id/country/AFG"' in html and 'href="/id/section/mena"' in html
    data = client.get("/adoption/AFG.json").get_json()
    step = data["lineage"]["children"][0]
    assert step["type"] == "adoption step" and step["children"][0]["iri"].endswith("training-manual-dari")


def test_country_codes_of_any_case_and_kind_lead_to_the_alpha3_page(client) -> None:
    for code in ("afg", "AF", "004", "Afghanistan"):
        response = client.get(f"/adoption/{code}")
        assert response.status_code == 301 and response.headers["Location"].endswith("/adoption/AFG")


def test_unknown_countries_and_bad_filters_are_clear_errors(client) -> None:
    missing = client.get("/adoption/XYZ")
    assert missing.status_code == 404 and "XYZ" in missing.get_data(as_text=True)
    assert client.get("/adoption/orgn:unodc").status_code == 404
    bad = client.get("/adoption.json?stage=finished")
    assert bad.status_code == 400 and "stage 'finished'" in bad.get_json()["error"]
    assert client.get("/adoption.csv?year=later").status_code == 400
    page = client.get("/adoption?stag=curriculum")
    assert page.status_code == 400 and "unknown argument &#39;stag&#39;" in page.get_data(as_text=True)


def test_a_country_with_no_step_still_has_a_page(client) -> None:
    response = client.get("/adoption/UKR")
    assert response.status_code == 200
    assert "Every other activity in Ukraine" in response.get_data(as_text=True)


def test_the_script_writes_no_data_as_html() -> None:
    from pathlib import Path

    script = (Path(__file__).resolve().parent.parent / "webapp" / "static" / "js" / "adoption.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", ".html("):
        assert sink not in script, f"adoption.js uses {sink}: build nodes and set textContent instead"


# --- partner data -----------------------------------------------------------------------------------

PARTNER = b"""
@prefix adopt:   <https://w3id.org/lemap/id/adoption/> .
@prefix country: <https://w3id.org/lemap/id/country/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix doc:     <https://w3id.org/lemap/id/document/> .
@prefix lm:      <https://w3id.org/lemap/ontology#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix schema:  <https://schema.org/> .
@prefix stage:   <https://w3id.org/lemap/id/adoption-stage/> .
@prefix status:  <https://w3id.org/lemap/id/status/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

adopt:ken-translated-partner a lm:ManualAdoption ;
    lm:adoptingCountry country:KEN ;
    lm:adoptedDocument doc:training-manual ;
    lm:adoptionStage stage:translated ;
    lm:status status:done ;
    lm:year "2019"^^xsd:gYear ;
    schema:inLanguage "sw" ;
    prov:wasDerivedFrom <https://partner.example/excerpt/1> .
<https://partner.example/excerpt/1> prov:value "The Manual was translated into <b>Kiswahili</b> in 2019." .
"""
PARTNER_GRAPH = "https://w3id.org/lemap/graph/partner/test-ngo"


def test_a_partner_graph_with_a_new_step_shows_once_imported(web_sources_store) -> None:
    from webapp import create_app

    app = create_app({"TESTING": True}, store=web_sources_store)
    try:
        client = app.test_client()
        assert "KEN" not in {r["iso3"] for r in client.get("/adoption.json").get_json()["rows"]}
        web_sources_store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(PARTNER_GRAPH))
                                 for t in ox.parse(PARTNER, format=ox.RdfFormat.TURTLE))
        app.extensions["lemap"].reload()  # what an import does after writing the partner's graph
        doc = client.get("/adoption.json").get_json()
        ken = [r for r in doc["rows"] if r["iso3"] == "KEN"]
        assert [(r["stage"], r["status"], r["year"], r["language"]) for r in ken] == [("translated", "done", "2019", "Swahili")]
        assert "KEN" in {c["alpha3"] for c in doc["countries"]}
        html = client.get("/adoption").get_data(as_text=True)
        assert "&lt;b&gt;Kiswahili&lt;/b&gt;" in html and "<b>Kiswahili</b>" not in html
        data = json.loads(html.split('id="adoption-data">', 1)[1].split("</script>", 1)[0])
        assert "KEN" in {c["alpha3"] for c in data["countries"]}  # so the map draws it
    finally:
        app.extensions["lemap"].close()


@pytest.fixture
def web_sources_store() -> ox.Store:
    """A fresh, writable store of the small web fixture graph (the shared web_store is read-only)."""
    from browser import web_sources

    store = ox.Store()
    build_store(store, web_sources())
    return store


def test_a_country_entity_page_links_its_lineage(curated_client):
    """Issue 5: the lineage is reachable from the country's own page, /id/country/<ISO3>."""
    html = curated_client.get("/id/country/AFG", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/adoption/AFG"' in html
    assert curated_client.get("/adoption/AFG").status_code == 200
