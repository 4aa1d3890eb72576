"""Named queries: every .rq file is valid SPARQL with a summary and projected parameters; the general
queries answer the competency questions on a small hand-made fixture graph; parameters are bound
through the engine with their declared types."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from lemap_graph import queries
from lemap_graph.store import Source, build_store, run_query

ROOT = Path(__file__).resolve().parent.parent
SPARQL_DIR = ROOT / "lemap_graph" / "sparql"
ALL_RQ = sorted(SPARQL_DIR.rglob("*.rq"))
FIXTURES = sorted((Path(__file__).resolve().parent / "fixtures").glob("*.ttl"))
CURIE = queries.PREFIXES


def iri(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return CURIE[prefix] + local


def rq_id(path: Path) -> str:
    return path.relative_to(SPARQL_DIR).as_posix()


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """The fixture graph: tests/fixtures/*.ttl, each in its own named graph as `lemap build` loads them."""
    s = ox.Store()
    build_store(s, [Source(p, f"data/triples/{p.name}") for p in FIXTURES])
    return s


def run(store: ox.Store, query: str, **values: str) -> list[dict]:
    q = queries.get_query(query)
    return run_query(store, q.text, substitutions=queries.bind(q, values, store)).records()


# --- every file ---------------------------------------------------------------------------------


def test_the_package_ships_queries_and_the_general_ones() -> None:
    names = [q.name for q in queries.load_queries()]
    assert names == sorted(names) and len(names) == len(set(names))
    assert {"countries", "entity-by-name", "country-by-iso-code", "graphs"} <= set(names)


@pytest.mark.parametrize("path", ALL_RQ, ids=rq_id)
def test_query_parses_and_runs(path: Path) -> None:
    answer = ox.Store().query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    assert answer is not None


@pytest.mark.parametrize("path", ALL_RQ, ids=rq_id)
def test_query_has_a_one_line_summary_and_known_metadata(path: Path) -> None:
    q = queries.load_file(path)  # raises on an unknown #+ key or a malformed param line
    assert q.summary, f"{path.name} has no '#+ summary:' line"
    assert len([line for line in q.text.splitlines() if line.startswith("#+ summary:")]) == 1


@pytest.mark.parametrize("path", ALL_RQ, ids=rq_id)
def test_declared_params_are_projected_and_every_param_variable_is_declared(path: Path) -> None:
    q = queries.load_file(path)
    used = set(re.findall(r"[?$](_\w+)", re.sub(r"(?m)^\s*#.*$", "", q.text)))
    assert used == {p.name for p in q.params}, "every ?_variable must be declared with '#+ param:', and only those"
    if q.params:
        answer = ox.Store().query(q.text)
        projected = {v.value for v in answer.variables}
        assert {p.name for p in q.params} <= projected, "pyoxigraph substitutes only projected variables"


def test_checks_are_the_violation_files() -> None:
    checks = queries.load_checks()
    assert [c.path.name for c in checks] == sorted(p.name for p in (SPARQL_DIR / "checks").glob("*-violation.rq"))
    assert all(c.name.endswith("-violation") for c in checks)


def test_every_fixture_parses() -> None:
    assert FIXTURES
    for path in FIXTURES:
        assert len(rdflib.Graph().parse(path, format="turtle")) > 0, path.name


# --- metadata -------------------------------------------------------------------------------------


def test_metadata_lines_are_read() -> None:
    q = queries.parse_query(
        "#+ summary: Sum.\n#+ description: One\n#+ description: two.\n#+ tags: a, b\n"
        "#+ param: _c country a country\n#+ param: _n integer? how many\n#+ source: competency question 11\n"
        "SELECT ?_c ?_n WHERE {}",
        "x",
    )
    assert (q.summary, q.description, q.tags, q.source) == ("Sum.", "One two.", ("a", "b"), "competency question 11")
    assert q.params == (
        queries.QueryParam("_c", "country", "a country"),
        queries.QueryParam("_n", "integer", "how many", required=False),
    )
    assert q.param("c") is q.params[0] and q.param("_n") is q.params[1] and q.param("x") is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("#+ sumary: typo", "unknown metadata key 'sumary'"),
        ("#+ param: _x", "a param line is"),
        ("#+ param: x string no underscore", "must be a variable name starting with '_'"),
        ("#+ param: _x float what", "unknown type 'float'"),
    ],
)
def test_bad_metadata_is_located(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as e:
        queries.parse_query(f"#+ summary: s\n{line}\nSELECT * {{}}", "q", Path("q.rq"))
    assert str(e.value).startswith("q.rq:2:")


def test_unknown_query_names_close_ones() -> None:
    with pytest.raises(KeyError) as e:
        queries.get_query("entity-by-nam")
    assert "did you mean: entity-by-name" in e.value.args[0]
    with pytest.raises(KeyError, match="no named query '../graphs'"):
        queries.get_query("../graphs")


# --- binding --------------------------------------------------------------------------------------


def typed(kind: str, optional: bool = False) -> queries.NamedQuery:
    return queries.parse_query(f"#+ param: _v {kind}{'?' if optional else ''} v\nSELECT ?_v {{}}", "t")


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("iri", "<http://example.org/a>", ox.NamedNode("http://example.org/a")),
        ("iri", "country:AFG", ox.NamedNode("https://w3id.org/lemap/id/country/AFG")),
        ("iri", "https://w3id.org/lemap/id/place/kyiv", ox.NamedNode("https://w3id.org/lemap/id/place/kyiv")),
        ("string", "country:AFG", ox.Literal("country:AFG")),
        ("integer", " 042 ", ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        ("date", "2018-03-01", ox.Literal("2018-03-01", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))),
        ("gYear", "2018", ox.Literal("2018", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"))),
    ],
)
def test_typed_values(kind: str, value: str, expected) -> None:
    assert queries.bind(typed(kind), {"v": value}, ox.Store()) == {"_v": expected}


@pytest.mark.parametrize(
    ("kind", "value"),
    [("iri", "Kabul"), ("iri", "<not an iri>"), ("integer", "12a"), ("date", "2021-02-30"),
     ("date", "2021"), ("gYear", "18"), ("country", "XX")],
)
def test_bad_typed_values_name_the_parameter(kind: str, value: str, store: ox.Store) -> None:
    with pytest.raises(ValueError, match=rf"^parameter _v \({kind}\): "):
        queries.bind(typed(kind), {"v": value}, store)


@pytest.mark.parametrize("value", ["UA", "ua", "UKR", "804", "Ukraine", "ukraine", "country:UKR"])
def test_country_values_resolve_to_the_country(value: str, store: ox.Store) -> None:
    assert queries.bind(typed("country"), {"v": value}, store) == {"_v": ox.NamedNode(iri("country:UKR"))}


def test_country_by_name_ignores_case_spaces_and_hidden_typos(store: ox.Store) -> None:
    assert queries.resolve_country("kenia", store).value == iri("country:KEN")
    assert queries.resolve_country("Republic of  Kazakhstan", store).value == iri("country:KAZ")
    assert queries.resolve_country("4", store).value == iri("country:AFG")


def test_untyped_values_are_iris_only_when_written_as_iris() -> None:
    free = queries.parse_query("SELECT ?_x ?y WHERE { ?y ?p ?_x }", "free")
    assert queries.bind(free, {"x": "country:AFG", "y": "Kabul"}, ox.Store()) == {
        "_x": ox.NamedNode(iri("country:AFG")),
        "y": ox.Literal("Kabul"),
    }
    assert queries.to_term("unknown:thing") == ox.Literal("unknown:thing")
    with pytest.raises(ValueError, match="parameter 'z' is not a variable of query free"):
        queries.bind(free, {"z": "1"}, ox.Store())


def test_unknown_and_missing_parameters() -> None:
    q = queries.get_query("country-by-iso-code")
    with pytest.raises(ValueError, match="unknown parameter 'cod' for query country-by-iso-code"):
        queries.bind(q, {"cod": "AF"}, ox.Store())
    with pytest.raises(ValueError, match="missing parameter _code"):
        queries.bind(q, {}, ox.Store())
    assert queries.bind(typed("integer", optional=True), {}, ox.Store()) == {}


def test_bound_values_never_enter_the_query_text(store: ox.Store) -> None:
    hostile = '"} } ; DROP ALL ; SELECT * { ?s ?p "'
    assert run(store, "entity-by-name", name=hostile) == []
    assert len(store) > 0


# --- the general queries on the fixture graph -----------------------------------------------------


def test_countries(store: ox.Store) -> None:
    rows = run(store, "countries")
    assert [(r["label"], r["alpha2"], r["alpha3"], r["numeric"]) for r in rows] == [
        ("Afghanistan", "AF", "AFG", "004"),
        ("Kazakhstan", "KZ", "KAZ", "398"),
        ("Kenya", "KE", "KEN", "404"),
        ("Ukraine", "UA", "UKR", "804"),
    ]
    regions = {r["label"]: set((r["regions"] or "").split("; ")) - {""} for r in rows}
    assert regions == {
        "Afghanistan": {"mena"},  # no label in the fixture: the slug
        "Kazakhstan": {"Eastern Europe and Central Asia", "Central Asia"},
        "Kenya": set(),
        "Ukraine": {"Eastern Europe and Central Asia"},
    }


@pytest.mark.parametrize(
    ("name", "entity", "matched_by"),
    [
        ("Kiev", "place:kyiv", "skos:altLabel"),  # competency question 12
        ("KYIV", "place:kyiv", "skos:prefLabel"),
        ("Kenia", "country:KEN", "skos:hiddenLabel"),
        ("republic of kazakhstan", "country:KAZ", "skos:altLabel"),
        ("U.N.O.D.C.", "orgn:unodc", "skos:altLabel"),
    ],
)
def test_entity_by_name(store: ox.Store, name: str, entity: str, matched_by: str) -> None:
    rows = run(store, "entity-by-name", name=name)
    assert {(r["entity"], r["matchedBy"]) for r in rows} == {(iri(entity), iri(matched_by))}
    assert all(r["_name"] == name for r in rows)


def test_entity_by_name_finds_nothing_for_an_unknown_name(store: ox.Store) -> None:
    assert run(store, "entity-by-name", name="Atlantis") == []


@pytest.mark.parametrize("code", ["AF", "af", "AFG", "004", "4"])
def test_country_by_iso_code_any_form(store: ox.Store, code: str) -> None:
    rows = run(store, "country-by-iso-code", code=code)
    assert {r["country"] for r in rows} == {iri("country:AFG")}
    assert (iri("lm:isoAlpha3"), "AFG") in {(r["property"], r["value"]) for r in rows if r["direction"] == "out"}


def test_country_by_iso_code_lists_what_links_to_the_country(store: ox.Store) -> None:
    rows = run(store, "country-by-iso-code", code="UA")
    incoming = {(r["value"], r["property"]) for r in rows if r["direction"] == "in"}
    assert incoming == {
        (iri("place:kyiv"), iri("schema:containedInPlace")),
        (iri("orgn:ukr-moi"), iri("schema:location")),
        (iri("act:ukr-2016-kyiv-training"), iri("lm:country")),
    }
    labels = {r["value"]: r["valueLabel"] for r in rows}
    assert labels[iri("place:kyiv")] == "Kyiv"
    assert run(store, "country-by-iso-code", code="ZZ") == []


def test_graphs(store: ox.Store) -> None:
    rows = run(store, "graphs")
    assert [(r["file"], r["origin"], r["derivedFrom"]) for r in rows] == [
        (f"data/triples/{p.name}", "report", iri("report:unodc-le-hiv-mapping-2013-2021")) for p in FIXTURES
    ]
    for r, path in zip(rows, FIXTURES):
        assert int(r["triples"]) == len(rdflib.Graph().parse(path, format="turtle"))
        assert re.fullmatch(r"[0-9a-f]{64}", r["sha256"])


def test_graphs_tells_vocabulary_and_partner_datasets_apart() -> None:
    s = ox.Store()
    meta, lm = ox.NamedNode("https://w3id.org/lemap/graph/meta"), "https://w3id.org/lemap/ontology#"
    onto, partner = ox.NamedNode("https://w3id.org/lemap/graph/ontology/lemap"), ox.NamedNode("https://example.org/upload/1")
    s.add(ox.Quad(onto, ox.NamedNode(lm + "sourceFile"), ox.Literal("ontology/lemap.ttl"), meta))
    for g in (onto, partner):
        s.add(ox.Quad(ox.NamedNode("http://ex/s"), ox.NamedNode("http://ex/p"), ox.Literal("o"), g))
    added = ox.Literal("2025-01-02T03:04:05Z", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))
    s.add(ox.Quad(partner, ox.NamedNode("http://purl.org/dc/terms/created"), added, meta))
    rows = {r["graph"]: r for r in run(s, "graphs")}
    assert rows[onto.value]["origin"] == "vocabulary"
    assert (rows[partner.value]["origin"], rows[partner.value]["added"]) == ("dataset", "2025-01-02T03:04:05Z")
